/**
 * Time ranges of the console, pure: named periods ending at the data clock
 * (the newest event time in the database — now on a live system, the end of
 * the data on a seeded one), and the bucket size of an activity chart.
 */

/** The periods a queue can be asked for. */
export const PERIODS = ['24h', '7d', '30d', 'all'] as const;
/** A named period. */
export type Period = (typeof PERIODS)[number];

const SPAN: Record<Exclude<Period, 'all'>, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** [fromMs, toMs) of `period` ending at `until` (inclusive of events at `until`). */
export function periodRange(period: Period, until: number): { fromMs: number; toMs: number } {
  const toMs = until + 1;
  return { fromMs: period === 'all' ? 0 : Math.max(0, toMs - SPAN[period]), toMs };
}

/** Bucket seconds for a chart over `spanMs`: minutes up to 6 h, hours up to 60 days, days beyond. */
export function bucketFor(spanMs: number): number {
  if (spanMs <= 6 * 3_600_000) return 60;
  if (spanMs <= 60 * 86_400_000) return 3600;
  return 86_400;
}

/** A chart range that is inverted or empty: a 400 (the console's error handler sends the message). */
export class ChartRangeError extends Error {
  readonly statusCode = 400;
  readonly code = 'bad_request';
}

/**
 * The chart range of a number: explicit bounds, or its activity up to 7 days
 * back from its last active minute, an hour of margin either side (the data
 * clock when it has no activity). The range, bounds given or defaulted, must
 * not be inverted or empty: `?to=` before the number's activity (from
 * defaulted) or `?from=` after it (to defaulted) throws a
 * {@link ChartRangeError} naming the defaulted bound, as do from ≥ to.
 */
export function chartRange(
  from: number | undefined,
  to: number | undefined,
  span: { firstSeen: number; lastSeen: number } | null,
  clock: number,
): { fromMs: number; toMs: number } {
  const H = 3_600_000;
  const end = to ?? (span ? Math.ceil((span.lastSeen + 60_000) / H) * H : Math.max(clock, 1));
  const earliest = Math.max(0, end - 7 * 86_400_000);
  const start = from ?? (span ? Math.max(earliest, Math.floor(span.firstSeen / H) * H - H) : earliest);
  if (start >= end) {
    if (from !== undefined && to !== undefined) throw new ChartRangeError('from must be before to');
    if (to !== undefined) {
      throw new ChartRangeError(`from must be before to: to=${to} is not after the default from (${start}, the hour before the number's first activity); give from as well`);
    }
    throw new ChartRangeError(
      `from must be before to: from=${start} is not before the default to (${end}, ${span ? "the hour after the number's last activity" : 'the data clock'}); give to as well`,
    );
  }
  return { fromMs: start, toMs: end };
}
