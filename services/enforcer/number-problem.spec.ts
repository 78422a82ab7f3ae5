import { describe, expect, it } from 'vitest';
import { invalidNumber, normalizeProblem, numberParamProblem } from './number-problem.ts';

describe('numberParamProblem', () => {
  it('refuses only what is too long: which characters make a number is normalisation\'s business', () => {
    for (const s of ['', '12', '１３８１２３４５６７８', '＋８６１３８１２３４５６７８', '(010) 8888 6666', '（010）88886666', '138\t1234\t5678', 'abc', '1'.repeat(64)]) {
      expect(numberParamProblem(s), JSON.stringify(s)).toBeNull();
    }
    expect(numberParamProblem('1'.repeat(65))).toBe('too long (65 characters, at most 64)');
  });
});

describe('normalizeProblem and invalidNumber', () => {
  it('counts the digits where normalisation only says too short or too long, and keeps other reasons', () => {
    expect(normalizeProblem('+86 1390000010612345678901', 'too long')).toBe('too long (24 digits)');
    expect(normalizeProblem('+4-4', 'too short')).toBe('too short (2 digits)');
    expect(normalizeProblem('+86139000001', 'mobile number must have 11 digits, not 9')).toBe('mobile number must have 11 digits, not 9');
  });

  it('says where an unexpected character is', () => {
    expect(normalizeProblem('138 0000 0001x', 'unexpected character "x"')).toBe('unexpected character "x" at position 14');
    expect(normalizeProblem("' OR 1=1 --", 'unexpected character "\'"')).toBe('unexpected character "\'" at position 1');
    expect(normalizeProblem('abc', 'unexpected character "?"')).toBe('unexpected character "?"');
  });

  it('names the parameter and the value', () => {
    expect(invalidNumber('12', 'too short')).toEqual({ error: 'invalid_number', message: 'number "12" is not a phone number: too short' });
  });
});
