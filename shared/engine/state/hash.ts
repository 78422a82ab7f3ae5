/** Small integer hashes over number keys (E.164 digits as a double, < 2^53). */

const TWO_32 = 4294967296;

/** 32-bit mix of a non-negative integer-valued double. */
export function hashKey(key: number): number {
  // The low word by subtraction, not `key % TWO_32`: the same value for every double (a quotient by a power of two
  // is exact, truncated as `%` truncates it), without a floating-point remainder (several times slower in V8).
  const hi = Math.trunc(key / TWO_32);
  const lo = (key - hi * TWO_32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32-bit mix of an ordered pair of keys. */
export function hashPair(a: number, b: number): number {
  return mixKeys(hashKey(a), hashKey(b));
}

/** {@link hashPair} of keys a, b from their hashes ka = hashKey(a), kb = hashKey(b): so a pair and its reverse share them. */
export function mixKeys(ka: number, kb: number): number {
  let h = ka ^ Math.imul(kb + 0x7f4a7c15, 0x27d4eb2f);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/** FNV-1a over a string's UTF-16 code units; never 0 (0 marks an empty slot). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h >>>= 0;
  return h === 0 ? 1 : h;
}
