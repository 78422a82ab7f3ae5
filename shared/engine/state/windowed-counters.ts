import { alignedBytes, u16Of, u32Of } from './aligned.ts';
import { HORIZONS as HORIZONS_, HORIZON_COUNT as HORIZON_COUNT_, METRIC_COUNT as METRIC_COUNT_, M } from './metrics.ts';

// Local copies of the layout constants (read on every event).
const METRIC_COUNT = METRIC_COUNT_;
const HORIZON_COUNT = HORIZON_COUNT_;
const HORIZON_MS = HORIZONS_.map((h) => h.ms);

/** Counters of one horizon: cur/prev per metric. */
const PER_HORIZON = METRIC_COUNT * 2;
const HOUR_MS = HORIZON_MS[0];
const DAY_MS = HORIZON_MS[1];
/** Hour windows in a day window: the day's index is the hour's divided by this. */
const HOURS_A_DAY = DAY_MS / HOUR_MS;
if (HORIZON_COUNT !== 2 || !Number.isInteger(HOURS_A_DAY)) throw new Error('windowed counters: horizons must be an hour and a whole number of hours');
/**
 * One slot's record, in 16-bit words: a 4-word header, then the counters.
 * The header holds the hour window's index (words 0–1, read through a
 * Uint32Array view) and the day windows' spans (words 2 and 3, current and
 * previous). The day window's index is not stored: both windows move
 * forward together at every `touch`, so it is always the hour's ÷ 24.
 * Rounded up to whole 64-byte cache lines, so a slot never straddles more
 * lines than it must (2 lines for 15 metrics × 2 horizons).
 */
const HEADER = 4;
/** Header words: the span of the slot's events in its current and in its previous day window. */
const SPAN_CUR = 2;
const SPAN_PREV = 3;
/**
 * A span is `first << 8 | last`, the 6-minute units (1–240) of the day
 * window holding the window's first and last event; 0: no event.
 */
const SPAN_UNIT_MS = DAY_MS / 240;
/** The whole day window: read so, a window's count is spread over the day (the plain sliding estimate). */
export const FULL_SPAN = (1 << 8) | 240;
/**
 * The metrics whose day count is read over the span (bit per metric): those
 * counting events, each at its own time. Not those counting people once
 * (new callees and strangers, a stranger's first engagement or callback): a
 * customer counted new yesterday at 17:00 and rung again at 10:00 today is
 * one of today's last 24 h, but its count stays in yesterday's window, so
 * the span would drop it at 17:00 (a consented centre ringing the same
 * customers daily read 89 distinct callees of 436 at 19:00). Those keep the
 * even spread, whose overcount there stands in for the re-contacts.
 */
const SPAN_METRICS = [M.CALLS, M.ANSWERED, M.REJECTED, M.STRANGER_CALLS, M.SHORT_TALK, M.RING_ONCE, M.NO_CONSENT, M.REJECTION_REPEATS].reduce<number>((bits, m) => bits | (1 << m), 0);
const STRIDE = Math.ceil((HEADER + HORIZON_COUNT * PER_HORIZON) / 32) * 32;
const STRIDE32 = STRIDE / 2;
/**
 * The ceiling of every counter (Uint16): each window's count stops here on its
 * own. A count that has reached it is only a lower bound, so a share of it
 * (one count divided by another) is unknown: see `saturated`.
 */
export const COUNTER_MAX = 0xffff;
const MAX = COUNTER_MAX;
/** Where an event falls relative to a slot's windows, per horizon. */
const CUR = 0;
const PREV = 1;
const TOO_OLD = 2;

