import { describe, expect, it } from 'vitest';
import { hashKey } from './hash.ts';
import { PAIR8, PAIR16, PAIR32, PairCache, pairTag } from './pair-cache.ts';

const A = 8613800000001;
const callee = (n: number) => 8613900000000 + n;

describe('PairCache', () => {
  it('rounds its capacity up to whole sets of 8', () => {
    expect(new PairCache(8).capacity).toBe(8);
    expect(new PairCache(1000).capacity).toBe(1024);
  });

  it('finds nothing before a pair is created', () => {
    expect(new PairCache(1024).find(A, callee(1))).toBe(-1);
  });

  it('creates a pair once, with every field zero, and finds it again', () => {
    const pc = new PairCache(1024);
    const i = pc.getOrCreate(A, callee(1), 100);
    expect(pc.created).toBe(true);
    expect([pc.caller(i), pc.callee(i), pc.lastSeen(i)]).toEqual([A, callee(1), 100]);
    expect([pc.get16(i, PAIR16.bombGap), pc.get16(i, PAIR16.afterReject), pc.get8(i, PAIR8.bombCur), pc.get8(i, PAIR8.bombPrev)]).toEqual([0, 0, 0, 0]);
    expect([pc.get32(i, PAIR32.rejectedAt), pc.get32(i, PAIR32.bombStart), pc.get8(i, PAIR8.talks), pc.get8(i, PAIR8.flags)]).toEqual([0, 0, 0, 0]);
    pc.set16(i, PAIR16.bombGap, 3);
    expect(pc.getOrCreate(A, callee(1), 200)).toBe(i);
    expect(pc.created).toBe(false);
    expect(pc.find(A, callee(1))).toBe(i);
    expect(pc.get16(i, PAIR16.bombGap)).toBe(3);
  });

  it('is directed: a→b and b→a are different pairs', () => {
    const pc = new PairCache(1024);
    const ab = pc.getOrCreate(A, callee(1), 1);
    expect(pc.find(callee(1), A)).toBe(-1);
    const ba = pc.getOrCreate(callee(1), A, 1);
    expect(ba).not.toBe(ab);
  });

  it('evicts the least recently seen pair of a full set, and only it', () => {
    const pc = new PairCache(8); // one set of 8 ways
    const idx = Array.from({ length: 8 }, (_, n) => pc.getOrCreate(A, callee(n), 100 + n));
    // Pair 0 is seen again later; pair 1 is now the stalest.
    pc.setLastSeen(idx[0], 500);
    pc.set16(idx[1], PAIR16.bombGap, 9);
    const fresh = pc.getOrCreate(A, callee(99), 600);
    expect(pc.created).toBe(true);
    expect(pc.evictions).toBe(1);
    expect(fresh).toBe(idx[1]);
    expect(pc.find(A, callee(1))).toBe(-1);
    expect(pc.find(A, callee(0))).toBe(idx[0]);
    for (let n = 2; n < 8; n++) expect(pc.find(A, callee(n))).toBe(idx[n]);
    // The reused entry starts from zero.
    expect(pc.get16(fresh, PAIR16.bombGap)).toBe(0);
    expect(pc.lastSeen(fresh)).toBe(600);
  });

  it('fills empty ways before evicting anything', () => {
    const pc = new PairCache(8);
    for (let n = 0; n < 8; n++) pc.getOrCreate(A, callee(n), 1000 - n);
    expect(pc.evictions).toBe(0);
    for (let n = 0; n < 8; n++) expect(pc.find(A, callee(n))).toBeGreaterThanOrEqual(0);
  });

  it('wouldHold: a pair not held could still be held while its set has never given one up', () => {
    const pc = new PairCache(8); // one set of 8 ways: every pair maps to it
    for (let n = 0; n < 8; n++) pc.getOrCreate(A, callee(n), 100 + n);
    // Full but nothing given up: a pair missing now was never created.
    expect(pc.wouldHold(A, callee(99))).toBe(true);
    pc.getOrCreate(A, callee(8), 108);
    expect(pc.evictions).toBe(1);
    expect(pc.wouldHold(A, callee(0))).toBe(false);
    expect(pc.wouldHold(A, callee(99))).toBe(false);
  });

  it('wouldHold: a split passes the mark on (its ways empty again), and a restore from a cache that gave pairs up marks every set', () => {
    // Callees whose pair with A has address bits (the tag's, above bit 0) ending in the 8 bits r: at 4 sets their pair
    // lives in set r % 4, and after splits in a set split from it.
    const inSetLine = (r: number, from: number, count: number): number[] => {
      const out: number[] = [];
      for (let n = from; out.length < count; n++) if (((pairTag(hashKey(A), hashKey(callee(n))) >>> 1) & 0xff) === r) out.push(n);
      return out;
    };
    const pc = new PairCache(1 << 10, 32); // 4 sets to start, growing by splits while a quarter full
    const zero = inSetLine(0, 0, 9); // low 8 address bits all 0: set 0 through every split of this test
    for (let i = 0; i < 9; i++) pc.getOrCreate(A, callee(zero[i]), 100 + i); // the ninth gives the first up
    expect(pc.evictions).toBe(1);
    expect(pc.find(A, callee(zero[0]))).toBe(-1);
    // Growth: sets split, set 0's ways empty (a few more of its pairs are given up before its turn comes).
    for (let n = 0; n < 120; n++) pc.getOrCreate(8613700000000 + n, callee(n), 200);
    expect(pc.capacity).toBeGreaterThanOrEqual(64);
    expect(pc.wouldHold(A, callee(zero[0]))).toBe(false);
    // Set 0 had split into 0 and 4 before it gave a pair up (at the ninth call, before its eviction): set 4's line is
    // not marked. Its later splits (into 8, 16, ...) are: a pair whose address ends in the bits 8 lives in set 8 now.
    // Set 1's line never gave one up.
    const [four] = inSetLine(4, 0, 1);
    const [eight] = inSetLine(8, 0, 1);
    const [one] = inSetLine(1, 0, 1);
    expect(pc.wouldHold(A, callee(four))).toBe(true);
    expect(pc.wouldHold(A, callee(eight))).toBe(false);
    expect(pc.wouldHold(A, callee(one))).toBe(true);
    // Restored: the marks are not in the snapshot, so a cache that gave pairs up marks every set.
    const copy = new PairCache(1 << 14, 32);
    copy.importState(pc.exportState());
    expect(copy.wouldHold(A, callee(one))).toBe(false);
    const fresh = new PairCache(1 << 10, 32);
    fresh.getOrCreate(A, callee(1), 1);
    const copy2 = new PairCache(1 << 14, 32);
    copy2.importState(fresh.exportState());
    expect(copy2.wouldHold(A, callee(one))).toBe(true);
  });

  it('holds about its capacity: half as many pairs as entries all stay (every set is used)', () => {
    const pc = new PairCache(1 << 12);
    const n = pc.capacity / 2;
    for (let k = 0; k < n; k++) pc.getOrCreate(A + (k % 97), callee(k), 1000 + k);
    let found = 0;
    for (let k = 0; k < n; k++) if (pc.find(A + (k % 97), callee(k)) >= 0) found++;
    // 2048 pairs over 512 sets of 8: only the few sets with more than 8 lose any.
    expect(found / n).toBeGreaterThan(0.98);
  });

  it('keeps the recently seen pairs under heavy churn', () => {
    const pc = new PairCache(1 << 12);
    for (let k = 0; k < 100_000; k++) pc.getOrCreate(A + (k % 97), callee(k), k);
    let found = 0;
    for (let k = 100_000 - 1000; k < 100_000; k++) if (pc.find(A + (k % 97), callee(k)) >= 0) found++;
    expect(found).toBeGreaterThanOrEqual(995);
    expect(pc.evictions).toBeGreaterThan(100_000 - pc.capacity - 100);
  });

  it('saturates its small counters instead of wrapping', () => {
    const pc = new PairCache(8);
    const i = pc.getOrCreate(A, callee(1), 1);
    pc.set16(i, PAIR16.bombGap, 70_000);
    pc.set8(i, PAIR8.talks, 300);
    expect(pc.get16(i, PAIR16.bombGap)).toBe(65_535);
    expect(pc.get8(i, PAIR8.talks)).toBe(255);
  });

  it('starts small and grows while below its maximum, keeping (nearly) every record', () => {
    const pc = new PairCache(1 << 14, 64);
    expect(pc.capacity).toBe(64);
    const n = 2000;
    for (let k = 0; k < n; k++) {
      const i = pc.getOrCreate(A + (k % 97), callee(k), 1000 + k);
      pc.set16(i, PAIR16.bombGap, (k % 1000) + 1);
      pc.set8(i, PAIR8.talks, k % 200);
    }
    expect(pc.capacity).toBeGreaterThan(64);
    expect(pc.capacity).toBeLessThan(1 << 14);
    // Below its maximum a full set gives up its stalest pair: rare (the table is kept about a quarter full).
    expect(pc.evictions).toBeLessThan(n * 0.01);
    let kept = 0;
    for (let k = 0; k < n; k++) {
      const i = pc.find(A + (k % 97), callee(k));
      if (i < 0) continue;
      kept++;
      if (pc.get16(i, PAIR16.bombGap) !== (k % 1000) + 1 || pc.get8(i, PAIR8.talks) !== k % 200 || pc.lastSeen(i) !== 1000 + k) {
        throw new Error(`pair ${k} changed by growth`);
      }
    }
    expect(kept).toBe(n - pc.evictions);
  });

  it('grows a set at a time: every pair stays findable, with its fields, at every step of the growth', () => {
    const pc = new PairCache(1 << 16, 64);
    const n = 6000;
    const written = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const i = pc.getOrCreate(A + (k % 89), callee(k), 1000 + k);
      pc.set32(i, PAIR32.rejectedAt, 50_000 + k);
      pc.set16(i, PAIR16.bombGap, (k % 60_000) + 1);
      written.set(k, k);
      // Now and then read every pair written so far (between reads, pairs are created while sets split).
      if (k % 397 === 0 || k === n - 1) {
        let missing = 0;
        for (const j of written.keys()) {
          const x = pc.find(A + (j % 89), callee(j));
          if (x < 0) {
            missing++; // given up to a full set: counted in evictions
            continue;
          }
          if (pc.get32(x, PAIR32.rejectedAt) !== 50_000 + j || pc.get16(x, PAIR16.bombGap) !== (j % 60_000) + 1 || pc.lastSeen(x) !== 1000 + j) {
            throw new Error(`pair ${j} changed while the table grew (after ${k})`);
          }
        }
        expect(missing).toBe(pc.evictions);
      }
    }
    let kept = 0;
    for (let k = 0; k < n; k++) if (pc.find(A + (k % 89), callee(k)) >= 0) kept++;
    expect(kept).toBe(n - pc.evictions);
    expect(pc.evictions).toBeLessThan(n * 0.01);
    expect(pc.capacity).toBeGreaterThanOrEqual(3.9 * n);
  });

  it('grows by at most one set per getOrCreate, only while at least a quarter full, and its memory follows the sets in use', () => {
    const pc = new PairCache(1 << 16, 1 << 10);
    const cap0 = pc.capacity;
    let k = 0;
    for (; k < cap0 / 4; k++) pc.getOrCreate(A, callee(k), k);
    expect(pc.capacity).toBe(cap0); // a quarter full now: the next call grows it
    for (let c = 0; c < 5000; c++) {
      const before = pc.capacity;
      pc.getOrCreate(A, callee(k++), k);
      expect(pc.capacity - before).toBeLessThanOrEqual(8);
      expect(pc.bytes).toBe(pc.capacity * 40);
    }
    // A quarter full, give or take a set: four entries for every pair.
    expect(pc.capacity).toBeGreaterThanOrEqual(4 * (k - pc.evictions) - 24);
    expect(pc.capacity).toBeLessThanOrEqual(4 * k + 24);
  });

  it('round-trips through exportState / importState in the middle of a growth round (sets not a power of two)', () => {
    const pc = new PairCache(1 << 14, 64);
    let k = 0;
    while (k < 700 || Number.isInteger(Math.log2(pc.capacity / 8))) pc.set32(pc.getOrCreate(A, callee(k), k), PAIR32.rejectedAt, 10_000 + k++);
    const copy = new PairCache(1 << 14, 64);
    copy.importState(pc.exportState());
    expect(copy.capacity).toBe(pc.capacity);
    let present = 0;
    for (let j = 0; j < k; j++) {
      const x = pc.find(A, callee(j));
      if (x < 0) continue;
      present++;
      expect(copy.get32(copy.find(A, callee(j)), PAIR32.rejectedAt)).toBe(10_000 + j);
    }
    expect(present).toBe(k - pc.evictions);
    // The copy goes on growing from there and still finds what it was given (but for pairs given up to a full set).
    const given = copy.evictions;
    for (let j = k; j < k + 3000; j++) copy.getOrCreate(A, callee(j), j);
    let lost = 0;
    for (let j = 0; j < k; j++) if (pc.find(A, callee(j)) >= 0 && copy.find(A, callee(j)) < 0) lost++;
    expect(lost).toBeLessThanOrEqual(copy.evictions - given);
    expect(copy.evictions - given).toBeLessThan((k + 3000) * 0.01);
  });

  it('imports into a cache that was already in use, forgetting what it held', () => {
    const a = new PairCache(1 << 12, 64);
    for (let k = 0; k < 100; k++) a.getOrCreate(A, callee(k), k);
    const b = new PairCache(1 << 12, 64);
    for (let k = 0; k < 1500; k++) b.getOrCreate(A + 1, callee(k), k);
    b.importState(a.exportState());
    expect(b.capacity).toBe(a.capacity);
    expect(b.find(A + 1, callee(5))).toBe(-1);
    for (let k = 0; k < 100; k++) expect(b.find(A, callee(k)) >= 0).toBe(a.find(A, callee(k)) >= 0);
    expect(a.evictions).toBeLessThan(5);
  });

  it('evicts only once it has reached its maximum', () => {
    const pc = new PairCache(1 << 10, 64);
    for (let k = 0; k < 5000; k++) pc.getOrCreate(A, callee(k), k);
    expect(pc.capacity).toBe(1 << 10);
    expect(pc.evictions).toBeGreaterThan(0);
  });

  it('round-trips through exportState / importState', () => {
    const pc = new PairCache(1 << 12, 64);
    for (let k = 0; k < 500; k++) pc.set32(pc.getOrCreate(A, callee(k), k), PAIR32.rejectedAt, 10_000 + k);
    const copy = new PairCache(1 << 12, 64);
    copy.importState(pc.exportState());
    expect(copy.capacity).toBe(pc.capacity);
    let present = 0;
    for (let k = 0; k < 500; k++) {
      if (pc.find(A, callee(k)) < 0) continue;
      present++;
      expect(copy.get32(copy.find(A, callee(k)), PAIR32.rejectedAt)).toBe(10_000 + k);
    }
    expect(present).toBe(500 - pc.evictions);
    expect(present).toBeGreaterThan(490);
    expect(() => new PairCache(64, 64).importState(pc.exportState())).toThrow(/at most/);
  });
  it('gives with the tags computed once (pairTag) the answers it gives without, and warmRecords changes nothing, while it grows and evicts', () => {
    // Two caches given the same calls, a group of 32 at a time: one is prefetched (warmSets, warmRecords) and asked
    // with the tags of each pair and its reverse computed at the group's start, the other hashes at each call.
    // Few numbers, so that pairs and their reverses recur.
    const plain = new PairCache(1 << 10, 64);
    const tagged = new PairCache(1 << 10, 64);
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const num = (k: number) => 8613800000000 + k;
    const keys = new Float64Array(64);
    const tags = new Uint32Array(64);
    let found = 0;
    for (let g = 0; g < 600; g++) {
      for (let q = 0; q < 32; q++) {
        const a = num(Math.floor(rnd() * 45));
        const b = num(Math.floor(rnd() * 45));
        keys[q * 2] = a;
        keys[q * 2 + 1] = b;
        tags[q * 2] = pairTag(hashKey(a), hashKey(b));
        tags[q * 2 + 1] = pairTag(hashKey(b), hashKey(a));
      }
      tagged.warmSets(tags, 32);
      tagged.warmRecords(tags, 32);
      for (let q = 0; q < 32; q++) {
        const a = keys[q * 2];
        const b = keys[q * 2 + 1];
        const sec = g * 32 + q;
        const i = plain.getOrCreate(a, b, sec);
        expect(tagged.getOrCreateTagged(a, b, tags[q * 2], sec)).toBe(i);
        expect(tagged.created).toBe(plain.created);
        const back = plain.find(b, a);
        expect(tagged.findTagged(b, a, tags[q * 2 + 1])).toBe(back);
        if (back >= 0) found++;
        plain.setLastSeen(i, sec);
        tagged.setLastSeen(i, sec);
      }
    }
    expect(tagged.exportState()).toEqual(plain.exportState());
    expect(plain.capacity).toBe(1 << 10);
    expect(plain.evictions).toBeGreaterThan(1000);
    expect(found).toBeGreaterThan(1000);
  });
});
