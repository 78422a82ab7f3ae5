/**
 * The re-flag policy (no flood of identical flags) and deterministic flag ids.
 */
import { describe, expect, it } from 'vitest';
import type { Severity } from '../contracts/records.ts';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, mobile, play, rng, stranger, type Input } from './testing/calls.ts';

const RANK: Record<Severity, number> = { WATCH: 1, LABEL: 2, BLOCK_RECOMMENDED: 3 };
const CALLER = mobile(1, '138');

/** A telemarketer working 10:00–20:00 (Asia/Shanghai) for `days` days: strangers every 50 s, ~15% answered. */
function telemarketer(days: number): Input[] {
  const random = rng(21);
  const tr = new Traffic();
  let n = 0;
  for (let d = 0; d < days; d++) {
    for (let t = 0; t < 10 * HOUR; t += 50 * SEC) {
      const at = T0 + d * DAY + t;
      const callee = stranger(n++, '151');
      const r = random();
      if (r < 0.15) tr.answered(at, CALLER, callee, 5 + Math.floor(random() * 20));
      else if (r < 0.3) tr.rejected(at, CALLER, callee);
      else tr.noAnswer(at, CALLER, callee);
    }
  }
  return tr.inputs();
}

const run = (inputs: Input[], now = () => 0) => play(createEngine(defaultConfig(), { now }), inputs).flags;

describe('re-flag policy', () => {
  it('a telemarketer working all day gets one flag per severity, each higher than the last', () => {
    const flags = run(telemarketer(1));
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.length).toBeLessThanOrEqual(3);
    const severities = flags.map((f) => f.severity);
    expect(new Set(severities).size).toBe(severities.length);
    for (let i = 1; i < flags.length; i++) {
      expect(RANK[flags[i].severity]).toBeGreaterThan(RANK[flags[i - 1].severity]);
      expect(flags[i].detectedAt).toBeGreaterThanOrEqual(flags[i - 1].detectedAt);
    }
    expect(severities).toContain('LABEL');
  });

  it('a rise in severity re-flags with a new id', () => {
    // The telemarketer's LABEL (LOW_ANSWER_FANOUT; its volume is context) rises to BLOCK_RECOMMENDED with six reporters' complaints
    // (evidence beyond the background of the strangers it reached, evidenceAlpha; three are only context there, no second rule),
    // six of the strangers it called in its first hours.
    const tr = new Traffic();
    for (let i = 0; i < 6; i++) tr.complaint(T0 + 5 * HOUR + i * 60 * SEC, stranger(10 + 20 * i, '151'), CALLER);
    const at = (i: Input) => (i.kind === 'call' ? i.event.startTime : i.kind === 'complaint' ? i.report.reportTime : i.record.grantedAt);
    const flags = run([...telemarketer(1), ...tr.inputs()].sort((a, b) => at(a) - at(b)));
    expect(flags.map((f) => f.severity)).toEqual(['LABEL', 'BLOCK_RECOMMENDED']);
    expect(new Set(flags.map((f) => f.flagId)).size).toBe(flags.length);
  });

  it('flags again once reflagAfterMs has passed since the last flag: a new evidence window, a new id', () => {
    const flags = run(telemarketer(3));
    const day1 = flags.filter((f) => f.detectedAt < T0 + DAY);
    const later = flags.filter((f) => f.detectedAt >= T0 + DAY);
    expect(later.length).toBeGreaterThan(0);
    const lastDay1 = Math.max(...day1.map((f) => f.detectedAt));
    expect(later[0].detectedAt - lastDay1).toBeGreaterThanOrEqual(defaultConfig().reflagAfterMs);
    const ids = new Set(day1.map((f) => f.flagId));
    for (const f of later) expect(ids.has(f.flagId)).toBe(false);
    // Still no flood: at most one flag per severity in each evidence window.
    expect(flags.length).toBeLessThanOrEqual(9);
    const perDay = (d: number) => flags.filter((f) => f.detectedAt >= T0 + d * DAY && f.detectedAt < T0 + (d + 1) * DAY).map((f) => f.severity);
    for (let d = 0; d < 3; d++) expect(new Set(perDay(d)).size).toBe(perDay(d).length);
  });

  it('a number flagged by one rule is not re-flagged at the same severity when a second rule fires at it', () => {
    const victim = stranger(1);
    // Call bombing gives a LABEL; three complaints two hours later are a LABEL on their own (the bombing has faded by then).
    const complaints = (tr: Traffic) => {
      for (let i = 0; i < 3; i++) tr.complaint(T0 + 2 * HOUR + i * 60 * SEC, stranger(10 + i), CALLER);
    };
    const alone = new Traffic();
    complaints(alone);
    expect(run(alone.inputs()).map((f) => [f.severity, f.reasons.map((r) => r.rule)])).toEqual([
      ['WATCH', ['COMPLAINTS']],
      ['LABEL', ['COMPLAINTS']],
    ]);
    const tr = new Traffic();
    for (let i = 0; i < 10; i++) tr.noAnswer(T0 + i * 150 * SEC, CALLER, victim);
    complaints(tr);
    const flags = run(tr.inputs());
    // One LABEL, the bombing's: neither the later attempts nor the complaints' LABEL flag the number again.
    expect(flags.map((f) => [f.severity, f.reasons.map((r) => r.rule)])).toEqual([['LABEL', ['CALL_BOMBING']]]);
  });
});