/**
 * Sliding-window counters for every slot, metric and horizon, one record
 * per slot in one buffer (Uint16, each saturating at `COUNTER_MAX`): a slot's counters share a few
 * cache lines, which is what bounds speed with millions of numbers. Each
 * horizon keeps two epoch-aligned tumbling windows (current and previous);
 * the sliding value at time T is `cur + prev × (share of the previous
 * window's events still within one window of T)` — the sliding-window-counter
 * estimate, exact at window boundaries, at 4 bytes per metric and horizon
 * instead of a ring of buckets. Events up to one window late still land in
 * `prev`.
 *
 * For the hour the share is the elapsed fraction's complement, as if the
 * previous hour's events were spread evenly over it. Not for the day: its
 * windows start at midnight UTC (08:00 in Shanghai), and a number working
 * 09:00–17:00 made all of yesterday's calls in the window's first hours, so
 * at 17:00 none of them is within 24 h, where an even spread still counts
 * 62 % of them (a steady r a day read 1.6 r; an evening caller read low).
 * So each slot keeps the span of its events in each day window (first and
 * last 6-minute unit), and the previous window's count of events (calls,
 * answers, rejections, ring-once, …: `SPAN_METRICS`) is taken as spread over
 * its span instead. Counts of people counted once keep the even spread.
 */
export class WindowedCounters {
  private u16: Uint16Array;
  private u32: Uint32Array;
  private readonly pos = new Uint8Array(HORIZON_COUNT);

  constructor(capacity: number) {
    const u8 = alignedBytes(capacity * STRIDE * 2);
    this.u16 = u16Of(u8);
    this.u32 = u32Of(u8);
  }

  /** Makes a fresh aligned table of `bytes` the state, with `init` copied to its start. */
  private adopt(bytes: number, init: Uint16Array): void {
    const u8 = alignedBytes(bytes);
    const next = u16Of(u8);
    next.set(init.subarray(0, Math.min(init.length, next.length)));
    this.u16 = next;
    this.u32 = u32Of(u8);
  }

  static bytesPerSlot(): number {
    return STRIDE * 2;
  }

  resize(capacity: number): void {
    this.adopt(capacity * STRIDE * 2, this.u16);
  }

  /** Prefetch: reads both cache lines of the slot's counters. Changes nothing. */
  warm(slot: number): number {
    return this.u16[slot * STRIDE] + this.u16[slot * STRIDE + STRIDE / 2];
  }

  clear(slot: number): void {
    this.u16.fill(0, slot * STRIDE, (slot + 1) * STRIDE);
  }

  /**
   * Rolls the slot's windows forward to event time `t` and remembers where
   * `t` falls, for the `add` calls that follow. `span`: whether `t` widens
   * the day window's span of events; false for an event that adds only to
   * counts of people (a callback), which are not read over the span and
   * must not stretch it (a customer's evening callback would spread an
   * office-hours caller's day over the evening).
   */
  touch(slot: number, t: number, span = true): void {
    const u16 = this.u16;
    const s = slot * STRIDE;
    const hour = this.u32[slot * STRIDE32];
    const wh = Math.floor(t / HOUR_MS);
    const wd = (wh / HOURS_A_DAY) | 0;
    const unit = (((t - wd * DAY_MS) / SPAN_UNIT_MS) | 0) + 1;
    if (wh === hour) {
      // Most events: the slot's current hour, so its current day too.
      this.pos[0] = CUR;
      this.pos[1] = CUR;
      const cur = u16[s + SPAN_CUR];
      if (span && (cur & 0xff) !== unit) u16[s + SPAN_CUR] = widen(cur, unit);
      return;
    }
    // The hour's window (its index is stored: 0 for a slot never touched).
    if (wh > hour) {
      this.roll(s + HEADER, wh === hour + 1 && hour !== 0);
      this.u32[slot * STRIDE32] = wh;
      this.pos[0] = CUR;
    } else {
      this.pos[0] = wh === hour - 1 ? PREV : TOO_OLD;
    }
    // The day's window, and the span of its events. Its index is the hour's ÷ 24 (as it was before the hour moved).
    const day = (hour / HOURS_A_DAY) | 0;
    if (wd > day) {
      const keep = wd === day + 1 && hour !== 0;
      this.roll(s + HEADER + PER_HORIZON, keep);
      u16[s + SPAN_PREV] = keep ? u16[s + SPAN_CUR] : 0;
      u16[s + SPAN_CUR] = span ? (unit << 8) | unit : 0;
      this.pos[1] = CUR;
    } else if (wd === day) {
      if (span) u16[s + SPAN_CUR] = widen(u16[s + SPAN_CUR], unit);
      this.pos[1] = CUR;
    } else if (wd === day - 1) {
      if (span) u16[s + SPAN_PREV] = widen(u16[s + SPAN_PREV], unit);
      this.pos[1] = PREV;
    } else {
      this.pos[1] = TOO_OLD;
    }
  }

