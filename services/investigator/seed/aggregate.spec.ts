import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { TrafficAggregate, flaggedNumbers, shiftFlag } from './aggregate.ts';

const T = Date.UTC(2026, 0, 1, 10, 0, 0);
const call = (over: Partial<CallEvent>): CallEvent => ({
  eventId: 'e', probeId: 'p', caller: '+8613800000001', callee: '+8613900000001', startTime: T, answerTime: null, endTime: T + 5_000,
  outcome: 'NO_ANSWER', releaseCause: null, accessProvider: 'CMCC', ...over,
});

describe('TrafficAggregate', () => {
  it('folds calls per number-minute and provider-hour, once per eventId', () => {
    const agg = new TrafficAggregate(new Set(['+8613800000001']));
    agg.addCall(call({ eventId: 'a', outcome: 'ANSWERED', answerTime: T + 2_000, endTime: T + 62_000 }));
    agg.addCall(call({ eventId: 'a', outcome: 'ANSWERED', answerTime: T + 2_000, endTime: T + 62_000 })); // duplicate
    agg.addCall(call({ eventId: 'b', outcome: 'REJECTED', startTime: T + 30_000, callee: '+8613900000002' }));
    agg.addCall(call({ eventId: 'c', startTime: T + 61_000 }));
    agg.addCall(call({ eventId: 'd', caller: '+8613700000000', accessProvider: null }));
    agg.addComplaint({ reportId: 'r', reporter: '+8613911111111', reported: '+8613800000001', reportTime: T + 10_000, category: 'OTHER', channel: null });
    agg.addComplaint({ reportId: 'r', reporter: '+8613911111111', reported: '+8613800000001', reportTime: T + 10_000, category: 'OTHER', channel: null });
    const { numberMinute, providerHour } = agg.rows('src', 7);
    expect(agg.calls).toBe(4);
    expect(agg.duplicates).toBe(2);
    const m0 = numberMinute.find((r) => r.number === '+8613800000001' && r.minute === T / 1000);
    expect(m0).toEqual({ number: '+8613800000001', minute: T / 1000, src: 'src', calls: 2, answered: 1, rejected: 1, distinct_callees: 2, talk_seconds: 60, complaints: 1, version: 7 });
    expect(numberMinute).toHaveLength(3);
    expect(providerHour.find((r) => r.access_provider === 'CMCC')).toMatchObject({ hour: T / 1000, calls: 3, flagged_calls: 3, flagged_numbers: 1 });
    expect(providerHour.find((r) => r.access_provider === '')).toMatchObject({ calls: 1, flagged_calls: 0, flagged_numbers: 0 });
  });

  it('shifts event times when asked', () => {
    const agg = new TrafficAggregate(new Set(), 3_600_000);
    agg.addCall(call({}));
    expect(agg.rows().numberMinute[0].minute).toBe(T / 1000 + 3600);
    const f = { flagId: 'f', number: 'n', severity: 'LABEL', score: 1, reasons: [], windowStart: 1, windowEnd: 2, detectedAt: 2, emittedAt: 3, numberClass: 'MOBILE', accessProvider: null, evidence: {} } as const;
    expect(shiftFlag({ ...f, reasons: [], evidence: {} }, 10)).toMatchObject({ windowStart: 11, windowEnd: 12, detectedAt: 12, emittedAt: 13, flagId: 'f' });
    expect([...flaggedNumbers([{ ...f, reasons: [], evidence: {} }, { ...f, number: 'w', severity: 'WATCH', reasons: [], evidence: {} }])]).toEqual(['n']);
  });
});
