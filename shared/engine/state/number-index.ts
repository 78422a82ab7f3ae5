import { hashKey } from './hash.ts';

/**
 * Open-addressing hash map from a number key (E.164 digits as a double) to a
 * state slot. Linear probing, deletion by backward shift (no tombstones), so
 * lookups stay short under churn. 12 bytes per bucket at ≤ 0.5 load: a JS
 * `Map` cannot go past 2^24 entries and costs ~5× more per entry.
 */
export class NumberIndex {
  private keys: Float64Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    const cap = nextPow2(Math.max(16, initialCapacity * 2));
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the index's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.slots.byteLength;
  }

  /** The slot of `key`, or -1. Key 0 is reserved (no number is "+0"). */
  get(key: number): number {
    const keys = this.keys;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return this.slots[i];
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  set(key: number, slot: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.slots[i] = slot;
        return;
      }
      if (k === 0) {
        keys[i] = key;
        this.slots[i] = slot;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    for (;;) {
      const k = keys[i];
      if (k === 0) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later entries of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === 0) break;
      const home = hashKey(k) & mask;
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!between) {
        keys[hole] = k;
        this.slots[hole] = this.slots[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i], oldSlots[i]);
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
