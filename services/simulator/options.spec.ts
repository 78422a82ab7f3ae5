import { describe, expect, it } from 'vitest';
import { positiveNumberProblem, runOptionProblems, seedProblem } from './options.ts';

describe('run options', () => {
  it('a seed is a non-negative integer', () => {
    expect(seedProblem('0')).toBe('');
    expect(seedProblem('42')).toBe('');
    expect(seedProblem('-1')).toBe('--seed must be a non-negative integer, got -1');
    expect(seedProblem('1.5')).not.toBe('');
    expect(seedProblem('x')).not.toBe('');
  });

  it('a positive number is above 0 when given; absent is fine', () => {
    expect(positiveNumberProblem('--hours', undefined)).toBe('');
    expect(positiveNumberProblem('--hours', '0.5')).toBe('');
    expect(positiveNumberProblem('--hours', '0')).toBe('--hours must be a positive number, got 0');
    expect(positiveNumberProblem('--scale', 'abc')).toBe('--scale must be a positive number, got abc');
  });

  it('lists every problem at once', () => {
    expect(runOptionProblems({ seed: '1' })).toEqual([]);
    expect(runOptionProblems({ seed: '-2', hours: '0', scale: '-1' })).toEqual([
      '--seed must be a non-negative integer, got -2',
      '--hours must be a positive number, got 0',
      '--scale must be a positive number, got -1',
    ]);
  });
});
