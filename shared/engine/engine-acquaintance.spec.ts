/**
 * Harassment versus relationships: repeated calls after an explicit
 * rejection, the acquaintance exemption, quarrels and complaints.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine, restoreEngine } from './index.ts';
import { DAY, HOUR, MIN, T0, Traffic, atLeast, flagsOf, mobile, play, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const CALLER = mobile(1, '138');
const CALLEE = stranger(1);
/** Real conversations that make two numbers acquainted (2 by default). */
const TALKS = defaultConfig().acquaintanceTalks;

/** `n` answered calls of `talkSec` from `a` to `b`, a day apart, before T0 + 1 day. */
function conversations(tr: Traffic, a: string, b: string, talkSec: number, n = TALKS): void {
  for (let i = 0; i < n; i++) tr.answered(T0 - i * DAY, a, b, talkSec);
}

/** CALLEE rejects CALLER at T0 + 1 day; CALLER then tries `repeats` more times, ten minutes apart. */
function harass(tr: Traffic, repeats: number): void {
  tr.rejected(T0 + DAY, CALLER, CALLEE);
  for (let i = 1; i <= repeats; i++) tr.noAnswer(T0 + DAY + i * 10 * MIN, CALLER, CALLEE);
}

describe('REJECTION_REPEAT at a stranger', () => {
  it('one polite redial after a rejection gives no flag', () => {
    const tr = new Traffic();
    tr.rejected(T0, CALLER, CALLEE);
    tr.answered(T0 + 10 * MIN, CALLER, CALLEE, 45);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  it('one unanswered redial after a rejection gives no flag either', () => {
    const tr = new Traffic();
    harass(tr, 1);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  it('two repeats are WATCH, the third reaches LABEL, with the reason’s fields', () => {
    const tr = new Traffic();
    harass(tr, 3);
    const flags = play(engine(), tr.inputs()).flags;
    expect(flags.map((f) => f.severity)).toEqual(['WATCH', 'LABEL']);
    const [watch, label] = flags;
    expect(watch.detectedAt).toBe(T0 + DAY + 20 * MIN);
    expect(label.detectedAt).toBe(T0 + DAY + 30 * MIN);
    expect(label.reasons).toContainEqual({ rule: 'REJECTION_REPEAT', window: '7d', value: 3, threshold: 2 });
    expect(label.evidence.rejectionRepeatsMax).toBe(3);
    expect(label.number).toBe(CALLER);
  });

  it('counts repeats days after the rejection (within its memory)', () => {
    const tr = new Traffic();
    tr.rejected(T0, CALLER, CALLEE);
    for (let d = 1; d <= 3; d++) tr.noAnswer(T0 + d * DAY, CALLER, CALLEE);
    expect(atLeast(withRule(play(engine(), tr.inputs()).flags, 'REJECTION_REPEAT'), 'LABEL')).toHaveLength(1);
  });

  it('does not flag the callee who rejected', () => {
    const tr = new Traffic();
    harass(tr, 5);
    expect(flagsOf(play(engine(), tr.inputs()).flags, CALLEE)).toEqual([]);
  });
});

describe('acquaintances are exempt', () => {
  it('a number that called the caller earlier: the same pattern gives no REJECTION_REPEAT, no flag', () => {
    const tr = new Traffic();
    tr.noAnswer(T0, CALLEE, CALLER); // the callee once called the caller
    harass(tr, 5);
    const flags = play(engine(), tr.inputs()).flags;
    expect(withRule(flags, 'REJECTION_REPEAT')).toEqual([]);
    expect(flagsOf(flags, CALLER)).toEqual([]);
  });

  it('a callee who rejected and then called the caller back: the repeats that follow are not harassment', () => {
    const tr = new Traffic();
    tr.rejected(T0 + DAY, CALLER, CALLEE);
    tr.noAnswer(T0 + DAY + 5 * MIN, CALLEE, CALLER); // "sorry, I was in a meeting"
    for (let i = 1; i <= 4; i++) tr.noAnswer(T0 + DAY + (5 + i * 10) * MIN, CALLER, CALLEE);
    const flags = play(engine(), tr.inputs()).flags;
    expect(withRule(flags, 'REJECTION_REPEAT')).toEqual([]);
    expect(flagsOf(flags, CALLER)).toEqual([]);
  });

  it('a number the caller has had real conversations with: no REJECTION_REPEAT, no flag', () => {
    const tr = new Traffic();
    conversations(tr, CALLER, CALLEE, 120);
    harass(tr, 5);
    expect(flagsOf(play(engine(), tr.inputs()).flags, CALLER)).toEqual([]);
  });

  it('conversations of exactly acquaintanceTalkSec (30 s) are real conversations', () => {
    const tr = new Traffic();
    conversations(tr, CALLER, CALLEE, defaultConfig().acquaintanceTalkSec);
    harass(tr, 5);
    expect(flagsOf(play(engine(), tr.inputs()).flags, CALLER)).toEqual([]);
  });

  it('29-second calls are not: the pattern is harassment', () => {
    const tr = new Traffic();
    conversations(tr, CALLER, CALLEE, defaultConfig().acquaintanceTalkSec - 1);
    harass(tr, 5);
    expect(atLeast(withRule(play(engine(), tr.inputs()).flags, 'REJECTION_REPEAT'), 'LABEL')).not.toEqual([]);
  });

  it('one fewer conversation than acquaintanceTalks is not yet a relationship (a stranger answered once)', () => {
    const tr = new Traffic();
    conversations(tr, CALLER, CALLEE, 120, TALKS - 1);
    harass(tr, 5);
    expect(atLeast(withRule(play(engine(), tr.inputs()).flags, 'REJECTION_REPEAT'), 'LABEL')).not.toEqual([]);
  });

  it('an acquaintance is not call-bombed either: twelve rejected calls in an hour to a friend give no flag', () => {
    const tr = new Traffic();
    conversations(tr, CALLER, CALLEE, 300);
    for (let i = 0; i < 12; i++) tr.rejected(T0 + DAY + i * 4 * MIN, CALLER, CALLEE);
    expect(flagsOf(play(engine(), tr.inputs()).flags, CALLER)).toEqual([]);
  });
});

describe('quarrel', () => {
  it('a long-standing contact, repeated rejected calls and exactly one complaint from the contact give no flag', () => {
    const tr = new Traffic();
    const a = mobile(11, '138');
    const b = mobile(12, '139');
    // Two weeks of daily conversations in both directions.
    for (let d = 0; d < 14; d++) {
      tr.answered(T0 + d * DAY, a, b, 180 + d * 7);
      tr.answered(T0 + d * DAY + 9 * HOUR, b, a, 240);
    }
    // The quarrel: a calls b fifteen times in an evening, b rejects every call, then complains once.
    const q = T0 + 14 * DAY + 10 * HOUR;
    for (let i = 0; i < 15; i++) tr.rejected(q + i * 4 * MIN, a, b);
    tr.complaint(q + 2 * HOUR, b, a, { category: 'HARASSMENT' });
    const e = engine();
    const { flags } = play(e, tr.inputs());
    expect(flags).toEqual([]);
    expect(e.stats().complaints).toBe(1);
  });
});

describe('complaints', () => {
  const REPORTED = mobile(21, '138');

  it('one reporter, even reporting several times, gives nothing', () => {
    const tr = new Traffic();
    for (let i = 0; i < 5; i++) tr.complaint(T0 + i * HOUR, stranger(1), REPORTED);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  it('two distinct reporters are WATCH', () => {
    const tr = new Traffic();
    tr.complaint(T0, stranger(1), REPORTED);
    tr.complaint(T0 + HOUR, stranger(2), REPORTED);
    const flags = play(engine(), tr.inputs()).flags;
    expect(flags.map((f) => f.severity)).toEqual(['WATCH']);
  });

  it('three distinct reporters give COMPLAINTS at LABEL, with the evidence', () => {
    const tr = new Traffic();
    for (let i = 1; i <= 3; i++) tr.complaint(T0 + i * HOUR, stranger(i), REPORTED);
    const label = atLeast(play(engine(), tr.inputs()).flags, 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].number).toBe(REPORTED);
    expect(label[0].reasons).toContainEqual({ rule: 'COMPLAINTS', window: '30d', value: 3, threshold: 2 });
    expect(label[0].evidence.distinctReporters).toBe(3);
    expect(label[0].detectedAt).toBe(T0 + 3 * HOUR);
  });

  it('the evidence counts complaints and reporters apart: four from one reporter and one each from two others are 6 complaints, 3 reporters', () => {
    const tr = new Traffic();
    for (let i = 0; i < 4; i++) tr.complaint(T0 + i * MIN, stranger(1), REPORTED);
    tr.complaint(T0 + HOUR, stranger(2), REPORTED);
    tr.complaint(T0 + 2 * HOUR, stranger(3), REPORTED);
    const label = atLeast(play(engine(), tr.inputs()).flags, 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].evidence).toMatchObject({ complaints: 6, distinctReporters: 3 });
    expect(label[0].reasons).toContainEqual({ rule: 'COMPLAINTS', window: '30d', value: 3, threshold: 2 });
  });

  it('complaints from acquaintances count half: three contacts are not enough', () => {
    const tr = new Traffic();
    for (let i = 1; i <= 3; i++) conversations(tr, REPORTED, stranger(i), 120);
    for (let i = 1; i <= 3; i++) tr.complaint(T0 + DAY + i * HOUR, stranger(i), REPORTED);
    expect(withRule(play(engine(), tr.inputs()).flags, 'COMPLAINTS')).toEqual([]);
  });

  it('a complaint delivered after one 35 days later is still judged with the complaint before it, at its own time', () => {
    // Reporters 1 and 2 one day apart (a WATCH); reporter 3 35 days on, but 2's report comes through a slower channel,
    // after 3's: at 3's time 2's has aged out of the 30-day window, so it is judged where it stands.
    const e = engine();
    const report = (reporter: number, at: number) => ({ reportId: `late-${reporter}`, reporter: stranger(reporter), reported: REPORTED, reportTime: at, category: 'MARKETING' as const, channel: 'app' });
    const results = [report(1, T0), report(3, T0 + 36 * DAY), report(2, T0 + DAY)].map((c) => e.onComplaint(c));
    expect(results).toEqual(['accepted', 'accepted', 'accepted']);
    const flags = e.drainFlags();
    expect(flags.map((f) => [f.severity, f.detectedAt])).toEqual([['WATCH', T0 + DAY]]);
    expect(flags[0].reasons.map((r) => r.rule)).toEqual(['COMPLAINTS']);
  });

  it('a contact known only from another partition (noteCallBack) counts half too: it and a stranger are no flag', () => {
    const e = engine();
    const friend = stranger(1);
    e.noteCallBack(REPORTED, friend, T0); // the friend's call to REPORTED was seen by another partition's engine
    const tr = new Traffic();
    tr.complaint(T0 + 2 * HOUR, friend, REPORTED);
    tr.complaint(T0 + 3 * HOUR, stranger(2), REPORTED);
    expect(play(e, tr.inputs()).flags).toEqual([]);
  });

  it('complaints from people the number is not on record as calling weigh a quarter: a shop framed by three rivals is not flagged', () => {
    // A shop rings its regular suppliers every day; three rivals it never called report it.
    const tr = new Traffic();
    for (let d = 0; d < 3; d++) for (let i = 1; i <= 4; i++) tr.answered(T0 + d * DAY + i * HOUR, REPORTED, stranger(100 + i), 90);
    for (let i = 1; i <= 3; i++) tr.complaint(T0 + 2 * DAY + 5 * HOUR + i * MIN, stranger(i), REPORTED);
    expect(withRule(play(engine(), tr.inputs()).flags, 'COMPLAINTS')).toEqual([]);
  });

  it('the same three reporters, each of whom the shop did call once, weigh three: LABEL', () => {
    const tr = new Traffic();
    for (let d = 0; d < 3; d++) for (let i = 1; i <= 4; i++) tr.answered(T0 + d * DAY + i * HOUR, REPORTED, stranger(100 + i), 90);
    for (let i = 1; i <= 3; i++) tr.noAnswer(T0 + 2 * DAY + i * MIN, REPORTED, stranger(i));
    for (let i = 1; i <= 3; i++) tr.complaint(T0 + 2 * DAY + 5 * HOUR + i * MIN, stranger(i), REPORTED);
    const label = atLeast(play(engine(), tr.inputs()).flags, 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].reasons.find((r) => r.rule === 'COMPLAINTS')?.value).toBe(3);
  });

  it('twelve reporters it never called weigh three: LABEL (a quarter each, not nothing: calls before the engine started are not on record)', () => {
    const tr = new Traffic();
    for (let d = 0; d < 3; d++) for (let i = 1; i <= 4; i++) tr.answered(T0 + d * DAY + i * HOUR, REPORTED, stranger(100 + i), 90);
    for (let i = 1; i <= 12; i++) tr.complaint(T0 + 2 * DAY + 5 * HOUR + i * MIN, stranger(i), REPORTED);
    const flags = withRule(play(engine(), tr.inputs()).flags, 'COMPLAINTS');
    // WATCH at the eighth (weight 2), LABEL at the twelfth (weight 3).
    expect(flags.map((f) => [f.severity, f.detectedAt])).toEqual([
      ['WATCH', T0 + 2 * DAY + 5 * HOUR + 8 * MIN],
      ['LABEL', T0 + 2 * DAY + 5 * HOUR + 12 * MIN],
    ]);
    expect(flags[1].reasons.find((r) => r.rule === 'COMPLAINTS')?.value).toBe(3);
  });

  it('restored into a larger pair cache, the people a number called before the restore (pairs given up since) weigh whole', () => {
    const small = { ...defaultConfig(), pairCacheEntries: 1024 };
    const large = { ...defaultConfig(), pairCacheEntries: 1 << 16 };
    /** `n` calls between unrelated numbers, each a new pair, from `at`. */
    const filler = (tr: Traffic, at: number, n: number, base: number) => {
      for (let i = 0; i < n; i++) tr.answered(at + i * 100, mobile(100_000 + base + (i % 500), '139'), stranger(200_000 + base + i, '159'), 40);
    };
    // The shop rings three customers once; a busy network then pushes their pairs out of the full cache.
    const before = new Traffic('before');
    for (let i = 1; i <= 3; i++) before.noAnswer(T0 + i * MIN, REPORTED, stranger(i));
    filler(before, T0 + HOUR, 4000, 0);
    // After the restore (the operator has raised pairCacheEntries): the shop rings its suppliers, the larger cache
    // grows by splits (their ways empty again), and the three customers complain.
    const after = new Traffic('after');
    for (let i = 1; i <= 4; i++) after.answered(T0 + 3 * HOUR + i * MIN, REPORTED, stranger(100 + i), 90);
    filler(after, T0 + 3 * HOUR + 10 * MIN, 2000, 10_000);
    for (let i = 1; i <= 3; i++) after.complaint(T0 + 5 * HOUR + i * MIN, stranger(i), REPORTED);
    const complaints = (flags: ReturnType<typeof play>['flags']) =>
      withRule(flags, 'COMPLAINTS').filter((f) => f.number === REPORTED).map((f) => [f.severity, f.reasons.find((r) => r.rule === 'COMPLAINTS')?.value]);
    const a = createEngine(small, { now: () => 0 });
    play(a, before.inputs());
    const snap = a.snapshot();
    const uninterrupted = complaints(play(a, after.inputs()).flags);
    expect(uninterrupted).toEqual([['WATCH', 2], ['LABEL', 3]]);
    expect(complaints(play(restoreEngine(large, snap, { now: () => 0 }), after.inputs()).flags)).toEqual(uninterrupted);
  });

  it('a number the engine has not seen calling of late: complaints count whole (its calls are not on record to check)', () => {
    const tr = new Traffic();
    for (let i = 1; i <= 4; i++) tr.answered(T0 + i * HOUR, REPORTED, stranger(100 + i), 90);
    // Five days later, three people it is not on record as calling report it.
    for (let i = 1; i <= 3; i++) tr.complaint(T0 + 5 * DAY + i * MIN, stranger(i), REPORTED);
    expect(atLeast(withRule(play(engine(), tr.inputs()).flags, 'COMPLAINTS'), 'LABEL')).toHaveLength(1);
  });

  it('two strangers it called and two contacts together weigh three reporters: LABEL', () => {
    const tr = new Traffic();
    conversations(tr, REPORTED, stranger(3), 120);
    for (let i = 1; i <= 2; i++) tr.noAnswer(T0 + i * HOUR, REPORTED, stranger(i));
    tr.noAnswer(T0 + MIN, stranger(4), REPORTED); // stranger(4) called the reported number first
    for (let i = 1; i <= 4; i++) tr.complaint(T0 + DAY + i * HOUR, stranger(i), REPORTED);
    const label = atLeast(play(engine(), tr.inputs()).flags, 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].reasons.find((r) => r.rule === 'COMPLAINTS')?.value).toBe(3);
  });
});
