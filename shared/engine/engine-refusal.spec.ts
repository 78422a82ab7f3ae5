/**
 * What counts as calling again after an explicit refusal (REJECTION_REPEAT):
 * an attempt the callee picks up for a real conversation (acquaintanceTalkSec,
 * 30 s) is no repeat against its will; a pick-up to hang up at once, or to
 * tell the caller off, is.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { MIN, T0, Traffic, atLeast, flagsOf, mobile, play, stranger, withRule } from './testing/calls.ts';

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
