/**
 * Numbers outside +86, checked with libphonenumber-js (its possible-length
 * rules per country). Only this rare path uses the library; a parse costs
 * several microseconds, so results are kept in a small two-generation cache
 * (an LRU approximation with O(1) upkeep and bounded size).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

type Outcome = { ok: true; value: string } | { ok: false; error: string };

const GENERATION_SIZE = 4096;
let young = new Map<string, Outcome>();
let old = new Map<string, Outcome>();

/**
 * Returns the E.164 form of `+<digits>` when libphonenumber-js recognises a
 * country calling code and the length is possible for it, else an error.
 */
export function internationalE164(digits: string): Outcome {
  let r = young.get(digits);
  if (r !== undefined) return r;
  r = old.get(digits) ?? parse(digits);
  if (young.size >= GENERATION_SIZE) {
    old = young;
    young = new Map();
  }
  young.set(digits, r);
  return r;
}

function parse(digits: string): Outcome {
  const parsed = parsePhoneNumberFromString('+' + digits);
  if (parsed === undefined) return { ok: false, error: 'unknown country calling code' };
  if (!parsed.isPossible()) return { ok: false, error: `impossible length for +${parsed.countryCallingCode}` };
  return { ok: true, value: parsed.number };
}
