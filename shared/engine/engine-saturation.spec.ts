/**
 * Counts at the counters' ceiling (65,535 per window, each counter on its
 * own): a rule that needs a share of such a count does not judge it, so a
 * very busy line is not labelled for a share it does not have, while a
 * share the engine can still read is judged as before.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, T0, Traffic, atLeast, flagsOf, play, stranger, withRule } from './testing/calls.ts';

const LINE = '+8613800138001';
const DAY0 = Math.floor(T0 / DAY) * DAY; // 08:00 Asia/Shanghai

/** `n` calls from 08:00 to 21:00 Shanghai (no quiet hours): `ringOnce` tenths of them, evenly spread, cancelled after 3 s, the others answered (15 s) by the same 20,000 strangers. */
function busyDay(n: number, ringOnce: number): Traffic {
  const tr = new Traffic('sat' + n);
  for (let i = 0; i < n; i++) {
    const t = DAY0 + Math.floor((i * 13 * HOUR) / n);
    const callee = stranger(i % 20_000);
    if (Math.floor(((i + 1) * ringOnce) / 10) > Math.floor((i * ringOnce) / 10)) tr.cancelled(t, LINE, callee, 3_000);
    else tr.answered(t, LINE, callee, 15);
  }
  return tr;
}

describe('counts at the counters\' ceiling', () => {
  const engine = () => createEngine(defaultConfig(), { now: () => 0 });

  it('does not label RING_ONCE a line making 140,000 calls a day, 40 % of them ring-once (56,000 of a call count stuck at 65,535)', () => {
    const flags = flagsOf(play(engine(), busyDay(140_000, 4).inputs()).flags, LINE);
    expect(withRule(flags, 'RING_ONCE')).toEqual([]);
    expect(atLeast(flags, 'LABEL')).toEqual([]);
  }, 60_000);

  it('still labels RING_ONCE on the hour when ring-once calls really are most of such a line\'s traffic', () => {
    const flags = flagsOf(play(engine(), busyDay(140_000, 7).inputs()).flags, LINE);
    expect(atLeast(withRule(flags, 'RING_ONCE'), 'LABEL').length).toBeGreaterThan(0);
  }, 60_000);
});