describe('flagId', () => {
  it('is deterministic: two runs over the same input give the same flags and ids', () => {
    const inputs = telemarketer(2);
    const a = run(inputs);
    const b = run(inputs);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('does not depend on the wall clock', () => {
    const inputs = telemarketer(1);
    const a = run(inputs, () => 1);
    const b = run(inputs, () => Date.now());
    expect(b.map((f) => f.flagId)).toEqual(a.map((f) => f.flagId));
    expect(b.map((f) => f.emittedAt)).not.toEqual(a.map((f) => f.emittedAt));
  });

  it('differs between two episodes whose evidence windows start at the same minute', () => {
    // A REJECTION_REPEAT WATCH (7-day window) and, 23 days later, a COMPLAINTS WATCH (30-day window): both windows
    // start 30 days before the second flag. Two flags, two ids (they shared one when the id named the window start).
    const tr = new Traffic();
    const victim = stranger(1);
    const t1 = T0;
    tr.rejected(t1, CALLER, victim);
    tr.noAnswer(t1 + 60 * SEC, CALLER, victim);
    tr.noAnswer(t1 + 120 * SEC, CALLER, victim);
    const t2 = t1 + 120 * SEC + 23 * DAY;
    tr.complaint(t2 - 30 * SEC, mobile(1, '137'), CALLER);
    tr.complaint(t2, mobile(2, '137'), CALLER);
    const flags = run(tr.inputs());
    expect(flags.map((f) => f.reasons.map((r) => r.rule).join('+'))).toEqual(['REJECTION_REPEAT', 'COMPLAINTS']);
    expect(Math.floor(flags[0].windowStart / 60_000)).toBe(Math.floor(flags[1].windowStart / 60_000));
    expect(flags[0].severity).toBe(flags[1].severity);
    expect(flags[1].flagId).not.toBe(flags[0].flagId);
  });

  it('differs between numbers with the same behaviour', () => {
    const tr = new Traffic();
    for (const caller of [mobile(1, '138'), mobile(2, '138')]) for (let i = 0; i < 10; i++) tr.noAnswer(T0 + i * 150 * SEC, caller, stranger(1));
    const flags = run(tr.inputs());
    expect(flags).toHaveLength(2);
    expect(flags[0].flagId).not.toBe(flags[1].flagId);
  });
});

describe('evidence that is remembered for days', () => {
  /** Three reporters on day 0; then, each day, eight strangers who all answer and talk (nothing call-based fires). */
  function complainedThenOrdinary(extra: (tr: Traffic) => void = () => {}): Input[] {
    const tr = new Traffic();
    for (let i = 0; i < 3; i++) tr.complaint(T0 + i * MIN, stranger(900 + i, '137'), CALLER);
    let n = 0;
    for (let d = 1; d <= 12; d++) for (let i = 0; i < 8; i++) tr.answered(T0 + d * DAY + i * 5 * MIN, CALLER, stranger(++n), 120);
    extra(tr);
    return tr.inputs();
  }

  it('the same complaints do not make a new flag every day of their 30-day window', () => {
    const flags = run(complainedThenOrdinary());
    expect(flags.map((f) => f.severity)).toEqual(['WATCH', 'LABEL']);
    expect(flags.every((f) => f.detectedAt < T0 + DAY)).toBe(true);
  });

  it('a new complaint days later is new evidence: flagged again', () => {
    const flags = run(complainedThenOrdinary((tr) => tr.complaint(T0 + 5 * DAY, stranger(950, '137'), CALLER)));
    expect(flags.map((f) => f.severity)).toEqual(['WATCH', 'LABEL', 'LABEL']);
    expect(flags[2].detectedAt).toBe(T0 + 5 * DAY);
    expect(flags[2].flagId).not.toBe(flags[1].flagId);
  });

  it('the same repeats after a refusal do not make a new flag every day of their 7-day memory', () => {
    const tr = new Traffic();
    const victim = stranger(1);
    tr.rejected(T0, CALLER, victim);
    for (let i = 1; i <= 3; i++) tr.noAnswer(T0 + i * 10 * MIN, CALLER, victim);
    let n = 0;
    for (let d = 1; d <= 6; d++) for (let i = 0; i < 8; i++) tr.answered(T0 + d * DAY + i * 5 * MIN, CALLER, stranger(100 + ++n), 120);
    expect(run(tr.inputs()).map((f) => f.severity)).toEqual(['WATCH', 'LABEL']);
  });

  it('a configured window is the reason\'s window and the flag\'s span: complaints over 90 days', () => {
    const cfg = defaultConfig();
    cfg.rules.complaints.windowMs = 90 * DAY;
    const tr = new Traffic();
    for (const [i, day] of [0, 40, 80].entries()) tr.complaint(T0 + day * DAY, stranger(900 + i, '137'), CALLER);
    const flags = play(createEngine(cfg, { now: () => 0 }), tr.inputs()).flags;
    const label = flags.find((f) => f.severity === 'LABEL')!;
    expect(label.reasons).toEqual([{ rule: 'COMPLAINTS', window: '90d', value: 3, threshold: 2 }]);
    expect(label.windowStart).toBe(label.detectedAt - 90 * DAY);
    expect(label.windowStart).toBeLessThanOrEqual(T0);
  });
});
