import { alignedBytes, f64Of } from './aligned.ts';
import { hashKey } from './hash.ts';

/**
 * Open-addressing hash map from a number key (E.164 digits as a double,
 * never 0) to a state slot. Key and slot sit side by side in one
 * Float64Array (one cache line per probe); linear probing, deletion by
 * backward shift (no tombstones), so lookups stay short under churn; grows
 * at three-quarters load. 16 bytes per bucket: a JS `Map` cannot go past 2^24 entries
 * and costs several times more per entry.
 */
export class NumberIndex {
  private table: Float64Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    const cap = nextPow2(Math.max(16, initialCapacity * 2));
    this.table = f64Of(alignedBytes(cap * 2 * 8));
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the index. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /**
   * Prefetch: reads the first bucket each of `keys[0..n)` would probe, in one
   * tight loop so that their cache misses overlap (engine `prefetchCalls`).
   * Changes nothing; the sum only keeps the reads from being dropped.
   */
  warm(keys: Float64Array, n: number): number {
    const t = this.table;
    const mask = this.mask;
    let acc = 0;
    for (let q = 0; q < n; q++) acc += t[(hashKey(keys[q]) & mask) * 2];
    return acc;
  }

  /** `get` of each of `keys[0..n)` into `slots`. */
  getAll(keys: Float64Array, n: number, slots: Int32Array): void {
    for (let q = 0; q < n; q++) slots[q] = this.get(keys[q]);
  }

  /** The slot of `key`, or -1. */
  get(key: number): number {
    const t = this.table;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = t[i * 2];
      if (k === key) return t[i * 2 + 1];
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  set(key: number, slot: number): void {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const t = this.table;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = t[i * 2];
      if (k === key) {
        t[i * 2 + 1] = slot;
        return;
      }
      if (k === 0) {
        t[i * 2] = key;
        t[i * 2 + 1] = slot;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const t = this.table;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    for (;;) {
      const k = t[i * 2];
      if (k === 0) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later entries of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = t[j * 2];
      if (k === 0) break;
      const home = hashKey(k) & mask;
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!between) {
        t[hole * 2] = k;
        t[hole * 2 + 1] = t[j * 2 + 1];
        hole = j;
      }
    }
    t[hole * 2] = 0;
    t[hole * 2 + 1] = 0;
    this.count--;
    return true;
  }

  /** Copy of the state, for snapshots. */
  exportState(): { table: Float64Array; count: number } {
    return { table: this.table.slice(), count: this.count };
  }

  importState(s: { table: Float64Array; count: number }): void {
    this.table = f64Of(alignedBytes(s.table.byteLength));
    this.table.set(s.table);
    this.mask = s.table.length / 2 - 1;
    this.count = s.count;
  }

  private grow(): void {
    const old = this.table;
    this.table = f64Of(alignedBytes(old.length * 2 * 8));
    this.mask = old.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.set(old[i], old[i + 1]);
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
