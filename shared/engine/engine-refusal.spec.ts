/**
 * What counts as calling again after an explicit refusal (REJECTION_REPEAT):
 * an attempt the callee picks up for a real conversation (acquaintanceTalkSec,
 * 30 s) is no repeat against its will; a pick-up to hang up at once, or to
 * tell the caller off, is.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, T0, Traffic, atLeast, flagsOf, mobile, play, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const CALLEE = mobile(321, '136');
const CALLER = stranger(77, '155');

/** Rejected at T0, two unanswered tries, then a third try answered with `talkSec` of talk. */
function refusedThenAnswered(talkSec: number) {
  const tr = new Traffic();
  tr.rejected(T0, CALLER, CALLEE);
  tr.noAnswer(T0 + 5 * MIN, CALLER, CALLEE);
  tr.noAnswer(T0 + 10 * MIN, CALLER, CALLEE);
  tr.answered(T0 + 15 * MIN, CALLER, CALLEE, talkSec);
  return withRule(flagsOf(play(engine(), tr.inputs()).flags, CALLER), 'REJECTION_REPEAT');
}

describe('REJECTION_REPEAT and the answered repeat', () => {
  it('the try the callee answers and talks through is not the third repeat: WATCH, no LABEL', () => {
    const flags = refusedThenAnswered(60);
    expect(flags.map((f) => f.severity)).toEqual(['WATCH']);
    expect(atLeast(flags, 'LABEL')).toEqual([]);
  });

  it('a pick-up to hang up at once (3 s), or to tell the caller off (20 s), is a third repeat: LABEL', () => {
    expect(atLeast(refusedThenAnswered(3), 'LABEL').length).toBeGreaterThan(0);
    expect(atLeast(refusedThenAnswered(20), 'LABEL').length).toBeGreaterThan(0);
  });
});

describe('a number\'s largest run ages out with its memory', () => {
  it('REJECTION_REPEAT: three repeats on day 0 are not reported again on day 12 because of polite redials on days 6 and 12', () => {
    const tr = new Traffic();
    tr.rejected(T0, CALLER, CALLEE);
    for (let i = 1; i <= 3; i++) tr.noAnswer(T0 + i * 10 * MIN, CALLER, CALLEE);
    for (const [day, n] of [[6, 1], [12, 2]]) {
      tr.rejected(T0 + day * DAY, CALLER, stranger(n, '136'));
      tr.noAnswer(T0 + day * DAY + 10 * MIN, CALLER, stranger(n, '136'));
    }
    const flags = withRule(flagsOf(play(engine(), tr.inputs()).flags, CALLER), 'REJECTION_REPEAT');
    expect(flags.filter((f) => f.detectedAt > T0 + 7 * DAY + HOUR)).toEqual([]);
  });

  it('CALL_BOMBING: a run of eight at one stranger is not reported a day later because of third tries at others', () => {
    const tr = new Traffic();
    for (let i = 0; i < 8; i++) tr.noAnswer(T0 + i * 5 * MIN, CALLER, CALLEE);
    for (let k = 1; k * 50 * MIN < 26 * HOUR; k++) {
      const t = T0 + k * 50 * MIN;
      const customer = stranger(100 + k, '136');
      tr.noAnswer(t, CALLER, customer);
      tr.noAnswer(t + MIN, CALLER, customer);
      tr.answered(t + 2 * MIN, CALLER, customer, 20);
    }
    const flags = withRule(flagsOf(play(engine(), tr.inputs()).flags, CALLER), 'CALL_BOMBING');
    expect(flags.map((f) => f.detectedAt - T0)).toEqual([35 * MIN]);
  });
});
