/**
 * CALL_BOMBING counts attempts the callee did not want: a run whose every
 * attempt the callee took (answered) is the callee accepting the calls, not
 * bombing. A probe's telemetry SIM, reporting to two monitoring numbers every
 * 6 minutes, each report auto-answered in 3 s, was labelled CALL_BOMBING: the
 * pair never becomes acquainted (talks under acquaintanceTalkSec, no callback).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts';
import { PAIR_TAKEN_CUR, PAIR_TAKEN_PREV } from './state/pair-cache.ts';
import { createEngine, restoreEngine } from './index.ts';
import { MIN, SEC, T0, Traffic, mobile, play } from './testing/calls.ts';

const SIM = mobile(5, '144');
const CENTRES = ['+861095500001', '+862195500002'] as const;
const VICTIM = mobile(7, '158');

function rules(flags: { reasons: { rule: string }[] }[]): string[] {
  return [...new Set(flags.flatMap((f) => f.reasons.map((r) => r.rule)))].sort();
}

/** A report to each centre every 6 minutes for `hours`, auto-answered after 1 s of ringing, 3 s on the line. */
function telemetry(tr: Traffic, hours: number): void {
  for (let i = 0; i < hours * 10; i++) {
    for (const [k, centre] of CENTRES.entries()) tr.call(T0 + i * 6 * MIN + k * 20 * SEC, SIM, centre, { ringMs: SEC, talkMs: 3 * SEC });
  }
}

describe('call bombing and calls the callee took', () => {
  it('a telemetry SIM whose every report is auto-answered is not call bombing, all day long', () => {
    const tr = new Traffic();
    telemetry(tr, 24);
    expect(rules(play(createEngine(defaultConfig()), tr.inputs()).flags)).not.toContain('CALL_BOMBING');
  });

  it('one untaken attempt in the run makes it bombing again: a victim who answers a few times to tell the caller off', () => {
    const tr = new Traffic();
    for (let i = 0; i < 8; i++) {
      if (i === 5) tr.rejected(T0 + i * 5 * MIN, SIM, VICTIM);
      else tr.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    }
    const { flags } = play(createEngine(defaultConfig()), tr.inputs());
    expect(flags.find((f) => f.reasons.some((r) => r.rule === 'CALL_BOMBING'))?.evidence.bombingAttempts).toBe(8);
  });

  it("an untaken attempt of the previous window counts while that window still adds an attempt to the run", () => {
    // Four attempts, the first rejected, then the window (1 h from the first) ends; five more, all answered, at once.
    const tr = new Traffic();
    tr.rejected(T0, SIM, VICTIM);
    for (let i = 1; i < 4; i++) tr.answered(T0 + 45 * MIN + i * MIN, SIM, VICTIM, 3);
    for (let i = 0; i < 5; i++) tr.answered(T0 + 60 * MIN + i * MIN, SIM, VICTIM, 3);
    expect(rules(play(createEngine(defaultConfig()), tr.inputs()).flags)).toContain('CALL_BOMBING');
    // The same with every attempt answered: no bombing.
    const taken = new Traffic();
    taken.answered(T0, SIM, VICTIM, 3);
    for (let i = 1; i < 4; i++) taken.answered(T0 + 45 * MIN + i * MIN, SIM, VICTIM, 3);
    for (let i = 0; i < 5; i++) taken.answered(T0 + 60 * MIN + i * MIN, SIM, VICTIM, 3);
    expect(rules(play(createEngine(defaultConfig()), taken.inputs()).flags)).not.toContain('CALL_BOMBING');
  });

  it('a rejection more than an hour before the run, alone in its window, makes no bombing of the answered attempts after it', () => {
    // One rejection at T0 (its window's only attempt), then eight answered attempts 61–96 min later: the previous
    // window adds under one attempt to their run.
    const tr = new Traffic();
    tr.rejected(T0, SIM, VICTIM);
    for (let i = 0; i < 8; i++) tr.answered(T0 + 61 * MIN + i * 5 * MIN, SIM, VICTIM, 3);
    expect(rules(play(createEngine(defaultConfig()), tr.inputs()).flags)).not.toContain('CALL_BOMBING');
  });

  it("forgets a dropped previous window's untaken attempt: a run after a gap of over an hour is judged on its own", () => {
    const tr = new Traffic();
    for (let i = 0; i < 8; i++) tr.noAnswer(T0 + i * 5 * MIN, SIM, VICTIM); // bombing at T0
    for (let i = 0; i < 10; i++) tr.answered(T0 + 3 * 3_600_000 + i * 5 * MIN, SIM, mobile(8, '158'), 3);
    // A second window at the first victim, 3 h later, all answered: its previous window (T0's) was dropped.
    for (let i = 0; i < 10; i++) tr.answered(T0 + 3 * 3_600_000 + i * 5 * MIN + 30 * SEC, SIM, VICTIM, 3);
    const flags = play(createEngine(defaultConfig()), tr.inputs()).flags;
    const bombingAt = flags.filter((f) => f.reasons.some((r) => r.rule === 'CALL_BOMBING')).map((f) => f.detectedAt);
    expect(bombingAt.length).toBeGreaterThan(0);
    expect(Math.max(...bombingAt)).toBeLessThan(T0 + 3_600_000);
  });

  it('a late untaken attempt counts in the previous window it belongs to', () => {
    // Six answered attempts in the window from T0; a rejection at T0+59 min arrives 90 s late, after the window of
    // T0+60 min has begun with an answered attempt. The run at T0+62 min (8 within the hour) has an untaken attempt.
    const late = new Traffic();
    for (let i = 0; i < 6; i++) late.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    late.answered(T0 + 60 * MIN, SIM, VICTIM, 3);
    late.rejected(T0 + 59 * MIN, SIM, VICTIM, { delayMs: 90 * SEC });
    late.answered(T0 + 62 * MIN, SIM, VICTIM, 3);
    expect(rules(play(createEngine(defaultConfig()), late.inputs()).flags)).toContain('CALL_BOMBING');
    // Without the rejection every attempt of the run was taken.
    const taken = new Traffic();
    for (let i = 0; i < 6; i++) taken.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    taken.answered(T0 + 60 * MIN, SIM, VICTIM, 3);
    taken.answered(T0 + 59 * MIN, SIM, VICTIM, 3, { delayMs: 90 * SEC });
    taken.answered(T0 + 62 * MIN, SIM, VICTIM, 3);
    expect(rules(play(createEngine(defaultConfig()), taken.inputs()).flags)).not.toContain('CALL_BOMBING');
  });

  it('a snapshot of the earlier layout (no bits for taken attempts) is read as it was then: the run keeps counting', () => {
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
    const before = new Traffic('v5');
    for (let i = 0; i < 6; i++) before.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    const e = createEngine(config);
    expect(play(e, before.inputs()).flags).toEqual([]);
    const snap = e.snapshot();
    const after = new Traffic('v5-after');
    for (let i = 6; i < 8; i++) after.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    // As written today: every attempt answered, so no bombing.
    expect(rules(play(restoreEngine(config, snap), after.inputs()).flags)).not.toContain('CALL_BOMBING');
    // As the earlier layout wrote it (the same bytes without the two bits), whose engine counted every run.
    const earlier = decodeSnapshot(snap) as any;
    const records: Uint8Array = earlier.pairs.records;
    for (let r = 0; r < records.length; r += 32) records[r + 31] &= ~(PAIR_TAKEN_CUR | PAIR_TAKEN_PREV);
    expect(rules(play(restoreEngine(config, encodeSnapshot(earlier)), after.inputs()).flags)).toContain('CALL_BOMBING');
  });
});
