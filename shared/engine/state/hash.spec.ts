import { describe, expect, it } from 'vitest';
import { hashKey } from './hash.ts';

/** hashKey as first written, with a floating-point remainder: the hashes place records and are in snapshots, so they must not change. */
function hashKeyByRemainder(key: number): number {
  const lo = key % 4294967296 | 0;
  const hi = (key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

describe('hashKey', () => {
  it('gives the same hash as the remainder it replaced, for E.164 keys and at the word edges', () => {
    const keys = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 8613800138000, 861012345678, 8640012345678, 12025550123];
    let x = 0x2545f491;
    for (let i = 0; i < 100_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      keys.push(860_000_000_000 + (x % 99_999_999_999) + (i % 7) * 2 ** 32); // mobile- and fixed-line-like keys around 2^39
      keys.push(Math.floor((x / 2 ** 32) * 2 ** 53));
    }
    for (const k of keys) expect(hashKey(k)).toBe(hashKeyByRemainder(k));
  });
});
