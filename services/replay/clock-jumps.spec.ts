import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { LoneJumpFilter } from './clock-jumps.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 2, 0);
const call = (t: number): CallEvent => ({
  eventId: `e${t}`,
  probeId: 'p',
  caller: '+8613800138000',
  callee: '+8613900139000',
  startTime: t,
  answerTime: null,
  endTime: t + 5_000,
  outcome: 'NO_ANSWER',
  releaseCause: null,
  accessProvider: null,
});

/** Runs the filter over calls at `minutes` after T0; returns what went on (line numbers) and what was rejected. */
function run(minutes: number[]) {
  const passed: number[] = [];
  const rejected: number[] = [];
  const f = new LoneJumpFilter(2 * MIN, (_e, line) => passed.push(line), (line) => rejected.push(line));
  minutes.forEach((m, i) => f.push(call(T0 + m * MIN), i + 1));
  f.finish();
  return { passed, rejected };
}

describe('LoneJumpFilter', () => {
  it('skips a lone call dated far ahead of the calls before and after it (a probe clock a year fast)', () => {
    expect(run([0, 1, 2, 525_600, 3, 4])).toEqual({ passed: [1, 2, 3, 5, 6], rejected: [4] });
  });

  it('lets a gap in the traffic through: the call after the jump is near it', () => {
    expect(run([0, 1, 600, 601, 602])).toEqual({ passed: [1, 2, 3, 4, 5], rejected: [] });
  });

  it('lets through calls within the lateness of each other, in any order', () => {
    expect(run([0, 2, 1, 3, 4.5, 3.5])).toEqual({ passed: [1, 2, 3, 4, 5, 6], rejected: [] });
  });

  it('lets the last call through even when it is far ahead (nothing after it says it was wrong)', () => {
    expect(run([0, 1, 900])).toEqual({ passed: [1, 2, 3], rejected: [] });
  });

  it('takes two calls in a row far ahead as the file moving on', () => {
    expect(run([0, 1, 900, 901, 2])).toEqual({ passed: [1, 2, 3, 4, 5], rejected: [] });
  });
});
