import { describe, expect, it } from 'vitest';
import { rng } from '../testing/calls.ts';
import { hashKey } from './hash.ts';
import { NumberIndex } from './number-index.ts';

/** Keys like real E.164 numbers: +86 mobiles. */
const mobileKey = (n: number) => 8613000000000 + n;

/** `count` keys whose home bucket in a table of `buckets` is `home`. */
function colliding(count: number, buckets: number, home: number): number[] {
  const out: number[] = [];
  for (let n = 1; out.length < count; n++) if ((hashKey(mobileKey(n)) & (buckets - 1)) === home) out.push(mobileKey(n));
  return out;
}

describe('NumberIndex', () => {
  it('sets, gets and deletes', () => {
    const ix = new NumberIndex(16);
    expect(ix.get(mobileKey(1))).toBe(-1);
    ix.set(mobileKey(1), 7);
    ix.set(mobileKey(2), 0);
    expect(ix.get(mobileKey(1))).toBe(7);
    expect(ix.get(mobileKey(2))).toBe(0);
    expect(ix.size).toBe(2);
    expect(ix.delete(mobileKey(1))).toBe(true);
    expect(ix.delete(mobileKey(1))).toBe(false);
    expect(ix.get(mobileKey(1))).toBe(-1);
    expect(ix.size).toBe(1);
  });

  it('overwrites the slot of a key already present without growing', () => {
    const ix = new NumberIndex(16);
    ix.set(mobileKey(1), 1);
    ix.set(mobileKey(1), 2);
    expect(ix.get(mobileKey(1))).toBe(2);
    expect(ix.size).toBe(1);
  });

  it('keeps the rest of a probe run reachable after deleting its head (backward shift)', () => {
    // NumberIndex(16) has 32 buckets; these five keys all start at bucket 5.
    const keys = colliding(5, 32, 5);
    const ix = new NumberIndex(16);
    keys.forEach((k, i) => ix.set(k, i));
    ix.delete(keys[0]);
    ix.delete(keys[2]);
    expect(ix.get(keys[0])).toBe(-1);
    expect(ix.get(keys[1])).toBe(1);
    expect(ix.get(keys[2])).toBe(-1);
    expect(ix.get(keys[3])).toBe(3);
    expect(ix.get(keys[4])).toBe(4);
    expect(ix.size).toBe(3);
  });

  it('handles probe runs that wrap around the end of the table', () => {
    const keys = colliding(4, 32, 31);
    const others = colliding(2, 32, 0);
    const ix = new NumberIndex(16);
    keys.forEach((k, i) => ix.set(k, i));
    others.forEach((k, i) => ix.set(k, 10 + i));
    ix.delete(keys[1]);
    expect(keys.map((k) => ix.get(k))).toEqual([0, -1, 2, 3]);
    expect(others.map((k) => ix.get(k))).toEqual([10, 11]);
    ix.delete(keys[0]);
    expect(keys.map((k) => ix.get(k))).toEqual([-1, -1, 2, 3]);
    expect(others.map((k) => ix.get(k))).toEqual([10, 11]);
  });

  it('grows from a tiny table and keeps every entry', () => {
    const ix = new NumberIndex(1);
    const before = ix.bytes;
    for (let n = 0; n < 100_000; n++) ix.set(mobileKey(n * 13), n);
    expect(ix.size).toBe(100_000);
    expect(ix.bytes).toBeGreaterThan(before);
    for (let n = 0; n < 100_000; n++) if (ix.get(mobileKey(n * 13)) !== n) throw new Error(`lost key ${n}`);
    expect(ix.get(mobileKey(1))).toBe(-1);
  });

  it('behaves like a Map under random sets, gets and deletes with heavy churn', () => {
    const random = rng(42);
    const ix = new NumberIndex(16);
    const ref = new Map<number, number>();
    // A small universe of keys makes collisions, re-insertions and deletions of neighbours frequent.
    for (let op = 0; op < 200_000; op++) {
      const key = mobileKey(Math.floor(random() * 3000) * 7919);
      const r = random();
      if (r < 0.45) {
        const slot = Math.floor(random() * 1e6);
        ix.set(key, slot);
        ref.set(key, slot);
      } else if (r < 0.8) {
        expect(ix.delete(key)).toBe(ref.delete(key));
      } else if (ix.get(key) !== (ref.get(key) ?? -1)) {
        throw new Error(`op ${op}: get(${key}) = ${ix.get(key)}, expected ${ref.get(key) ?? -1}`);
      }
    }
    expect(ix.size).toBe(ref.size);
    for (const [k, v] of ref) expect(ix.get(k)).toBe(v);
  });

  it('accepts international numbers up to 15 digits as keys', () => {
    const ix = new NumberIndex(16);
    ix.set(999999999999999, 1);
    ix.set(100000000000000, 2);
    ix.set(14155552671, 3);
    expect([999999999999999, 100000000000000, 14155552671].map((k) => ix.get(k))).toEqual([1, 2, 3]);
  });
});
