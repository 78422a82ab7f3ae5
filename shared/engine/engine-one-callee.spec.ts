/**
 * CALL_BOMBING and REJECTION_REPEAT at one callee are one behaviour: one
 * person rung again and again, and rejecting it. They label the caller
 * (LABEL) but are not two rules towards BLOCK_RECOMMENDED; the same two
 * rules drawn from two callees are, and so is one callee's harassment with
 * distinct reporters' complaints.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine, restoreEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, atLeast, flagsOf, maxSeverity, mobile, play, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const CALLER = mobile(811, '139');

/** `n` attempts at `callee` every `everyMin` minutes from `start`, each rejected. */
function rejectedRun(tr: Traffic, start: number, callee: string, n: number, everyMin: number): void {
  for (let i = 0; i < n; i++) tr.rejected(start + i * everyMin * MIN, CALLER, callee);
}

function flagsFor(tr: Traffic) {
  return flagsOf(play(engine(), tr.inputs()).flags, CALLER);
}

describe('bombing and refusal at one callee', () => {
  it('a parent with no contact on record ringing a child 12 times in 45 minutes, all rejected, is labelled but not recommended for blocking', () => {
    const tr = new Traffic();
    rejectedRun(tr, T0, stranger(1, '152'), 12, 4);
    const flags = flagsFor(tr);
    expect(withRule(flags, 'REJECTION_REPEAT')).not.toEqual([]);
    expect(maxSeverity(flags)).toBe('LABEL');
  });

  it('a customer ringing a shop 8 times in 20 minutes, rejected at every other call, stays a LABEL', () => {
    const tr = new Traffic();
    const shop = stranger(2, '152');
    for (let i = 0; i < 8; i++) {
      if (i % 2 === 0) tr.rejected(T0 + i * 150 * SEC, CALLER, shop);
      else tr.noAnswer(T0 + i * 150 * SEC, CALLER, shop, { ringMs: 25 * SEC });
    }
    expect(maxSeverity(flagsFor(tr))).toBe('LABEL');
  });

  it('the same two rules from two callees (one bombed, another rejecting repeats) are BLOCK_RECOMMENDED', () => {
    const tr = new Traffic();
    const bombed = stranger(3, '152');
    const refusing = stranger(4, '152');
    for (let i = 0; i < 12; i++) tr.noAnswer(T0 + i * 4 * MIN, CALLER, bombed, { ringMs: 25 * SEC });
    rejectedRun(tr, T0 + 2 * MIN, refusing, 6, 8);
    const flags = flagsFor(tr);
    expect(maxSeverity(flags)).toBe('BLOCK_RECOMMENDED');
    const block = atLeast(flags, 'BLOCK_RECOMMENDED')[0];
    expect(block.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['CALL_BOMBING', 'REJECTION_REPEAT']));
  });

  it('a refusal at another callee within the memory makes the bombing a second behaviour: BLOCK_RECOMMENDED once both rules speak', () => {
    const tr = new Traffic();
    // Yesterday: one callee rejected the caller, who tried 7 more times over the afternoon.
    rejectedRun(tr, T0 - DAY, stranger(5, '152'), 8, 40);
    // Today: another callee rejected, then rung 8 more times within 32 minutes.
    rejectedRun(tr, T0, stranger(6, '152'), 9, 4);
    const flags = flagsFor(tr);
    const block = atLeast(flags, 'BLOCK_RECOMMENDED');
    // The eighth attempt at today's callee (T0 + 28 min) is CALL_BOMBING's first.
    expect(block.map((f) => f.detectedAt)).toEqual([T0 + 28 * MIN]);
    expect(block[0].reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['CALL_BOMBING', 'REJECTION_REPEAT']));
  });

  it('two victims rung alternately, both rejecting, are BLOCK_RECOMMENDED though neither run is the other\'s', () => {
    const tr = new Traffic();
    for (let i = 0; i < 12; i++) {
      tr.rejected(T0 + i * 4 * MIN, CALLER, stranger(8, '152'));
      tr.rejected(T0 + i * 4 * MIN + 30 * SEC, CALLER, stranger(9, '152'));
    }
    expect(maxSeverity(flagsFor(tr))).toBe('BLOCK_RECOMMENDED');
  });

  it('a second victim a little less rung, also rejecting, is a second behaviour: BLOCK_RECOMMENDED', () => {
    const tr = new Traffic();
    for (let i = 0; i < 12; i++) tr.rejected(T0 + i * 4 * MIN, CALLER, stranger(10, '152'));
    for (let i = 0; i < 10; i++) tr.rejected(T0 + i * 4 * MIN + 30 * SEC, CALLER, stranger(11, '152'));
    expect(maxSeverity(flagsFor(tr))).toBe('BLOCK_RECOMMENDED');
  });

  it('one callee\'s harassment with complaints from three distinct reporters is BLOCK_RECOMMENDED', () => {
    const tr = new Traffic();
    // Three people the caller rang yesterday, each once, complain today.
    for (let r = 0; r < 3; r++) tr.noAnswer(T0 - DAY + r * MIN, CALLER, stranger(20 + r, '153'));
    rejectedRun(tr, T0, stranger(7, '152'), 12, 4);
    for (let r = 0; r < 3; r++) tr.complaint(T0 + (50 + r) * MIN, stranger(20 + r, '153'), CALLER);
    // The complaints are judged at the caller's next call.
    tr.noAnswer(T0 + 55 * MIN, CALLER, stranger(30, '153'));
    expect(maxSeverity(flagsFor(tr))).toBe('BLOCK_RECOMMENDED');
  });

  it('one callee stays one behaviour whatever the pace and pick-ups: slowing down, a short pick-up, a new refusal after a talk', () => {
    const child = stranger(12, '152');
    // Slowing down: one more rejected call 70 min after the first, the bombing estimate decayed below its peak.
    const slower = new Traffic();
    rejectedRun(slower, T0, child, 12, 4);
    slower.rejected(T0 + 70 * MIN, CALLER, child);
    // A 5-s pick-up to say "stop": a repeat that also closes the refusal.
    const pickUp = new Traffic();
    rejectedRun(pickUp, T0, child, 10, 4);
    pickUp.answered(T0 + 40 * MIN, CALLER, child, 5);
    for (let i = 1; i <= 3; i++) pickUp.noAnswer(T0 + (40 + 3 * i) * MIN, CALLER, child);
    // Yesterday a long refusal and one talk; today a new, shorter refusal at the same callee, bombed.
    const again = new Traffic();
    rejectedRun(again, T0 - DAY, child, 11, 40);
    again.answered(T0 - DAY + 8 * 60 * MIN, CALLER, child, 60);
    rejectedRun(again, T0, child, 12, 4);
    for (const tr of [slower, pickUp, again]) {
      const flags = flagsFor(tr);
      expect(withRule(flags, 'REJECTION_REPEAT')).not.toEqual([]);
      expect(maxSeverity(flags)).toBe('LABEL');
    }
  });

  it('a callee bombed within the hour as hard as the refused one, without refusing, is a second behaviour', () => {
    const tr = new Traffic();
    rejectedRun(tr, T0, stranger(13, '152'), 12, 4);
    for (let i = 0; i < 12; i++) tr.noAnswer(T0 + 50 * MIN + i * 2 * MIN, CALLER, stranger(14, '152'));
    expect(maxSeverity(flagsFor(tr))).toBe('BLOCK_RECOMMENDED');
  });

  it('keeps whose runs they are across a snapshot: a restored engine reads one callee as one behaviour', () => {
    const child = stranger(15, '152');
    const before = new Traffic('one-callee-before');
    rejectedRun(before, T0, child, 6, 4);
    const first = engine();
    const earlier = flagsOf(play(first, before.inputs()).flags, CALLER);
    const after = new Traffic('one-callee-after');
    rejectedRun(after, T0 + 24 * MIN, child, 6, 4);
    const restored = restoreEngine(defaultConfig(), first.snapshot(), { now: () => 0 });
    const flags = [...earlier, ...flagsOf(play(restored, after.inputs()).flags, CALLER)];
    expect(withRule(flags, 'REJECTION_REPEAT')).not.toEqual([]);
    expect(maxSeverity(flags)).toBe('LABEL');
  });

  it('another callee\'s refusal counts for its own memory only: not once it is past 7 days, however often the holder renews its run', () => {
    const a = stranger(16, '152');
    const b = stranger(17, '152');
    // b refuses on day 0 (a run of grade); a on day 6, becoming the holder; a is bombed on day 12, b's run 12 days old.
    const weekLater = new Traffic();
    rejectedRun(weekLater, T0, b, 3, 30);
    rejectedRun(weekLater, T0 + 6 * DAY, a, 4, 30);
    rejectedRun(weekLater, T0 + 12 * DAY, a, 12, 4);
    // b refuses on day 0, a the same day and then twice every 5 days (each renewing its run); a is bombed on day 36.
    const renewed = new Traffic();
    rejectedRun(renewed, T0, b, 3, 30);
    rejectedRun(renewed, T0 + 3 * HOUR, a, 4, 30);
    for (let d = 5; d <= 35; d += 5) rejectedRun(renewed, T0 + d * DAY, a, 2, 60);
    rejectedRun(renewed, T0 + 36 * DAY, a, 12, 4);
    for (const [tr, from] of [[weekLater, 12], [renewed, 36]] as const) {
      const late = flagsFor(tr).filter((f) => f.detectedAt >= T0 + from * DAY);
      expect(late).not.toEqual([]);
      expect(maxSeverity(late)).toBe('LABEL');
    }
  });

  it('another callee\'s refusal within its memory counts after the holder\'s run has aged out and begun again', () => {
    const a = stranger(18, '152');
    const b = stranger(19, '152');
    const tr = new Traffic();
    rejectedRun(tr, T0, a, 11, 20);
    rejectedRun(tr, T0 + 5 * DAY, b, 4, 30);
    // a's run of day 0 has aged out; a refuses again and is bombed, b's run 2.5 days old.
    rejectedRun(tr, T0 + 7 * DAY + 12 * HOUR, a, 12, 4);
    expect(maxSeverity(flagsFor(tr).filter((f) => f.detectedAt >= T0 + 7 * DAY))).toBe('BLOCK_RECOMMENDED');
  });
});
