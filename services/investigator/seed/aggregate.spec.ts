import { describe, expect, it } from 'vitest';
import type { CallEvent, FlagEvent } from '../../../shared/contracts/records.ts';
import { FLAGGED_FOR_MS, ProviderHourAggregate } from '../../detector/aggregates/provider-hour.ts';
import { TrafficAggregate, flaggedNumbers, shiftFlag } from './aggregate.ts';

const T = Date.UTC(2026, 0, 1, 10, 0, 0);
const call = (over: Partial<CallEvent>): CallEvent => ({
  eventId: 'e', probeId: 'p', caller: '+8613800000001', callee: '+8613900000001', startTime: T, answerTime: null, endTime: T + 5_000,
  outcome: 'NO_ANSWER', releaseCause: null, accessProvider: 'CMCC', ...over,
});

describe('TrafficAggregate', () => {
  it('folds calls per number-minute and provider-hour, once per eventId', () => {
    const agg = new TrafficAggregate(new Map([['+8613800000001', [T]]]));
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
    const agg = new TrafficAggregate(new Map(), 3_600_000);
    agg.addCall(call({}));
    expect(agg.rows().numberMinute[0].minute).toBe(T / 1000 + 3600);
    const f = { flagId: 'f', number: 'n', severity: 'LABEL', score: 1, reasons: [], windowStart: 1, windowEnd: 2, detectedAt: 2, emittedAt: 3, numberClass: 'MOBILE', accessProvider: null, evidence: {} } as const;
    expect(shiftFlag({ ...f, reasons: [], evidence: {} }, 10)).toMatchObject({ windowStart: 11, windowEnd: 12, detectedAt: 12, emittedAt: 13, flagId: 'f' });
    expect([...flaggedNumbers([{ ...f, reasons: [], evidence: {} }, { ...f, number: 'w', severity: 'WATCH', reasons: [], evidence: {} }, { ...f, flagId: 'g', detectedAt: 9, reasons: [], evidence: {} }])]).toEqual([['n', [2, 9]]]);
  });

  describe('flagged calls: only those within FLAGGED_FOR_MS after a LABEL-or-above flag of the caller, as the detector counts them', () => {
    const H = 3_600_000;
    const T0 = Date.UTC(2026, 5, 1);
    const N = '+8613800000001';
    const flag = (over: Partial<FlagEvent>): FlagEvent => ({
      flagId: 'f', number: N, severity: 'LABEL', score: 50, reasons: [], windowStart: T0 + 47 * H, windowEnd: T0 + 48 * H, detectedAt: T0 + 48 * H,
      emittedAt: T0 + 48 * H, numberClass: 'MOBILE', accessProvider: 'CarrierX', evidence: {}, ...over,
    });
    /** 10 calls of N in each given hour (ms since T0), a minute apart from the hour's start. */
    const calls = (hours: number[]): CallEvent[] =>
      hours.flatMap((h, j) =>
        Array.from({ length: 10 }, (_, k) => call({ eventId: `e${j}-${k}`, caller: N, callee: `+8613900000${100 + k}`, startTime: T0 + h * H + k * 60_000, accessProvider: 'CarrierX' })),
      );
    const byHour = (agg: TrafficAggregate) =>
      Object.fromEntries(agg.rows().providerHour.map((r) => [(r.hour * 1000 - T0) / H, [r.calls, r.flagged_calls, r.flagged_numbers]]));

    it('a flag on day 2 flags no call of days 0, 1 or 9, and the calls of the 24 h after it', () => {
      const agg = new TrafficAggregate(flaggedNumbers([flag({})]));
      for (const c of calls([0, 24, 216, 48, 60, 71])) agg.addCall(c);
      expect(byHour(agg)).toEqual({ 0: [10, 0, 0], 24: [10, 0, 0], 216: [10, 0, 0], 48: [10, 10, 1], 60: [10, 10, 1], 71: [10, 10, 1] });
    });

    it('bounds: a call at detectedAt and at detectedAt + FLAGGED_FOR_MS is flagged, one ms before or after is not; WATCH flags none', () => {
      const d = T0 + 48 * H;
      const agg = new TrafficAggregate(flaggedNumbers([flag({}), flag({ flagId: 'w', number: '+8613700000000', severity: 'WATCH' })]));
      const at = (id: string, startTime: number, caller = N) => agg.addCall(call({ eventId: id, caller, startTime, accessProvider: id }));
      at('before', d - 1);
      at('at', d);
      at('last', d + FLAGGED_FOR_MS);
      at('after', d + FLAGGED_FOR_MS + 1);
      at('watch', d + H, '+8613700000000');
      const flagged = Object.fromEntries(agg.rows().providerHour.map((r) => [r.access_provider, r.flagged_calls]));
      expect(flagged).toEqual({ before: 0, at: 1, last: 1, after: 0, watch: 0 });
    });

    it('with --shift-to-now the flags move with the calls', () => {
      const shift = 100 * 24 * H;
      const agg = new TrafficAggregate(flaggedNumbers([flag({})]), shift);
      for (const c of calls([24, 48, 216])) agg.addCall(c);
      const rows = agg.rows().providerHour.map((r) => [(r.hour * 1000 - T0 - shift) / H, r.flagged_calls]);
      expect(Object.fromEntries(rows)).toEqual({ 24: 0, 48: 10, 216: 0 });
    });

    it("gives the detector's provider_hour counts for the same calls and kept flags", () => {
      const flags = [flag({}), flag({ flagId: 'g', detectedAt: T0 + 100 * H, severity: 'BLOCK_RECOMMENDED' })];
      const list = calls([0, 24, 47, 48, 60, 72, 73, 90, 100, 110, 124, 125, 216]);
      const seed = new TrafficAggregate(flaggedNumbers(flags));
      const detector = new ProviderHourAggregate('s');
      for (const f of flags) detector.noteFlag(f.number, f.severity, f.detectedAt);
      list.forEach((c, i) => {
        seed.addCall(c);
        detector.addCall(c.caller, c.accessProvider, c.startTime, i);
      });
      const pick = (r: { access_provider: string; hour: number; calls: number; flagged_calls: number; flagged_numbers: number }) => [r.access_provider, r.hour, r.calls, r.flagged_calls, r.flagged_numbers];
      const sort = (a: unknown[], b: unknown[]) => (a[1] as number) - (b[1] as number);
      expect(seed.rows().providerHour.map(pick).sort(sort)).toEqual(detector.takeChanged().map(pick).sort(sort));
      expect(seed.rows().providerHour.reduce((n, r) => n + r.flagged_calls, 0)).toBe(42); // hours 48, 60, 100, 110 (10 each) and the first call of hours 72 and 124 (at detectedAt + 24 h exactly)
    });
  });
});
