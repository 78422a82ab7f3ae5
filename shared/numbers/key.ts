/**
 * Compact numeric keys for E.164 numbers. E.164 has at most 15 digits, below
 * 2^53, so the digits fit a double exactly; and since no country code starts
 * with 0, the key maps back to exactly one number.
 */

/** The digits of an E.164 number as a JS number (`+8613812345678` → 8613812345678). */
export function numberKey(e164: string): number {
  let n = 0;
  for (let i = e164.charCodeAt(0) === 43 ? 1 : 0; i < e164.length; i++) n = n * 10 + (e164.charCodeAt(i) - 48);
  return n;
}

/** Inverse of {@link numberKey}: 8613812345678 → `+8613812345678`. */
export function fromNumberKey(key: number): string {
  return '+' + key;
}
