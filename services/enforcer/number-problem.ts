/**
 * The words of the lookup API's 400: which parameter, what was sent and
 * why it is not a phone number, whether the route's schema refused it
 * (length only) or normalisation did (a character that is not part of a
 * number, too short for a Chinese mobile, a country code starting with 0,
 * …). Only the error path calls it; the hot path's test is `acceptedParam`
 * in lookup-fast-path.ts, a fast path only.
 */

/**
 * Longest path parameter the route's schema accepts: its only bound. Generous (an E.164 number has at most 15
 * digits; separators, a full-width form or "00" prefixes add some), below Fastify's 100-character limit (414).
 * Which characters make a number is normalisation's business (shared/numbers: full-width digits and "＋",
 * brackets, tabs, …), not a pattern's: a schema pattern refused forms the detector and the console accept.
 */
export const NUMBER_PARAM_MAX = 64;

/** Why the route's schema refuses `s` (too long), or null when it accepts it. */
export function numberParamProblem(s: string): string | null {
  const n = s.length;
  return n > NUMBER_PARAM_MAX ? `too long (${n} characters, at most ${NUMBER_PARAM_MAX})` : null;
}

/**
 * Normalisation's reason for refusing `raw`, with the count of digits where
 * the reason is only "too short" or "too long" (E.164 numbers have at most 15).
 */
export function normalizeProblem(raw: string, reason: string): string {
  const bad = /^unexpected character (".*")$/.exec(reason);
  if (bad) {
    // Where it is (1-based, in UTF-16 units as JavaScript counts), when the character can be found.
    let c: unknown;
    try {
      c = JSON.parse(bad[1]);
    } catch {
      return reason;
    }
    const at = typeof c === 'string' && c.length > 0 ? raw.indexOf(c) : -1;
    return at < 0 ? reason : `${reason} at position ${at + 1}`;
  }
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
