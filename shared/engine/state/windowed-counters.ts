import { HORIZONS, HORIZON_COUNT, METRIC_COUNT } from './metrics.ts';

const STRIDE = METRIC_COUNT * HORIZON_COUNT * 2;
const MAX = 0xffff;
/** Where an event falls relative to a slot's windows, per horizon. */
const CUR = 0;
const PREV = 1;
const TOO_OLD = 2;

/**
 * Sliding-window counters for every slot, metric and horizon, in one
 * Uint16Array (saturating). Each horizon keeps two epoch-aligned tumbling
 * windows (current and previous); the sliding value at time T is
 * `cur + prev × (1 − elapsed fraction of the current window)` — the
 * sliding-window-counter estimate, exact at window boundaries and within a
 * few percent for steady traffic, at 4 bytes per metric and horizon instead
 * of a ring of buckets. Events up to one window late still land in `prev`.
 */
export class WindowedCounters {
  private counts: Uint16Array;
  /** Index of each slot's current window, per horizon (window number since epoch). */
  private windowIdx: Uint32Array;
  private readonly pos = new Uint8Array(HORIZON_COUNT);

  constructor(capacity: number) {
    this.counts = new Uint16Array(capacity * STRIDE);
    this.windowIdx = new Uint32Array(capacity * HORIZON_COUNT);
  }

  static bytesPerSlot(): number {
    return STRIDE * 2 + HORIZON_COUNT * 4;
  }

  resize(capacity: number): void {
    const c = new Uint16Array(capacity * STRIDE);
    c.set(this.counts.subarray(0, Math.min(this.counts.length, c.length)));
    this.counts = c;
    const w = new Uint32Array(capacity * HORIZON_COUNT);
    w.set(this.windowIdx.subarray(0, Math.min(this.windowIdx.length, w.length)));
    this.windowIdx = w;
  }

  clear(slot: number): void {
    this.counts.fill(0, slot * STRIDE, (slot + 1) * STRIDE);
    this.windowIdx.fill(0, slot * HORIZON_COUNT, (slot + 1) * HORIZON_COUNT);
  }

  /**
   * Rolls the slot's windows forward to event time `t` and remembers where
   * `t` falls, for the `add` calls that follow.
   */
  touch(slot: number, t: number): void {
    for (let h = 0; h < HORIZON_COUNT; h++) {
      const w = Math.floor(t / HORIZONS[h].ms);
      const wi = slot * HORIZON_COUNT + h;
      const cur = this.windowIdx[wi];
      if (w > cur) {
        const base = slot * STRIDE + h * METRIC_COUNT * 2;
        const keep = w === cur + 1 && cur !== 0;
        for (let m = 0; m < METRIC_COUNT; m++) {
          const i = base + m * 2;
          this.counts[i + 1] = keep ? this.counts[i] : 0;
          this.counts[i] = 0;
        }
        this.windowIdx[wi] = w;
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
    for (let h = 0; h < HORIZON_COUNT; h++) {
      const p = this.pos[h];
      if (p === TOO_OLD) continue;
      const i = slot * STRIDE + h * METRIC_COUNT * 2 + m * 2 + p;
      const v = this.counts[i] + n;
      this.counts[i] = v > MAX ? MAX : v;
    }
  }

  /** Adds `n` to metric `m` in horizon `h` only. */
  addIn(slot: number, h: number, m: number, n = 1): void {
    const p = this.pos[h];
    if (p === TOO_OLD) return;
    const i = slot * STRIDE + h * METRIC_COUNT * 2 + m * 2 + p;
    const v = this.counts[i] + n;
    this.counts[i] = v > MAX ? MAX : v;
  }

  /** Sliding estimate of metric `m` over horizon `h` ending at time `t`. */
  value(slot: number, h: number, m: number, t: number): number {
    const size = HORIZONS[h].ms;
    const w = Math.floor(t / size);
    const cur = this.windowIdx[slot * HORIZON_COUNT + h];
    const i = slot * STRIDE + h * METRIC_COUNT * 2 + m * 2;
    const rest = 1 - (t - w * size) / size;
    if (cur === w) return this.counts[i] + this.counts[i + 1] * rest;
    if (cur === w - 1) return this.counts[i] * rest;
    return 0;
  }

  /** The raw arrays, for snapshots. */
  arrays(): { counts: Uint16Array; windowIdx: Uint32Array } {
    return { counts: this.counts, windowIdx: this.windowIdx };
  }
}
