import { alignedBytes, u16Of, u32Of } from './aligned.ts';
import { HORIZONS as HORIZONS_, HORIZON_COUNT as HORIZON_COUNT_, METRIC_COUNT as METRIC_COUNT_ } from './metrics.ts';

// Local copies of the layout constants (read on every event).
const METRIC_COUNT = METRIC_COUNT_;
const HORIZON_COUNT = HORIZON_COUNT_;
const HORIZON_MS = HORIZONS_.map((h) => h.ms);

/** Counters of one horizon: cur/prev per metric. */
const PER_HORIZON = METRIC_COUNT * 2;
/**
 * One slot's record, in 16-bit words: the window index of each horizon
 * (2 words each, read through a Uint32Array view), then the counters.
 * Rounded up to whole 64-byte cache lines, so a slot never straddles more
 * lines than it must (2 lines for 13 metrics × 2 horizons).
 */
const HEADER = HORIZON_COUNT * 2;
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
 * the sliding value at time T is `cur + prev × (1 − elapsed fraction of the
 * current window)` — the sliding-window-counter estimate, exact at window
 * boundaries and within a few percent for steady traffic, at 4 bytes per
 * metric and horizon instead of a ring of buckets. Events up to one window
 * late still land in `prev`.
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
   * `t` falls, for the `add` calls that follow.
   */
  touch(slot: number, t: number): void {
    const u16 = this.u16;
    for (let h = 0; h < HORIZON_COUNT; h++) {
      const w = Math.floor(t / HORIZON_MS[h]);
      const wi = slot * STRIDE32 + h;
      const cur = this.u32[wi];
      if (w > cur) {
        const base = slot * STRIDE + HEADER + h * PER_HORIZON;
        const keep = w === cur + 1 && cur !== 0;
        for (let i = base; i < base + PER_HORIZON; i += 2) {
          u16[i + 1] = keep ? u16[i] : 0;
          u16[i] = 0;
        }
        this.u32[wi] = w;
        this.pos[h] = CUR;
      } else if (w === cur) {
        this.pos[h] = CUR;
      } else {
        this.pos[h] = w === cur - 1 ? PREV : TOO_OLD;
      }
    }
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
    const cur = this.u32[slot * STRIDE32 + h];
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    const rest = 1 - (t - w * size) / size;
    if (cur === w) return this.u16[i] + this.u16[i + 1] * rest;
    if (cur === w - 1) return this.u16[i] * rest;
    if (cur === w + 1) return this.u16[i + 1];
    return 0;
  }

  /**
   * As `value`, but the previous window weighs `share.previous(t)` (0–1, asked only when that window holds a count)
   * instead of the share of the horizon still within it: for a metric whose events can
   * only fall in known hours of the window (quiet hours, local-time.ts
   * `QuietShare`), where spreading them over the whole window misplaces them.
   */
  valueWith(slot: number, h: number, m: number, t: number, share: { previous(t: number): number }): number {
    const w = Math.floor(t / HORIZON_MS[h]);
    const cur = this.u32[slot * STRIDE32 + h];
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (cur === w) {
      const prev = this.u16[i + 1];
      return prev === 0 ? this.u16[i] : this.u16[i] + prev * share.previous(t);
    }
    if (cur === w - 1) return this.u16[i] === 0 ? 0 : this.u16[i] * share.previous(t);
    if (cur === w + 1) return this.u16[i + 1];
    return 0;
  }

  /**
   * Whether a window that `value(slot, h, m, t)` reads has reached
   * `COUNTER_MAX`: the value is then only a lower bound, and a share with it
   * as denominator would read too high (or, as numerator, too low). Each
   * counter saturates on its own, so rules that divide two counts ask this.
   */
  saturated(slot: number, h: number, m: number, t: number): boolean {
    const w = Math.floor(t / HORIZON_MS[h]);
    const cur = this.u32[slot * STRIDE32 + h];
    const i = slot * STRIDE + HEADER + h * PER_HORIZON + m * 2;
    if (cur === w) return this.u16[i] === MAX || this.u16[i + 1] === MAX;
    if (cur === w - 1) return this.u16[i] === MAX;
    if (cur === w + 1) return this.u16[i + 1] === MAX;
    return false;
  }

  /** Count of metric `m` in the current window of horizon `h` at time `t` (for the day's horizon: since midnight UTC). */
  current(slot: number, h: number, m: number, t: number): number {
    const w = Math.floor(t / HORIZON_MS[h]);
    if (this.u32[slot * STRIDE32 + h] !== w) return 0;
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
