import { describe, expect, it } from 'vitest';
import { normalize, normalizeOrError } from './normalize.ts';

describe('normalize', () => {
  it.each([
    // E.164 and international prefixes for China
    ['+8613812345678', '+8613812345678'],
    ['008613812345678', '+8613812345678'],
    ['+862088886666', '+862088886666'],
    ['00862088886666', '+862088886666'],
    ['+8695588', '+8695588'],
    ['+864001234567', '+864001234567'],
    // national mobile, with and without a stray trunk 0
    ['13812345678', '+8613812345678'],
    ['19912345678', '+8619912345678'],
    ['013812345678', '+8613812345678'],
    // national fixed line with trunk 0: 2-digit and 3-digit area codes
    ['02088886666', '+862088886666'],
    ['01088886666', '+861088886666'],
    ['075512345678', '+8675512345678'],
    ['0951 1234567', '+869511234567'],
    // service and toll-free numbers
    ['95588', '+8695588'],
    ['95105888', '+8695105888'],
    ['96169', '+8696169'],
    ['4001234567', '+864001234567'],
    ['400-123-4567', '+864001234567'],
    ['800 810 8888', '+868008108888'],
    // short codes
    ['10086', '+8610086'],
    ['12321', '+8612321'],
    ['110', '+86110'],
    // nationwide customer-service numbers 1010xxxx (8 digits)
    ['10101234', '+8610101234'],
    ['+86 1010 9999', '+8610109999'],
    // 86 without + when unambiguous
    // fixed line as a national significant number (ISUP national form, no trunk 0)
    ['2088886666', '+862088886666'],
    ['1088886666', '+861088886666'],
    ['75512345678', '+8675512345678'],
    ['8613812345678', '+8613812345678'],
    ['862088886666', '+862088886666'],
    ['864001234567', '+864001234567'],
    // separators
    ['+86 138 1234 5678', '+8613812345678'],
    ['(020) 8888-6666', '+862088886666'],
    ['(+86) 138-1234-5678', '+8613812345678'],
    [' 138.1234.5678 ', '+8613812345678'],
    ['0086\t138 1234 5678', '+8613812345678'],
    // full-width digits, '＋' and separators, as a Chinese input method types them (complaints typed into an app)
    ['１３８１２３４５６７８', '+8613812345678'],
    ['138　1234　5678', '+8613812345678'], // U+3000 ideographic space
    ['＋86 138 1234 5678', '+8613812345678'],
    ['＋８６　１３８－１２３４－５６７８', '+8613812345678'],
    ['００８６１３８１２３４５６７８', '+8613812345678'],
    ['（０２０）８８８８－６６６６', '+862088886666'],
    ['１３８．１２３４．５６７８', '+8613812345678'],
    ['＋44 （0）20 7946 0958', '+442079460958'],
    ['+44 （０）20 7946 0958', '+442079460958'],
    // other countries
    ['+14155552671', '+14155552671'],
    ['0014155552671', '+14155552671'],
    ['+44 20 7946 0958', '+442079460958'],
    ['00852 2123 4567', '+85221234567'],
    // the trunk 0 written in parentheses after the country code (as people write it) is not dialled
    ['+44 (0)20 7946 0958', '+442079460958'],
    ['+86 (0)20 8888 6666', '+862088886666'],
    // ... and without the parentheses, as people write it after +86 (no Chinese number starts 0 there)
    ['+86 0755 1234 5678', '+8675512345678'],
    ['+86-020-8888-6666', '+862088886666'],
    ['0086 010 8888 6666', '+861088886666'],
    ['+86 013812345678', '+8613812345678'],
    ['0044 (0)20 7946 0958', '+442079460958'],
    // lengths a country's current plan calls impossible are kept (plans change; the call happened)
    ['+22570425617', '+22570425617'],
    ['+42390455732', '+42390455732'],
    ['+88184372261', '+88184372261'],
    ['+6831234', '+6831234'],
  ])('%s → %s', (raw, e164) => {
    expect(normalize(raw)).toBe(e164);
    expect(normalizeOrError(raw)).toEqual({ ok: true, value: e164 });
  });

  it('gives the full-width form of every accepted number what it gives the ASCII form', () => {
    const wide: Record<string, string> = { '+': '＋', ' ': '\u3000', '-': '－', '(': '（', ')': '）', '.': '．' };
    const toWide = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace(/[+ ().-]/g, (c) => wide[c]);
    for (const raw of ['+86 138 1234 5678', '(020) 8888-6666', '(+86) 138-1234-5678', ' 138.1234.5678 ', '0086\t138 1234 5678', '+44 (0)20 7946 0958', '0044 (0)20 7946 0958', '+86-020-8888-6666', '400-123-4567', '+1 415']) {
      expect(toWide(raw)).not.toBe(raw);
      expect(normalizeOrError(toWide(raw))).toEqual(normalizeOrError(raw));
    }
  });

  it('is idempotent on its own output', () => {
    for (const raw of ['13812345678', '02088886666', '95588', '4001234567', '0014155552671', '10086']) {
      const once = normalize(raw)!;
      expect(normalize(once)).toBe(once);
    }
  });

  it('returns a clean +86 number unchanged', () => {
    // (Whether it is the same string object, i.e. no allocation, cannot be observed for primitive strings.)
    for (const raw of ['+8613812345678', '+862088886666', '+8695588']) expect(normalize(raw)).toBe(raw);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'no digits'],
    ['abc', 'unexpected character'],
    ['138-1234-567x', 'unexpected character "x"'],
    ['+', 'no digits'],
    ['12', 'too short'],
    ['1381234567', 'mobile number must have 11 digits, not 10'],
    ['138123456789', 'mobile number must have 11 digits, not 12'],
    ['923456789012', 'too long for a national number'],
    ['+86138123456789', 'mobile number must have 11 digits, not 12'],
    ['+861381234567', 'mobile number must have 11 digits, not 10'],
    ['88886666', 'local number without area code'],
    ['2008886666', 'not a possible Chinese number'],
    ['1234567890', 'not a possible Chinese number'],
    ['8695588', 'local number without area code'],
    ['095588', 'trunk prefix 0 before a service number'],
    ['04001234567', 'trunk prefix 0 before a 400/800 number'],
    ['+860138123456', 'unexpected 0 after the country code'],
    ['+86095588', 'unexpected 0 after the country code'], // a trunk 0 is dropped only before a fixed line or a mobile
    ['+8600755123456', 'unexpected 0 after the country code'],
    ['10111234', 'too short for a Chinese number (8 digits)'], // 8 digits starting 10 but not 1010
    ['101012345', 'too short for a Chinese number (9 digits)'], // 1010 with 9 digits
    ['+86 20 0888 6666', 'not a possible Chinese number'],
    ['+0123456789', 'country code cannot start with 0'],
    ['+1234567890123456', 'too long'],
    ['00123456789012345678', 'too long'],
    ['+99912345', 'unknown country calling code'],
    ['+28012345678', 'unknown country calling code'],
    ['+1 415', 'too short for +1 (3 digits after the country code)'],
    ['+44 20', 'too short for +44'],
    ['13+812345678', "'+' inside the number"],
    ['+86+13812345678', "'+' inside the number"],
    ['9558', 'local number without area code'],
    ['955881234', 'too short for a Chinese number (9 digits)'],
    ['１３８＋１２３４５６７８', "'+' inside the number"],
    ['１３８１２３４５６７Ｘ', 'unexpected character "Ｘ"'],
    ['138。1234。5678', 'unexpected character "。"'], // U+3002 is no twin of an accepted separator
    ['＋', 'no digits'],
    ['\u3000', 'no digits'],
    ['１２', 'too short'],
  ])('rejects %j (%s)', (raw, reason) => {
    const r = normalizeOrError(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
    expect(normalize(raw)).toBeNull();
  });

  it('rejects non-strings without throwing', () => {
    expect(normalizeOrError(13812345678 as unknown as string)).toEqual({ ok: false, error: 'not a string' });
    expect(normalize(null as unknown as string)).toBeNull();
  });

  it('accepts the edge lengths of each class and rejects one beyond', () => {
    expect(normalize('95123')).toBe('+8695123'); // 5-digit service
    expect(normalize('95123456')).toBe('+8695123456'); // 8-digit service
    expect(normalize('+869512345678')).toBe('+869512345678'); // 10 digits: fixed line in a 95x area
    expect(normalize('+86951234567890')).toBeNull(); // 12 digits
    expect(normalize('+8640012345678')).toBe('+8640012345678'); // 11 digits: not toll-free, fixed-line-shaped
    expect(normalize('+86400123456')).toBeNull(); // 9 digits
    expect(normalize('+86123456')).toBe('+86123456'); // 6-digit short code
    expect(normalize('+861234567')).toBeNull(); // 7 digits starting 12
    expect(normalize('+1' + '2'.repeat(14))).toBe('+1' + '2'.repeat(14)); // 15 digits: the E.164 maximum
    expect(normalize('+1' + '2'.repeat(15))).toBeNull(); // 16 digits
  });
});
