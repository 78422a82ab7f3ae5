/**
 * Event-time helpers: Asia/Shanghai local hours (UTC+8, no daylight saving)
 * and daily rhythms, and planning call times for an actor over a period.
 */
import type { Rng } from './prng.ts';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Asia/Shanghai is UTC+8 all year round. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR;

/** Local (Asia/Shanghai) hour of day, 0–23, of an instant in ms. */
export function localHour(t: number): number {
  return Math.floor((((t + SHANGHAI_OFFSET_MS) % DAY) + DAY) % DAY / HOUR);
}

/** Start (ms, UTC) of the local day containing t. */
export function localDayStart(t: number): number {
  return t - ((((t + SHANGHAI_OFFSET_MS) % DAY) + DAY) % DAY);
}

const RHYTHM_TABLE = {
  /** Private life: low at night, peaks mid-morning and early evening. */
  residential: [0.15, 0.06, 0.03, 0.02, 0.02, 0.05, 0.2, 0.5, 1.0, 1.3, 1.4, 1.3, 1.1, 1.0, 1.2, 1.3, 1.3, 1.3, 1.4, 1.5, 1.4, 1.1, 0.7, 0.35],
  /** Office hours with a lunch dip. */
  business: [0, 0, 0, 0, 0, 0, 0, 0, 0.3, 1.0, 1.2, 1.1, 0.4, 0.6, 1.1, 1.2, 1.1, 0.9, 0.3, 0.1, 0, 0, 0, 0],
  /** Delivery rounds, 08:00–20:00. */
  courier: [0, 0, 0, 0, 0, 0, 0, 0, 0.8, 1.2, 1.3, 1.2, 0.9, 0.9, 1.2, 1.3, 1.3, 1.2, 1.0, 0.7, 0.3, 0, 0, 0],
  /** Automatic diallers: flat 09:00–21:00. */
  dialler: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
  /** Lures: 08:00–24:00, more in the evening. */
  lure: [0.1, 0, 0, 0, 0, 0, 0, 0, 0.4, 0.6, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 0.6],
  /** The callee's night, 22:00–08:00. */
  night: [1.2, 1.0, 0.8, 0.6, 0.6, 0.6, 0.8, 1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 1.2],
  /** Evenings, 18:00–22:00. */
  evening: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1.2, 1.2, 0.8, 0, 0],
};

/** Name of a daily rhythm. */
export type RhythmName = keyof typeof RHYTHM_TABLE;
/** Relative call intensity per local hour, 0–23, by rhythm name. */
export const RHYTHMS: Record<RhythmName, readonly number[]> = RHYTHM_TABLE;
export const RHYTHM_NAMES = Object.keys(RHYTHMS) as RhythmName[];

const RHYTHM_SUMS = Object.fromEntries(
  Object.entries(RHYTHMS).map(([k, w]) => [k, w.reduce((a, b) => a + b, 0)]),
) as Record<RhythmName, number>;

/**
 * Start times of calls in [from, to) for an actor averaging `perDay` calls
 * per local day, spread by the rhythm: a Poisson count per local hour slot,
 * uniform within the slot. Sorted ascending, whole milliseconds.
 */
export function planTimes(rng: Rng, from: number, to: number, perDay: number, rhythm: RhythmName): number[] {
  const w = RHYTHMS[rhythm];
  const sum = RHYTHM_SUMS[rhythm];
  const out: number[] = [];
  let slot = from - (((from + SHANGHAI_OFFSET_MS) % HOUR) + HOUR) % HOUR;
  for (; slot < to; slot += HOUR) {
    const a = Math.max(slot, from);
    const b = Math.min(slot + HOUR, to);
    if (b <= a) continue;
    const weight = w[localHour(slot)];
    if (weight === 0) continue;
    const n = rng.poisson((perDay * weight) / sum * ((b - a) / HOUR));
    const first = out.length;
    for (let i = 0; i < n; i++) out.push(Math.floor(rng.uniform(a, b)));
    if (n > 1) sortTail(out, first);
  }
  return out;
}

/** The first instant at or after t whose local hour has a non-zero weight in the rhythm. */
export function nextActive(t: number, rhythm: RhythmName): number {
  const w = RHYTHMS[rhythm];
  for (let i = 0; i < 25; i++) {
    if (w[localHour(t)] > 0) return t;
    t = t - (((t + SHANGHAI_OFFSET_MS) % HOUR) + HOUR) % HOUR + HOUR;
  }
  return t;
}

function sortTail(xs: number[], from: number): void {
  const tail = xs.slice(from).sort((x, y) => x - y);
  for (let i = 0; i < tail.length; i++) xs[from + i] = tail[i];
}

/** Calls per day of an actor that makes `perHour` calls in each hour of the rhythm's peak. */
export function perHourToPerDay(perHour: number, rhythm: RhythmName): number {
  const w = RHYTHMS[rhythm];
  return (perHour * RHYTHM_SUMS[rhythm]) / Math.max(...w);
}
