/**
 * Queues are not bombing victims. People redial a line that is busy: a
 * hospital's registration line when booking opens, a bank's 95 line, a short
 * code such as 12320. A callee abroad is no queue. A probe's patients auto-redialling an allowlisted
 * hospital line 6–25 times were SWARM_BOMBING (89 % BLOCK_RECOMMENDED with
 * CALL_BOMBING), and one person redialling 12320 was CALL_BOMBING: the
 * allowlist named the hospital as a caller only, and only swarms treated
 * service lines and short codes as queues.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { MIN, SEC, T0, Traffic, mobile, play, stranger } from './testing/calls.ts';

const HOSPITAL = '+862165550000';

function rulesOf(flags: { number: string; reasons: { rule: string }[] }[], number?: string): string[] {
  return [...new Set(flags.filter((f) => number === undefined || f.number === number).flatMap((f) => f.reasons.map((r) => r.rule)))].sort();
}

/** Twelve attempts within an hour from one person at `callee`, each busy or unanswered. */
function redials(tr: Traffic, caller: string, callee: string, at = T0): void {
  for (let i = 0; i < 12; i++) tr.call(at + i * 4 * MIN, caller, callee, { outcome: i % 3 === 0 ? 'NO_ANSWER' : 'BUSY', ringMs: 2 * SEC });
}

/** Forty patients each redialling the hospital 6–9 times in the hour booking opens, busy or unanswered. */
function bookingHour(tr: Traffic): string[] {
  const patients = Array.from({ length: 40 }, (_, k) => stranger(k + 1));
  for (const [k, p] of patients.entries()) {
    for (let i = 0; i < 6 + (k % 4); i++) tr.call(T0 + k * 10 * SEC + i * 5 * MIN, p, HOSPITAL, { outcome: i % 4 === 0 ? 'NO_ANSWER' : 'BUSY', ringMs: 2 * SEC });
  }
  return patients;
}

describe('queues are no bombing victims', () => {
  it('patients redialling an allowlisted hospital line at booking time are neither swarm nor call bombing', () => {
    const allowed = createEngine(defaultConfig());
    allowed.allow(HOSPITAL);
    const tr = new Traffic();
    bookingHour(tr);
    expect(play(allowed, tr.inputs()).flags).toEqual([]);
    // The same crowd at a line the operator has not allowlisted is a swarm on a fixed line: why hospitals are allowlisted.
    expect(rulesOf(play(createEngine(defaultConfig()), tr.inputs()).flags)).toContain('SWARM_BOMBING');
  });

  it('one person redialling a short code or a 95 service line is no call bombing; the same at a mobile is', () => {
    for (const line of ['+8612320', '+8695588']) {
      const tr = new Traffic();
      redials(tr, mobile(9), line);
      expect(rulesOf(play(createEngine(defaultConfig()), tr.inputs()).flags), line).not.toContain('CALL_BOMBING');
    }
    const tr = new Traffic();
    redials(tr, mobile(9), stranger(99));
    expect(rulesOf(play(createEngine(defaultConfig()), tr.inputs()).flags)).toContain('CALL_BOMBING');
  });

  it('a callee abroad is no queue: ringing a Hong Kong or a UK mobile again and again is call bombing', () => {
    for (const abroad of ['+85291234567', '+447700900123']) {
      const tr = new Traffic();
      redials(tr, mobile(9), abroad);
      expect(rulesOf(play(createEngine(defaultConfig()), tr.inputs()).flags), abroad).toContain('CALL_BOMBING');
    }
  });

  it("an allowlisted line is still known busy: its rejection of a patient who redials is the busy line's \"not now\"", () => {
    // Ten patients each find the line busy, then get through two minutes later; one of them is rejected at 20 min
    // and redials four times. A busy line's rejection is "not now" (REJECTION_REPEAT counts from its third).
    const tr = new Traffic();
    const patients = Array.from({ length: 10 }, (_, k) => stranger(k + 1));
    for (const [k, p] of patients.entries()) {
      tr.call(T0 + k * MIN, p, HOSPITAL, { outcome: 'BUSY', ringMs: SEC });
      tr.answered(T0 + k * MIN + 2 * MIN, p, HOSPITAL, 60);
    }
    const x = stranger(77);
    tr.rejected(T0 + 20 * MIN, x, HOSPITAL);
    for (let i = 1; i <= 4; i++) tr.call(T0 + 20 * MIN + i * 3 * MIN, x, HOSPITAL, { outcome: i % 2 ? 'BUSY' : 'NO_ANSWER', ringMs: 2 * SEC });
    expect(play(createEngine(defaultConfig()), tr.inputs()).flags.filter((f) => f.number === x)).toEqual([]);
    const allowed = createEngine(defaultConfig());
    allowed.allow(HOSPITAL);
    expect(play(allowed, tr.inputs()).flags.filter((f) => f.number === x)).toEqual([]);
  });

  it('a line taken off the allowlist is judged from its next callers, not on those who redialled it while allowlisted', () => {
    const e = createEngine(defaultConfig());
    e.allow(HOSPITAL);
    const before = new Traffic('listed');
    const patients = Array.from({ length: 10 }, (_, k) => stranger(k + 1));
    for (const [k, p] of patients.entries()) for (let i = 0; i < 3; i++) before.call(T0 + k * 20 * SEC + i * 4 * MIN, p, HOSPITAL, { outcome: 'BUSY', ringMs: SEC });
    expect(play(e, before.inputs()).flags).toEqual([]);
    e.setAllowlist([]);
    const after = new Traffic('unlisted');
    const late = stranger(50);
    for (let i = 0; i < 2; i++) after.call(T0 + 15 * MIN + i * MIN, late, HOSPITAL, { outcome: 'BUSY', ringMs: SEC });
    expect(play(e, after.inputs()).flags).toEqual([]);
  });

  it('a patient of the allowlisted hospital who then bombs a private mobile is CALL_BOMBING for that alone', () => {
    const e = createEngine(defaultConfig());
    e.allow(HOSPITAL);
    const tr = new Traffic();
    const [patient] = bookingHour(tr);
    redials(tr, patient, stranger(500), T0 + 2 * 3_600_000);
    expect(rulesOf(play(e, tr.inputs()).flags, patient)).toEqual(['CALL_BOMBING']);
  });
});
