import { describe, expect, it } from 'vitest';
import { acceptedParam } from './lookup-fast-path.ts';
import { invalidNumber, normalizeProblem, numberParamProblem } from './number-problem.ts';

describe('numberParamProblem', () => {
  it('finds a problem exactly where the route schema (and the hot path) refuses', () => {
    const samples = ['', '1', '12', '123', '+86', '++86', '8+6', ' 138', '138 0000 0001', '(010) 8888-6666', '010.8888.6666', 'abc', "' OR 1=1 --", '13800000001x', '1'.repeat(32), '1'.repeat(33), '+86\t138', '１３８'];
    for (const s of samples) expect(numberParamProblem(s) === null, JSON.stringify(s)).toBe(acceptedParam(s));
  });

  it('says what is wrong: length with the limit, or the first bad character and where', () => {
    expect(numberParamProblem('12')).toBe('too short (2 characters, at least 3)');
    expect(numberParamProblem('1')).toBe('too short (1 character, at least 3)');
    expect(numberParamProblem('1'.repeat(40))).toBe('too long (40 characters, at most 32)');
    expect(numberParamProblem('abc')).toBe('unexpected character "a" at position 1 (a number is digits, a leading "+", spaces and ( ) . -)');
    expect(numberParamProblem('138-0000-000x')).toBe('unexpected character "x" at position 13 (a number is digits, a leading "+", spaces and ( ) . -)');
    expect(numberParamProblem('++86')).toBe('"+" after the start at position 2 (a number is digits, a leading "+", spaces and ( ) . -)');
  });
});

describe('normalizeProblem and invalidNumber', () => {
  it('counts the digits where normalisation only says too short or too long, and keeps other reasons', () => {
    expect(normalizeProblem('+86 1390000010612345678901', 'too long')).toBe('too long (24 digits)');
    expect(normalizeProblem('+4-4', 'too short')).toBe('too short (2 digits)');
    expect(normalizeProblem('+86139000001', 'mobile number must have 11 digits, not 9')).toBe('mobile number must have 11 digits, not 9');
  });

  it('names the parameter and the value', () => {
    expect(invalidNumber('12', 'too short')).toEqual({ error: 'invalid_number', message: 'number "12" is not a phone number: too short' });
  });
});
