import { describe, expect, it } from 'vitest';
import { bucketFor, chartRange, periodRange } from './period.ts';

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
});