  /** Moves one horizon's counts (from word `base`) a window on: current to previous (or nothing, when not `keep`), current emptied. */
  private roll(base: number, keep: boolean): void {
    const u16 = this.u16;
    for (let i = base; i < base + PER_HORIZON; i += 2) {
      u16[i + 1] = keep ? u16[i] : 0;
      u16[i] = 0;
    }
  }

  /** The index of horizon `h`'s current window of `slot` (0: never touched). */
  private windowOf(slot: number, h: number): number {
    const hour = this.u32[slot * STRIDE32];
    return h === 0 ? hour : (hour / HOURS_A_DAY) | 0;
  }

  /**
   * The share of the previous day window's events still within 24 h of a time
   * `into` ms into the window after it, read over their span (the u16 at
   * index `word`: a record's SPAN_CUR or SPAN_PREV) rather than the whole day.
   */
  private spanRest(word: number, into: number): number {
    const span = this.u16[word];
    if (span === 0) return 1 - into / DAY_MS;
    const from = ((span >> 8) - 1) * SPAN_UNIT_MS;
    const to = (span & 0xff) * SPAN_UNIT_MS;
    return into <= from ? 1 : into >= to ? 0 : (to - into) / (to - from);
  }

  /** Adds `n` to metric `m` of `slot` in every horizon, where the last `touch` put it. */
  add(slot: number, m: number, n = 1): void {
    for (let h = 0; h < HORIZON_COUNT; h++) this.addIn(slot, h, m, n);
  }

  /** Adds `n` to metric `m` in horizon `h` only. */
  addIn(slot: number, h: number, m: number, n = 1): void {
    const p = this.pos[h];
    if (p === TOO_OLD) return;
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2 + p;
    const v = this.u16[i] + n;
    this.u16[i] = v > MAX ? MAX : v;
  }

  /**
   * Sliding estimate of metric `m` over horizon `h` ending at time `t`. A `t`
   * one window behind the current (an event delivered late across an edge)
   * reads the previous window, whose own predecessor is gone: a slight
   * underestimate, where reading nothing would judge the event on nothing.
   */
  value(slot: number, h: number, m: number, t: number): number {
    const size = HORIZON_MS[h];
    const w = Math.floor(t / size);
    const cur = this.windowOf(slot, h);
    const s = slot * STRIDE;
    const i = s + HEADER + h * PER_HORIZON + m * 2;
    // Whose share of the previous window is still within it: the even spread, or for the day's event counts the span.
    const spread = h === 0 || ((SPAN_METRICS >> m) & 1) === 0;
    if (cur === w) {
      const prev = this.u16[i + 1];
      if (prev === 0) return this.u16[i];
      const into = t - w * size;
      return this.u16[i] + prev * (spread ? 1 - into / size : this.spanRest(s + SPAN_PREV, into));
    }
    if (cur === w - 1) {
      const n = this.u16[i];
      if (n === 0) return 0;
      const into = t - w * size;
      return n * (spread ? 1 - into / size : this.spanRest(s + SPAN_CUR, into));
    }
    if (cur === w + 1) return this.u16[i + 1];
    return 0;
  }

  /**
   * Whether `value(slot, h, m, t)` is at least `min`. For the engine's gates, asked of every call: a boolean comes
   * back as it is, where the fractional estimate `value` returns, when the call is not inlined, is boxed in a heap
   * number (a young-generation allocation each, several a call).
   */
  atLeast(slot: number, h: number, m: number, t: number, min: number): boolean {
    // The estimate is at most the two windows' counts added (the older window weighs a share in [0, 1], and a window
    // no longer read counts nothing), so a pair of counts short of `min` answers without the estimate: most calls'
    // gates, whose counts are small. The same answer as `value(…) >= min` either way; speed only.
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (this.u16[i] + this.u16[i + 1] < min) return false;
    return this.value(slot, h, m, t) >= min;
  }

