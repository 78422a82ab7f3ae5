import { describe, expect, it } from 'vitest';
import { parseDetectorMetrics } from './progress.ts';

describe('parseDetectorMetrics', () => {
  it('sums call events over results, lag over partitions, flags over severities', () => {
    const text = [
      '# HELP callguard_detector_events_total Input records',
      '# TYPE callguard_detector_events_total counter',
      'callguard_detector_events_total{topic="demo.calls",result="accepted"} 1200',
      'callguard_detector_events_total{topic="demo.calls",result="duplicate"} 5',
      'callguard_detector_events_total{topic="demo.complaints",result="accepted"} 40',
      'callguard_detector_consumer_lag{topic="demo.calls",partition="0"} 3',
      'callguard_detector_consumer_lag{topic="demo.calls",partition="1"} 4',
      'callguard_detector_pending_records 17',
      'callguard_detector_flags_total{severity="LABEL"} 9',
      'callguard_detector_flags_total{severity="WATCH"} 2',
    ].join('\n');
    expect(parseDetectorMetrics(text)).toEqual({ eventsIn: 1205, lag: 7, pending: 17, flags: 11 });
  });

  it('reads nothing from an empty or foreign page', () => {
    expect(parseDetectorMetrics('up 1\n')).toEqual({ eventsIn: 0, lag: 0, pending: 0, flags: 0 });
  });
});
