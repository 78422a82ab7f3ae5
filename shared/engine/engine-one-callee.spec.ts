/**
 * CALL_BOMBING and REJECTION_REPEAT at one callee are one behaviour: one
 * person rung again and again, and rejecting it. They label the caller
 * (LABEL) but are not two rules towards BLOCK_RECOMMENDED; the same two
 * rules drawn from two callees are, and so is one callee's harassment with
 * distinct reporters' complaints.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, MIN, SEC, T0, Traffic, atLeast, flagsOf, maxSeverity, mobile, play, stranger, withRule } from './testing/calls.ts';

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

  it('a refusal at another callee that catches up with the bombed one\'s lifts the caller to BLOCK_RECOMMENDED', () => {
    const tr = new Traffic();
    const earlier = stranger(5, '152');
    const bombed = stranger(6, '152');
    // Yesterday: one callee rejected the caller, who tried 7 more times over the afternoon.
    rejectedRun(tr, T0 - DAY, earlier, 8, 40);
    // Today: another callee rejected, then rung 8 more times within 32 minutes (bombing and refusal at one callee).
    rejectedRun(tr, T0, bombed, 9, 4);
    const tie = T0 + 40 * MIN;
    // Yesterday's callee rung once more: its refusal run equals today's (8); the bombing is still today's callee's.
    tr.noAnswer(tie, CALLER, earlier, { ringMs: 25 * SEC });
    const flags = flagsFor(tr);
    const block = atLeast(flags, 'BLOCK_RECOMMENDED');
    expect(block.map((f) => f.detectedAt)).toEqual([tie]);
    expect(block[0].reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['CALL_BOMBING', 'REJECTION_REPEAT']));
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
});
