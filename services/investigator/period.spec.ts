import { describe, expect, it } from 'vitest';
import { bucketFor, chartRange, ChartRangeError, periodRange } from './period.ts';

const H = 3_600_000;
const D = 24 * H;

describe('periods', () => {
  it('end at the data clock, inclusive', () => {
    expect(periodRange('24h', 10 * D)).toEqual({ fromMs: 9 * D + 1, toMs: 10 * D + 1 });
    expect(periodRange('7d', 10 * D)).toEqual({ fromMs: 3 * D + 1, toMs: 10 * D + 1 });
    expect(periodRange('all', 10 * D)).toEqual({ fromMs: 0, toMs: 10 * D + 1 });
    expect(periodRange('30d', D)).toEqual({ fromMs: 0, toMs: D + 1 });
  });

  it('chart buckets: minutes up to 6 h, hours up to 60 days, then days', () => {
    expect(bucketFor(6 * H)).toBe(60);
    expect(bucketFor(6 * H + 1)).toBe(3600);
    expect(bucketFor(60 * D)).toBe(3600);
    expect(bucketFor(61 * D)).toBe(86_400);
  });

  it('a number’s chart spans its activity (at most 7 days back) with an hour of margin', () => {
    expect(chartRange(undefined, undefined, { firstSeen: 100 * D + 90 * 60_000, lastSeen: 100 * D + 5 * H + 30 * 60_000 }, 0)).toEqual({ fromMs: 100 * D, toMs: 100 * D + 6 * H });
    expect(chartRange(undefined, undefined, { firstSeen: 0, lastSeen: 100 * D - 60_000 }, 0)).toEqual({ fromMs: 93 * D, toMs: 100 * D });
    expect(chartRange(undefined, undefined, null, 50 * D)).toEqual({ fromMs: 43 * D, toMs: 50 * D });
    expect(chartRange(5, 10, null, 50 * D)).toEqual({ fromMs: 5, toMs: 10 });
  });

  it('an inverted or empty chart range is refused, whether both bounds are given or one is defaulted', () => {
    const span = { firstSeen: 100 * D + 90 * 60_000, lastSeen: 100 * D + 5 * H + 30 * 60_000 }; // default: [100 D, 100 D + 6 h)
    expect(() => chartRange(10, 5, span, 0)).toThrow(/^from must be before to$/);
    expect(() => chartRange(10, 10, null, 0)).toThrow(ChartRangeError); // empty
    // Only to, before the number's activity: the defaulted from (100 D) is after it.
    expect(() => chartRange(undefined, 1, span, 0)).toThrow(/from must be before to: to=1 is not after the default from \(8640000000\b/);
    expect(() => chartRange(undefined, 100 * D, span, 0)).toThrow(ChartRangeError); // empty: to = the default from
    // Only from, after it: the defaulted to (100 D + 6 h) is before it; without activity the data clock ends the range.
    expect(() => chartRange(101 * D, undefined, span, 0)).toThrow(/from must be before to: from=8726400000 is not before the default to \(8661600000, the hour after/);
    expect(() => chartRange(51 * D, undefined, null, 50 * D)).toThrow(/the data clock/);
    try {
      chartRange(undefined, 1, span, 0);
    } catch (err) {
      expect(err).toMatchObject({ statusCode: 400, code: 'bad_request' });
    }
    // Bounds inside or around the activity still work.
    expect(chartRange(undefined, 100 * D + 1, span, 0)).toEqual({ fromMs: 100 * D, toMs: 100 * D + 1 });
    expect(chartRange(100 * D + 6 * H - 1, undefined, span, 0)).toEqual({ fromMs: 100 * D + 6 * H - 1, toMs: 100 * D + 6 * H });
    expect(chartRange(undefined, 1, null, 50 * D)).toEqual({ fromMs: 0, toMs: 1 });
  });
});
