import { describe, expect, it } from 'vitest';
import { evalOptionProblems, type EvalCliOptions } from './options.ts';

const defaults: EvalCliOptions = { scenario: 'default', seed: '1', dataDir: '.eval', reportDir: 'reports', sweepScale: '0.2', sweepHours: '24' };

describe('eval options', () => {
  it('the defaults are fine', () => {
    expect(evalOptionProblems(defaults)).toEqual([]);
    expect(evalOptionProblems({ ...defaults, sweep: '3', hours: '6', scale: '0.5' })).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(evalOptionProblems({ ...defaults, seed: '-1', sweep: '2.5', sweepScale: '0', sweepHours: 'x' })).toEqual([
      '--seed must be a non-negative integer, got -1',
      '--sweep must be a positive integer, got 2.5',
      '--sweep-scale must be a positive number, got 0',
      '--sweep-hours must be a positive number, got x',
    ]);
  });
});