  /**
   * As `value`, but the previous window weighs `share.previous(t)` (0–1, asked only when that window holds a count)
   * instead of the share of the horizon still within it: for a metric whose events can
   * only fall in known hours of the window (quiet hours, local-time.ts
   * `QuietShare`), where spreading them over the whole window misplaces them.
   */
  valueWith(slot: number, h: number, m: number, t: number, share: { previous(t: number): number }): number {
    const w = Math.floor(t / HORIZON_MS[h]);
    const cur = this.windowOf(slot, h);
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (cur === w) {
      const prev = this.u16[i + 1];
      return prev === 0 ? this.u16[i] : this.u16[i] + prev * share.previous(t);
    }
    if (cur === w - 1) return this.u16[i] === 0 ? 0 : this.u16[i] * share.previous(t);
    if (cur === w + 1) return this.u16[i + 1];
    return 0;
  }

  /** Whether `valueWith(slot, h, m, t, share)` is at least `min`, with `atLeast`'s shortcut on the counts (the share is 0–1). */
  atLeastWith(slot: number, h: number, m: number, t: number, share: { previous(t: number): number }, min: number): boolean {
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (this.u16[i] + this.u16[i + 1] < min) return false;
    return this.valueWith(slot, h, m, t, share) >= min;
  }

  /**
   * Whether a window that `value(slot, h, m, t)` reads has reached
   * `COUNTER_MAX`: the value is then only a lower bound, and a share with it
   * as denominator would read too high (or, as numerator, too low). Each
   * counter saturates on its own, so rules that divide two counts ask this.
   */
  saturated(slot: number, h: number, m: number, t: number): boolean {
    const w = Math.floor(t / HORIZON_MS[h]);
    const cur = this.windowOf(slot, h);
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (cur === w) return this.u16[i] === MAX || this.u16[i + 1] === MAX;
    if (cur === w - 1) return this.u16[i] === MAX;
    if (cur === w + 1) return this.u16[i + 1] === MAX;
    return false;
  }

  /** Count of metric `m` in the current window of horizon `h` at time `t` (for the day's horizon: since midnight UTC). */
  current(slot: number, h: number, m: number, t: number): number {
    const w = Math.floor(t / HORIZON_MS[h]);
    if (this.windowOf(slot, h) !== w) return 0;
    return this.u16[slot * STRIDE + HEADER + h * PER_HORIZON + m * 2];
  }

  /** Replaces the state with a copy made by `buffer().slice()`. */
  load(counts: Uint16Array): void {
    this.adopt(counts.byteLength, counts);
  }

  /** The raw buffer (for snapshots). */
  buffer(): Uint16Array {
    return this.u16;
  }
}

/** `span` widened to hold 6-minute unit `unit` (a span of that unit alone when empty). */
function widen(span: number, unit: number): number {
  if (span === 0) return (unit << 8) | unit;
  const first = span >> 8;
  const last = span & 0xff;
  return unit < first ? (unit << 8) | last : unit > last ? (first << 8) | unit : span;
}

/**
 * Sets both day spans of every record of a counters buffer (`buffer().slice()`)
 * to the whole day: for a snapshot written before spans were kept, whose
 * words 2–3 held the day window's index. Its windows are then read as
 * before, spread over the day, until they roll out.
 */
export function spreadDaySpans(counts: Uint16Array): void {
  for (let r = 0; r + STRIDE <= counts.length; r += STRIDE) {
    counts[r + SPAN_CUR] = FULL_SPAN;
    counts[r + SPAN_PREV] = FULL_SPAN;
  }
}

/**
 * Zeroes metric `m` of horizon `h` in every record of a counters buffer
 * (`buffer().slice()`), windows current and previous: for a snapshot
 * written when that cell held another count.
 */
export function clearCell(counts: Uint16Array, h: number, m: number): void {
  const at = HEADER + h * PER_HORIZON + m * 2;
  for (let r = 0; r + STRIDE <= counts.length; r += STRIDE) {
    counts[r + at] = 0;
    counts[r + at + 1] = 0;
  }
}
