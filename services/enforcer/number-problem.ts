/**
 * The words of the lookup API's 400: which parameter, what was sent and
 * why it is not a phone number, whether the route's schema refused it
 * (length, characters) or normalisation did (too short for a Chinese
 * mobile, a country code starting with 0, …). Only the error path calls
 * it; the hot path's test is `acceptedParam` in lookup-fast-path.ts.
 */

/** Shortest and longest path parameter the route's schema accepts. */
export const NUMBER_PARAM_MIN = 3;
export const NUMBER_PARAM_MAX = 32;

const ALLOWED = 'digits, a leading "+", spaces and ( ) . -';

/**
 * Why the route's schema (3 to 32 characters, `^[+0-9][0-9 ().-]*$`)
 * refuses `s`, or null when it accepts it.
 */
export function numberParamProblem(s: string): string | null {
  const n = s.length;
  if (n < NUMBER_PARAM_MIN) return `too short (${n} character${n === 1 ? '' : 's'}, at least ${NUMBER_PARAM_MIN})`;
  if (n > NUMBER_PARAM_MAX) return `too long (${n} characters, at most ${NUMBER_PARAM_MAX})`;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const ok = i === 0 ? digit || c === 43 : digit || c === 32 || c === 40 || c === 41 || c === 46 || c === 45;
    if (ok) continue;
    const what = c === 43 ? '"+" after the start' : `unexpected character ${JSON.stringify(s[i])}`;
    return `${what} at position ${i + 1} (a number is ${ALLOWED})`;
  }
  return null;
}

/**
 * Normalisation's reason for refusing `raw`, with the count of digits where
 * the reason is only "too short" or "too long" (E.164 numbers have at most 15).
 */
export function normalizeProblem(raw: string, reason: string): string {
  if (reason !== 'too short' && reason !== 'too long') return reason;
  let digits = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return `${reason} (${digits} digit${digits === 1 ? '' : 's'})`;
}

/** The 400 body for a `number` path parameter that is not a phone number. */
export function invalidNumber(raw: string, why: string): { error: 'invalid_number'; message: string } {
  return { error: 'invalid_number', message: `number ${JSON.stringify(raw)} is not a phone number: ${why}` };
}
