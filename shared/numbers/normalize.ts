/**
 * Phone number normalisation to E.164 (`+8613812345678`).
 *
 * Accepted forms (spaces, dashes, dots and parentheses are ignored; a
 * trunk `(0)` after an international prefix, `+44 (0)20…`, is dropped;
 * full-width digits, `＋` and separators, as Chinese input methods type
 * them, count as their ASCII twins):
 * - `+86…` and `0086…` followed by a Chinese national significant number,
 *   or by the trunk 0 and a fixed line or mobile (`+86 0755…`);
 * - national: 11-digit mobile `1[3-9]…`, fixed line with trunk prefix
 *   `0<area><subscriber>` (`02088886666`) or as a national significant
 *   number without it (`2088886666`, how ISUP signals a national number;
 *   its 10–11 digits cannot be mistaken for another form), mobile with a
 *   stray trunk 0 (`013812345678`), service numbers `95…` / `96…`,
 *   `400…` / `800…`, short codes (`10086`, `12321`, `1010xxxx`);
 * - `86…` without `+` when what follows is a mobile, fixed-line or 400/800
 *   number (12–13 digits: no national form can be mistaken for it);
 * - other international numbers `+<cc>…` and `00<cc>…` with an existing
 *   country calling code (see international.ts for why lengths are not
 *   checked per country).
 *
 * The common forms (`+86…`, `0086…`, 11-digit mobile) take a fast path of a
 * few character-code comparisons and at most one string concatenation.
 */
import { chinaKind, type ChinaKind } from './china.ts';
import { internationalE164 } from './international.ts';

/** Outcome of {@link normalizeOrError}. */
export type NormalizeResult = { ok: true; value: string } | { ok: false; error: string };

const PLUS = 43;
const D0 = 48;
const D9 = 57;
const MAX_DIGITS = 15; // E.164
// Full-width forms (slow path only); no character below U+3000 is one.
const IDEOGRAPHIC_SPACE = 0x3000;
const FULLWIDTH_PLUS = 0xff0b;
const FULLWIDTH_0 = 0xff10;
const FULLWIDTH_9 = 0xff19;

/**
 * Normalises a number as signalled to E.164, or returns null when it is not a
 * possible number. Use {@link normalizeOrError} to learn why.
 */
export function normalize(raw: string): string | null {
  const r = normalizeOrError(raw);
  return r.ok ? r.value : null;
}

/** Normalises a number as signalled to E.164, or says why it cannot. */
export function normalizeOrError(raw: string): NormalizeResult {
  if (typeof raw !== 'string') return fail('not a string');
  if (raw.length === 0) return fail('empty');
  let s = raw;
  if (!isClean(s)) {
    const cleaned = clean(s);
    if (typeof cleaned !== 'string') return cleaned;
    s = cleaned;
  }
  const plus = s.charCodeAt(0) === PLUS;
  const digits = plus ? s.length - 1 : s.length;
  if (digits < 3) return fail(digits === 0 ? 'no digits' : 'too short');
  if (digits > MAX_DIGITS + 2) return fail('too long');
  if (plus) return fromInternational(s, 1, s === raw);
  return fromUnprefixed(s);
}

/** `+<cc>…` (offset 1) or `00<cc>…` (offset 2). */
function fromInternational(s: string, at: number, reuse: boolean): NormalizeResult {
  if (s.length - at > MAX_DIGITS) return fail('too long');
  if (s.charCodeAt(at) === D0 + 8 && s.charCodeAt(at + 1) === D0 + 6) {
    const kind = chinaKind(s, at + 2);
    if (kind === null) return trunkZeroAfter86(s, at + 2) ?? fail(chinaReason(s, at + 2));
    return ok(reuse && at === 1 ? s : '+' + s.slice(at));
  }
  if (s.charCodeAt(at) === D0) return fail('country code cannot start with 0');
  return internationalE164(s.slice(at));
}

/**
 * `+86 0755…`: the national trunk 0 written after the country code without
 * the parentheses of `+86 (0)755…`, as people often write it (a complaint
 * typed into an app). No Chinese number starts with 0 after +86, so this
 * cannot be mistaken for another number; dropped before a fixed line or a
 * mobile, as the national form `0…` is. Null for anything else.
 */
function trunkZeroAfter86(s: string, start: number): NormalizeResult | null {
  if (s.charCodeAt(start) !== D0) return null;
  const kind = chinaKind(s, start + 1);
  return kind === 'FIXED_LINE' || kind === 'MOBILE' ? ok('+86' + s.slice(start + 1)) : null;
}

