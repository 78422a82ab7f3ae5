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

  it("an untaken attempt of the previous window counts while that window's share of the run does", () => {
    // Four attempts, the first rejected, then the window (1 h from the first) ends; four more, all answered, at once.
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

  it('a version-5 snapshot taken mid-run is read as version 5 read it: the run keeps counting as bombing', () => {
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
    const before = new Traffic('v5');
    for (let i = 0; i < 6; i++) before.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    const e = createEngine(config);
    expect(play(e, before.inputs()).flags).toEqual([]);
    const snap = e.snapshot();
    const after = new Traffic('v5-after');
    for (let i = 6; i < 8; i++) after.answered(T0 + i * 5 * MIN, SIM, VICTIM, 3);
    // As version 6 wrote it: every attempt answered, so no bombing.
    expect(rules(play(restoreEngine(config, snap), after.inputs()).flags)).not.toContain('CALL_BOMBING');
    // As version 5 wrote it (the same bytes, no bits for untaken attempts): version 5 counted every run.
    const v5 = decodeSnapshot(snap) as any;
    const records: Uint8Array = v5.pairs.records;
    for (let r = 0; r < records.length; r += 32) records[r + 31] &= ~(64 | 128);
    const restored = restoreEngine(config, { ...encodeSnapshot(v5), version: 5 });
    expect(rules(play(restored, after.inputs()).flags)).toContain('CALL_BOMBING');
  });
});
