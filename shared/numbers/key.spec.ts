import { describe, expect, it } from 'vitest';
import { fromNumberKey, numberKey } from './key.ts';

describe('numberKey', () => {
  it.each(['+8613812345678', '+862088886666', '+8695588', '+14155552671', '+86110', '+999999999999999', '+100000000000000'])(
    'round-trips %s exactly',
    (e164) => {
      const k = numberKey(e164);
      expect(Number.isSafeInteger(k)).toBe(true);
      expect(k).toBe(Number(e164.slice(1)));
      expect(fromNumberKey(k)).toBe(e164);
    },
  );

  it('gives distinct keys to distinct numbers of different lengths', () => {
    expect(numberKey('+8695588')).not.toBe(numberKey('+86955880'));
  });
});
