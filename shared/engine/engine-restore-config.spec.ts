/**
 * What a restored engine takes from its own config and its caller rather than from the snapshot: whether a
 * tracked number is a marketing line (`marketingLines`, re-derived at restore) and, through `setAllowlist`,
 * the allowlist. The detector rebuilds its engines from snapshots when a live config changes, and restores
 * them at a restart or rebalance, possibly with another config and another allowlist.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import type { EngineConfig } from '../config/schema.ts';
import { createEngine, restoreEngine } from './index.ts';
import { MIN, T0, Traffic, atLeast, mobile, play, stranger, withRule } from './testing/calls.ts';

/** A clinic's mobile line: a marketing line only when configured as one. */
const LINE = mobile(12345678);
const withLines = (lines: string[]): EngineConfig => ({ ...defaultConfig(), marketingLines: lines });

/** The line's answered, minute-long calls to customers `from..from+n`, ten minutes apart. */
function lineCalls(from: number, n: number): Traffic {
  const tr = new Traffic();
  for (let i = from; i < from + n; i++) tr.answered(T0 + i * 10 * MIN, LINE, stranger(i), 60);
  return tr;
}

/** Plays calls 0..2 into an engine with `before`, restores its snapshot into one with `after`, plays calls 2..10. */
function acrossRestore(before: EngineConfig, after: EngineConfig) {
  const first = createEngine(before);
  const early = play(first, lineCalls(0, 2).inputs()).flags;
  const restored = restoreEngine(after, first.snapshot());
  return { early, late: play(restored, lineCalls(2, 8).inputs()).flags };
}

describe('a restored engine judges tracked numbers by its own marketingLines', () => {
  it('a line removed from marketingLines is no longer judged as a marketing line (no NO_CONSENT)', () => {
    const { early, late } = acrossRestore(withLines([LINE]), withLines([]));
    expect(early).toEqual([]);
    expect(withRule(late, 'NO_CONSENT')).toEqual([]);
    // As an engine that never had the line listed.
    const ref = createEngine(withLines([]));
    play(ref, lineCalls(0, 2).inputs());
    expect(play(ref, lineCalls(2, 8).inputs()).flags).toEqual(late);
  });

  it('a line added to marketingLines is judged as one, counting its calls from the restore', () => {
    const { early, late } = acrossRestore(withLines([]), withLines([LINE]));
    expect(early).toEqual([]);
    const label = atLeast(withRule(late, 'NO_CONSENT'), 'LABEL');
    // Its calls before the restore were not marketing calls: the fifth after it is the LABEL.
    expect(label[0]?.detectedAt).toBe(T0 + 6 * 10 * MIN);
    expect(label[0].reasons).toContainEqual({ rule: 'NO_CONSENT', window: '24h', value: 5, threshold: 5 });
  });

  it('a number with consent registrations keeps them through the re-derivation (its consented calls stay non-stranger calls)', () => {
    // A sales rep's mobile with consent from forty customers, calling them unanswered: consented, never a stranger.
    const rep = mobile(4242, '136');
    const customers = Array.from({ length: 40 }, (_, i) => stranger(i, '150'));
    const run = (from: number, to: number) => {
      const tr = new Traffic();
      for (let i = from; i < to; i++) tr.noAnswer(T0 + i * 2 * MIN, rep, customers[i]);
      return tr.inputs();
    };
    const first = createEngine(defaultConfig());
    for (const c of customers) first.onConsent({ caller: rep, callee: c, grantedAt: T0 - MIN, revokedAt: null });
    expect(play(first, run(0, 10)).flags).toEqual([]);
    const restored = restoreEngine(withLines([mobile(1)]), first.snapshot());
    expect(play(restored, run(10, 40)).flags).toEqual([]);
    // The same calls without the consents are flagged: the consents are what keeps the rep unflagged.
    const bare = createEngine(defaultConfig());
    expect(play(bare, run(0, 40)).flags).not.toEqual([]);
  });
});

describe('the allowlist across a restore', () => {
  const X = mobile(9000, '170');
  /** Forty unanswered calls to consecutive numbers: flagged unless allowlisted. */
  const nuisance = (from: number) => {
    const tr = new Traffic();
    for (let i = from; i < from + 40; i++) tr.noAnswer(T0 + i * MIN, X, mobile(5000 + i));
    return tr.inputs();
  };

  it('a snapshot restores the allowlist it was taken with (the engine API: a snapshot is the whole state)', () => {
    const first = createEngine(defaultConfig());
    first.allow(X);
    expect(play(first, nuisance(0)).flags).toEqual([]);
    expect(play(restoreEngine(defaultConfig(), first.snapshot()), nuisance(100)).flags).toEqual([]);
  });

  it('setAllowlist replaces the restored allowlist: a number left out is judged again', () => {
    const first = createEngine(defaultConfig());
    first.allow(X);
    expect(play(first, nuisance(0)).flags).toEqual([]);
    const restored = restoreEngine(defaultConfig(), first.snapshot());
    restored.setAllowlist(['+862088886666']);
    expect(play(restored, nuisance(100)).flags.map((f) => f.number)).toContain(X);
  });

  it('setAllowlist takes numbers in any form and ignores ones that do not normalise', () => {
    const e = createEngine(defaultConfig());
    e.setAllowlist([X.replace('+86', '0086'), 'not-a-number']);
    expect(play(e, nuisance(0)).flags).toEqual([]);
  });
});
