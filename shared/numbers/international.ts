/**
 * Numbers outside +86. The country calling code must be one that exists
 * (libphonenumber-js's table of countries, plus the ITU non-geographic
 * codes); the rest is only checked against the E.164 limits.
 *
 * Why not libphonenumber's per-country length rules (`isPossible`): foreign
 * numbering plans change (Côte d'Ivoire +225 went from 8 to 10 digits in
 * 2021), probes report what they saw on the wire, and a lure calling from a
 * number the library thinks impossible is exactly the evidence the detector
 * needs. Rejecting it would route real calls to the dead-letter queue.
 */
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';

type Outcome = { ok: true; value: string } | { ok: false; error: string };

/** ITU non-geographic calling codes (international freephone, satellite, networks). */
const NON_GEOGRAPHIC = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];

const CALLING_CODES = new Set<string>([...getCountries().map((c) => getCountryCallingCode(c)), ...NON_GEOGRAPHIC]);

/** Shortest national part accepted after the country code (small territories have 4-digit numbers). */
const MIN_NATIONAL = 4;
const MAX_E164_DIGITS = 15;

/**
 * The country calling code at the start of `digits` (calling codes are a
 * prefix code, so at most one of the 1-, 2- and 3-digit prefixes is one), or
 * null.
 */
export function callingCode(digits: string): string | null {
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const cc = digits.slice(0, n);
    if (CALLING_CODES.has(cc)) return cc;
  }
  return null;
}

/** Returns `+<digits>` when it starts with an existing calling code and has a possible E.164 length, else an error. */
export function internationalE164(digits: string): Outcome {
  const cc = callingCode(digits);
  if (cc === null) return { ok: false, error: 'unknown country calling code' };
  const national = digits.length - cc.length;
  if (national < MIN_NATIONAL) return { ok: false, error: `too short for +${cc} (${national} digits after the country code)` };
  if (digits.length > MAX_E164_DIGITS) return { ok: false, error: 'too long' };
  return { ok: true, value: '+' + digits };
}
