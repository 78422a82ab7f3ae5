/**
 * The Chinese numbering plan (+86), hand-written for speed: this runs for
 * every call event, so it works on character codes, never on regexes or a
 * phone-number library.
 *
 * National significant numbers (what follows +86):
 * - mobile: `1[3-9]` + 9 digits (11 digits);
 * - fixed line: area code `10` or `2x` + 8-digit subscriber (10 digits), or a
 *   3-digit area code `[3-9]xx` + 7 or 8 digits (10 or 11 digits);
 * - service numbers `95…` and `96…`: 5 to 8 digits (`95588`, `95105888`);
 *   a 10–11 digit number starting 95/96 is a fixed line in a 95x/96x area;
 * - `400` / `800` + 7 digits (10 digits): national toll-free / shared-cost;
 * - short codes `1[0-2]…` of 3 to 6 digits (`110`, `10086`, `12321`), and
 *   the 8-digit nationwide customer-service numbers `1010xxxx` that the
 *   ministry assigns to enterprises (`10101234`): accepted, classed UNKNOWN.
 *   Enterprises call out from them too, so refusing them would leave their
 *   calls unjudged; a configured marketing line can name one.
 */
import type { NumberClass } from '../contracts/records.ts';

/** A short code such as 10086 or 12321: a valid number without a class. */
export const SHORT_CODE = 'SHORT_CODE' as const;
export type ChinaKind = NumberClass | typeof SHORT_CODE;

const D0 = 48; // '0'

/**
 * Classifies the national significant number held in `s` from index `start`
 * to the end (ASCII digits only, the caller guarantees it). Returns null when
 * the digits are not a possible Chinese number.
 */
export function chinaKind(s: string, start: number): ChinaKind | null {
  const n = s.length - start;
  if (n < 3 || n > 11) return null;
  const a = s.charCodeAt(start) - D0;
  const b = s.charCodeAt(start + 1) - D0;
  switch (a) {
    case 1:
      if (b >= 3) return n === 11 ? 'MOBILE' : null;
      if (b === 0 && n === 10) return subscriberOk(s, start + 2) ? 'FIXED_LINE' : null;
      if (b === 0 && n === 8 && s.charCodeAt(start + 2) === D0 + 1 && s.charCodeAt(start + 3) === D0) return SHORT_CODE; // 1010xxxx
      return n <= 6 ? SHORT_CODE : null;
    case 2:
      return n === 10 && subscriberOk(s, start + 2) ? 'FIXED_LINE' : null;
    case 0:
      return null;
    default: {
      if (a === 9 && (b === 5 || b === 6) && n >= 5 && n <= 8) return b === 5 ? 'SERVICE_95' : 'SERVICE_96';
      if (n === 10 && (a === 4 || a === 8) && b === 0 && s.charCodeAt(start + 2) === D0) return 'TOLL_FREE_400';
      if (n === 10 || n === 11) return subscriberOk(s, start + 3) ? 'FIXED_LINE' : null;
      return null;
    }
  }
}

/** Fixed-line subscriber numbers never start with 0 (that would be a trunk prefix). */
function subscriberOk(s: string, i: number): boolean {
  return s.charCodeAt(i) !== D0;
}
