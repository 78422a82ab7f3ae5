/**
 * Number classes of the FlagEvent contract, from an E.164 number.
 */
import type { NumberClass } from '../contracts/records.ts';
import { chinaKind, SHORT_CODE } from './china.ts';

/**
 * Classifies a normalised E.164 number: MOBILE, FIXED_LINE, SERVICE_95,
 * SERVICE_96, TOLL_FREE_400 (400 and 800) under +86; INTERNATIONAL for any
 * other country code; UNKNOWN for +86 short codes and anything that is not a
 * possible number.
 */
export function classify(e164: string): NumberClass {
  if (e164.charCodeAt(0) !== 43 /* + */) return 'UNKNOWN';
  if (e164.charCodeAt(1) === 56 /* 8 */ && e164.charCodeAt(2) === 54 /* 6 */) {
    const kind = chinaKind(e164, 3);
    return kind === null || kind === SHORT_CODE ? 'UNKNOWN' : kind;
  }
  return e164.length > 3 ? 'INTERNATIONAL' : 'UNKNOWN';
}