/** A digit string without `+`. */
function fromUnprefixed(s: string): NormalizeResult {
  const n = s.length;
  const a = s.charCodeAt(0) - D0;
  const b = s.charCodeAt(1) - D0;
  if (a === 1) {
    // Fast path: 11-digit mobile.
    if (b >= 3 && n === 11) return ok('+86' + s);
    const kind = chinaKind(s, 0);
    if (kind === 'SHORT_CODE' || kind === 'FIXED_LINE') return ok('+86' + s);
    return fail(chinaReason(s, 0));
  }
  if (a === 0) {
    if (b === 0) return fromInternational(s, 2, false);
    const kind = chinaKind(s, 1);
    if (kind === 'FIXED_LINE' || kind === 'MOBILE') return ok('+86' + s.slice(1));
    return fail(kind === null ? chinaReason(s, 1) : 'trunk prefix 0 before a ' + describe(kind));
  }
  if (a === 8 && b === 6 && n >= 12) {
    const kind = chinaKind(s, 2);
    if (kind === 'MOBILE' || kind === 'FIXED_LINE' || kind === 'TOLL_FREE_400') return ok('+' + s);
  }
  if (n > 11) return fail('too long for a national number (international numbers need + or 00)');
  const kind = chinaKind(s, 0);
  if (kind === 'SERVICE_95' || kind === 'SERVICE_96' || kind === 'TOLL_FREE_400' || kind === 'FIXED_LINE') return ok('+86' + s);
  if (n <= 8) return fail('local number without area code');
  return fail(chinaReason(s, 0));
}

/** Why the digits from `start` are not a Chinese national significant number. */
function chinaReason(s: string, start: number): string {
  const n = s.length - start;
  if (n <= 0) return 'too short';
  const a = s.charCodeAt(start) - D0;
  const b = s.charCodeAt(start + 1) - D0;
  if (a === 0) return 'unexpected 0 after the country code';
  if (a === 1 && b >= 3) return `mobile number must have 11 digits, not ${n}`;
  if (n < 10) return `too short for a Chinese number (${n} digits)`;
  if (n > 11) return `too long for a Chinese number (${n} digits)`;
  return 'not a possible Chinese number';
}

function describe(kind: ChinaKind): string {
  switch (kind) {
    case 'SERVICE_95':
    case 'SERVICE_96':
      return 'service number';
    case 'TOLL_FREE_400':
      return '400/800 number';
    case 'SHORT_CODE':
      return 'short code';
    default:
      return 'number';
  }
}

/** True when `s` is `+`? followed by ASCII digits only (the usual case). */
function isClean(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let i = s.charCodeAt(0) === PLUS ? 1 : 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < D0 || c > D9) return false;
  }
  return true;
}

/**
 * Drops separators; fails on any other character or a misplaced `+`. The
 * full-width forms a Chinese input method types (digits, `＋`, the
 * ideographic space, `－`, `（`, `）`, `．`) count as their ASCII twins.
 */
function clean(s: string): string | NormalizeResult {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const raw = s.charCodeAt(i);
    const c = raw < IDEOGRAPHIC_SPACE ? raw : ascii(raw);
    if (c >= D0 && c <= D9) {
      out += c === raw ? s[i] : String.fromCharCode(c);
    } else if (c === PLUS) {
      if (out.length > 0) return fail("'+' inside the number");
      out = '+';
    } else if (c === 40 && ascii(s.charCodeAt(i + 1)) === D0 && ascii(s.charCodeAt(i + 2)) === 41 && isInternationalPrefix(out)) {
      i += 2; // `+44 (0)20…`: the national trunk prefix, written but not dialled from abroad
    } else if (c === 32 || c === 45 || c === 40 || c === 41 || c === 46 || c === 9 || c === 0xa0) {
      // space, '-', '(', ')', '.', tab, no-break space (and the full-width twins of the first five)
    } else {
      return fail(`unexpected character ${JSON.stringify(s[i])}`);
    }
  }
  if (out === '' || out === '+') return fail('no digits');
  return out;
}

/**
 * The ASCII twin of a full-width digit (U+FF10–FF19) or of `＋` U+FF0B,
 * `（` U+FF08, `）` U+FF09, `－` U+FF0D, `．` U+FF0E, and the ASCII space for
 * the ideographic space U+3000; any other code unit as it is.
 */
function ascii(c: number): number {
  if (c >= FULLWIDTH_0 && c <= FULLWIDTH_9) return c - FULLWIDTH_0 + D0;
  if (c === IDEOGRAPHIC_SPACE) return 32;
  if (c === FULLWIDTH_PLUS || c === 0xff08 || c === 0xff09 || c === 0xff0d || c === 0xff0e) return c - 0xff00 + 32;
  return c;
}

/** `+<digits>` or `00<digits>` so far: a country code has begun. */
function isInternationalPrefix(out: string): boolean {
  return (out.length > 1 && out.charCodeAt(0) === PLUS) || (out.length > 2 && out.startsWith('00'));
}

function ok(value: string): NormalizeResult {
  return { ok: true, value };
}

function fail(error: string): NormalizeResult {
  return { ok: false, error };
}
