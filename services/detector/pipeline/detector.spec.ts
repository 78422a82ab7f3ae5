import { describe, expect, it } from 'vitest';
import { NEVER, Subject } from 'rxjs';
import pino from 'pino';
import { loadDetectorConfig } from '../config.ts';
import type { SourceBatch, SourceEvent } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { Detector, type DetectorDeps } from './detector.ts';

/** A detector over fakes: the topics exist, Redis answers, and the consents reader never catches up. */
function detector() {
  const loaded = loadDetectorConfig({});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const calls: string[] = [];
  const deps = {
    config: loaded.config,
    source: {
      events$: new Subject<SourceEvent>(),
      partitionCount: async () => 2,
      start: async () => void calls.push('source.start'),
      stop: async () => void calls.push('source.stop'),
      commit: async () => {},
      pause: () => {},
      resume: () => {},
    },
    consents: {
      batches$: new Subject<SourceBatch>(),
      caughtUp: new Promise<void>(() => {}), // a reader that never catches up (a slow or unreachable broker)
      start: async () => void calls.push('consents.start'),
      stop: async () => void calls.push('consents.stop'),
    },
    control: { poll: async () => [], events: () => NEVER },
    redis: { up: true, waitReady: async () => true },
    sink: { send: async () => {} },
    writer: { write: async () => {} },
    metrics: new DetectorMetrics(),
    log: pino({ level: 'silent' }),
  };
  return { det: new Detector(deps as unknown as DetectorDeps), calls };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'done' as const), new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

describe('Detector halt and stop during start-up', () => {
  it('a stop while the consents are still being read ends the wait: halt returns, the group is never joined', async () => {
    const { det, calls } = detector();
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // the start waits for the consents to be read
    expect(calls).toEqual(['consents.start']);
    expect(await within(det.halt(), 2_000)).toBe('done');
    expect(await within(det.stop(1_000), 2_000)).toBe('done');
    expect(calls).not.toContain('source.start');
    expect(calls).toContain('consents.stop');
  });
});
