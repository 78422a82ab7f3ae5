/**
 * Marketing lines and consent, consented call centres, and the allowlist.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, atLeast, flagsOf, mobile, play, rng, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const LINE = '+8695566';
const customers = Array.from({ length: 20 }, (_, i) => stranger(i));

describe('NO_CONSENT', () => {
  it('an unconsented 95 line calling five people is a LABEL', () => {
    const tr = new Traffic();
    for (let i = 0; i < 5; i++) tr.answered(T0 + i * 10 * MIN, LINE, customers[i], 40);
    const flags = play(engine(), tr.inputs()).flags;
    const label = atLeast(withRule(flags, 'NO_CONSENT'), 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].reasons).toContainEqual({ rule: 'NO_CONSENT', window: '24h', value: 5, threshold: 5 });
    expect(label[0].numberClass).toBe('SERVICE_95');
  });

  it('a 400 number is a marketing line too: five unconsented calls are a NO_CONSENT LABEL', () => {
    const line400 = '+864008123456';
    const tr = new Traffic();
    for (let i = 0; i < 5; i++) tr.answered(T0 + i * 10 * MIN, line400, customers[i], 40);
    const label = atLeast(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT'), 'LABEL');
    expect(label).toHaveLength(1);
    expect(label[0].numberClass).toBe('TOLL_FREE_400');
  });

  it('consent granted then revoked: consented calls never count, the same calls after revocation do', () => {
    const tr = new Traffic();
    for (const c of customers) tr.consent(T0 - DAY, LINE, c, T0 - 30 * DAY);
    // Day 1: the line calls every consented customer.
    customers.forEach((c, i) => tr.answered(T0 + i * 5 * MIN, LINE, c, 40 + i));
    // Revocations arrive on day 2 (the latest record for a pair wins).
    const revoked = T0 + DAY;
    for (const c of customers) tr.consent(revoked, LINE, c, T0 - 30 * DAY, revoked);
    // Day 2: the same calls.
    customers.forEach((c, i) => tr.answered(revoked + HOUR + i * 5 * MIN, LINE, c, 40 + i));

    const e = engine();
    const inputs = tr.inputs();
    const day1 = inputs.filter((i) => i.kind !== 'call' || i.event.startTime < revoked);
    const day2 = inputs.filter((i) => !day1.includes(i));
    expect(play(e, day1).flags).toEqual([]);
    const flags = play(e, day2).flags;
    const noConsent = atLeast(withRule(flags, 'NO_CONSENT'), 'LABEL');
    expect(noConsent).not.toEqual([]);
    // The first LABEL comes at the fifth unconsented call of day 2.
    expect(noConsent[0].detectedAt).toBe(revoked + HOUR + 4 * 5 * MIN);
    expect(e.stats().consents).toBe(40);
  });

  it('consent granted, revoked and granted again, all read before the calls (as replay reads them): calls inside the first grant never count', () => {
    const e = engine();
    const eight = customers.slice(0, 8);
    for (const c of eight) {
      e.onConsent({ caller: LINE, callee: c, grantedAt: T0 - DAY, revokedAt: null });
      e.onConsent({ caller: LINE, callee: c, grantedAt: T0 - DAY, revokedAt: T0 + 2 * HOUR });
      e.onConsent({ caller: LINE, callee: c, grantedAt: T0 + 5 * HOUR, revokedAt: null });
    }
    const tr = new Traffic();
    // Inside the first grant: consented.
    eight.forEach((c, i) => tr.answered(T0 + i * 5 * MIN, LINE, c, 60));
    expect(withRule(play(e, tr.inputs()).flags, 'NO_CONSENT')).toEqual([]);
    // Between the revocation and the new grant: unconsented, they count (the fifth is a LABEL).
    const gap = new Traffic();
    eight.forEach((c, i) => gap.answered(T0 + 3 * HOUR + i * 5 * MIN, LINE, c, 60));
    const flags = atLeast(withRule(play(e, gap.inputs()).flags, 'NO_CONSENT'), 'LABEL');
    expect(flags[0]?.detectedAt).toBe(T0 + 3 * HOUR + 4 * 5 * MIN);
  });

  it('consent is live only from its grant: calls before it count', () => {
    const tr = new Traffic();
    for (const c of customers.slice(0, 6)) tr.consent(T0, LINE, c, T0 + DAY);
    customers.slice(0, 6).forEach((c, i) => tr.answered(T0 + HOUR + i * MIN, LINE, c, 40));
    expect(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT')).not.toEqual([]);
  });

  it('calling back people who called the line first is not unconsented marketing', () => {
    const tr = new Traffic();
    customers.forEach((c, i) => tr.noAnswer(T0 + i * MIN, c, LINE));
    customers.forEach((c, i) => tr.answered(T0 + HOUR + i * MIN, LINE, c, 90));
    expect(flagsOf(play(engine(), tr.inputs()).flags, LINE)).toEqual([]);
  });

  it('people who called the line first and then revoked their consent: the line calling them again is unconsented marketing', () => {
    const tr = new Traffic();
    customers.forEach((c, i) => tr.noAnswer(T0 + i * MIN, c, LINE));
    const revoked = T0 + 2 * HOUR;
    const five = customers.slice(0, 5);
    for (const c of five) tr.consent(revoked, LINE, c, T0 - 30 * DAY, revoked);
    customers.forEach((c, i) => tr.answered(revoked + HOUR + i * MIN, LINE, c, 90));
    const label = atLeast(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT'), 'LABEL');
    expect(label).toHaveLength(1);
    // The five who revoked count, the fifteen others (who called first, gave no consent to revoke) do not.
    expect(label[0].detectedAt).toBe(revoked + HOUR + 4 * MIN);
    expect(label[0].reasons).toContainEqual({ rule: 'NO_CONSENT', window: '24h', value: 5, threshold: 5 });
  });

  it('a sales rep\'s mobile that talked with its customers before is held to their revocations: calling them after is NO_CONSENT', () => {
    const rep = mobile(4711, '139');
    const tr = new Traffic();
    const revoked = T0 + 3 * DAY;
    for (const c of customers.slice(0, 10)) {
      // Consented customers it has real conversations with (acquainted by the engine's measure)…
      tr.consent(T0 - 30 * DAY, rep, c, T0 - 30 * DAY, null);
      tr.answered(T0 - 20 * DAY, rep, c, 120);
      tr.answered(T0 - 10 * DAY, rep, c, 90);
      // …who then revoke their consent.
      tr.consent(revoked, rep, c, T0 - 30 * DAY, revoked);
    }
    customers.slice(0, 10).forEach((c, i) => tr.answered(revoked + HOUR + i * 10 * MIN, rep, c, 20));
    const flags = play(engine(), tr.inputs()).flags;
    const label = atLeast(withRule(flags, 'NO_CONSENT'), 'LABEL');
    expect(label.length).toBeGreaterThan(0);
    expect(label[0].detectedAt).toBe(revoked + HOUR + 4 * 10 * MIN);
    // The same calls with the consents live: nothing.
    const live = new Traffic();
    for (const c of customers.slice(0, 10)) live.consent(T0 - 30 * DAY, rep, c, T0 - 30 * DAY, null);
    customers.slice(0, 10).forEach((c, i) => live.answered(revoked + HOUR + i * 10 * MIN, rep, c, 20));
    expect(play(engine(), live.inputs()).flags).toEqual([]);
  });

  it('a sales rep returning the calls of customers who revoked its consent and then phoned it with an inquiry: not NO_CONSENT', () => {
    const rep = mobile(4712, '139');
    const tr = new Traffic();
    const revoked = T0 - 5 * DAY;
    customers.slice(0, 6).forEach((c, i) => {
      tr.consent(T0 - 30 * DAY, rep, c, T0 - 30 * DAY, null);
      tr.consent(revoked, rep, c, T0 - 30 * DAY, revoked);
      tr.answered(T0 + i * 20 * MIN, c, rep, 120); // the customer's own inquiry
      tr.answered(T0 + i * 20 * MIN + 10 * MIN, rep, c, 180); // the rep calls back
    });
    expect(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT')).toEqual([]);
  });

  it('a consent withdrawn as if never given (revokedAt = grantedAt, the detector\'s tombstone) is no revocation: a rep calling its contacts is not NO_CONSENT', () => {
    const rep = mobile(4713, '139');
    const tr = new Traffic();
    customers.slice(0, 6).forEach((c, i) => {
      tr.consent(T0 - 30 * DAY, rep, c, T0 - 30 * DAY, T0 - 30 * DAY);
      tr.answered(T0 - 20 * DAY, rep, c, 120);
      tr.answered(T0 - 10 * DAY, rep, c, 90);
      tr.answered(T0 + i * 20 * MIN, rep, c, 60);
    });
    expect(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT')).toEqual([]);
  });

  it('a callee who revoked consent and then granted it again: the live grant covers the return calls of the line', () => {
    const tr = new Traffic();
    customers.forEach((c, i) => tr.noAnswer(T0 + i * MIN, c, LINE));
    for (const c of customers) {
      tr.consent(T0, LINE, c, T0 - 30 * DAY, T0 + HOUR);
      tr.consent(T0 + 2 * HOUR, LINE, c, T0 + 2 * HOUR);
    }
    customers.forEach((c, i) => tr.answered(T0 + 3 * HOUR + i * MIN, LINE, c, 90));
    expect(flagsOf(play(engine(), tr.inputs()).flags, LINE)).toEqual([]);
  });

  it('lines listed in marketingLines (national form) are marketing lines too', () => {
    const line = '+8613800138000';
    const tr = new Traffic();
    for (let i = 0; i < 5; i++) tr.answered(T0 + i * 10 * MIN, line, customers[i], 40);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
    const e = createEngine({ ...defaultConfig(), marketingLines: ['138 0013 8000'] }, { now: () => 0 });
    expect(withRule(play(e, tr.inputs()).flags, 'NO_CONSENT')).toHaveLength(1);
  });
});

describe('consented call centre', () => {
  /** A 95 line calling `perHour` of its `n` consented customers an hour over a working day; 70% answered, 30–180 s talks. */
  function callCentre(tr: Traffic, line: string, n: number, perHour: number): void {
    const random = rng(7);
    const people = Array.from({ length: n }, (_, i) => stranger(i, '186'));
    for (const p of people) tr.consent(T0 - DAY, line, p, T0 - 60 * DAY);
    const calls = perHour * 9;
    for (let i = 0; i < calls; i++) {
      const at = T0 - HOUR + Math.floor((i * 9 * HOUR) / calls);
      const callee = people[Math.floor(random() * n)];
      if (random() < 0.7) tr.answered(at, line, callee, 30 + Math.floor(random() * 150));
      else tr.noAnswer(at, line, callee);
    }
  }

  it('gives no flag at an ordinary pace', () => {
    const tr = new Traffic();
    callCentre(tr, '+8695588', 300, 30);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  it('gives nothing at LABEL and no NO_CONSENT even at a hundred calls an hour', () => {
    const tr = new Traffic();
    callCentre(tr, '+8695577', 600, 100);
    const flags = play(engine(), tr.inputs()).flags;
    expect(atLeast(flags, 'LABEL')).toEqual([]);
    expect(withRule(flags, 'NO_CONSENT')).toEqual([]);
  });
});

describe('allowlist', () => {
  it('an allowlisted number is never flagged, whatever it does', () => {
    const hospital = '+862088886666';
    const e = engine();
    e.allow(hospital);
    const tr = new Traffic();
    // Call bombing, ring-once, a telemarketing-like fan-out, sequential dialling and complaints.
    for (let i = 0; i < 20; i++) tr.noAnswer(T0 + i * MIN, hospital, stranger(1));
    for (let i = 0; i < 30; i++) tr.cancelled(T0 + HOUR + i * MIN, hospital, stranger(100 + i), 2 * SEC);
    for (let i = 0; i < 60; i++) tr.noAnswer(T0 + 2 * HOUR + i * MIN, hospital, mobile(5000 + i));
    for (let i = 0; i < 6; i++) tr.complaint(T0 + 3 * HOUR + i * MIN, stranger(200 + i), hospital);
    const { results, flags } = play(e, tr.inputs());
    expect(flags).toEqual([]);
    expect(results.every((r) => r === 'accepted')).toBe(true);
    expect(e.stats()).toMatchObject({ calls: 110, complaints: 6, flags: 0 });
  });

  it('an allowlisted number added mid-stream is not flagged when a swarm it rang in is recognised later', () => {
    // Twelve numbers try one victim twice each in turn; the first is allowlisted
    // after its tries (the detector polls the allowlist). Recognising the swarm
    // judges the numbers that rang before: the allowlisted one must stay unflagged.
    const victim = mobile(777, '136');
    const callers = Array.from({ length: 12 }, (_, i) => stranger(i, '171'));
    const before = new Traffic();
    const after = new Traffic();
    callers.forEach((c, i) => {
      const tr = i === 0 ? before : after;
      tr.noAnswer(T0 + i * 2 * MIN, c, victim);
      tr.rejected(T0 + i * 2 * MIN + 30 * SEC, c, victim);
    });
    const e = engine();
    const flags = play(e, before.inputs()).flags;
    e.allow(callers[0]);
    flags.push(...play(e, after.inputs()).flags);
    expect(withRule(flags, 'SWARM_BOMBING').length).toBe(callers.length - 1);
    expect(flags.filter((f) => f.number === callers[0])).toEqual([]);
  });

  it('the people an allowlisted number calls are its contacts: calling it back is no bombing or repeat after a refusal', () => {
    const hospital = '+862088886666';
    const patient = mobile(4242);
    const tr = new Traffic();
    // The hospital rings the patient (missed); the patient rings back nine times, unanswered, and once is rejected.
    tr.noAnswer(T0, hospital, patient);
    tr.rejected(T0 + MIN, patient, hospital);
    for (let i = 0; i < 9; i++) tr.noAnswer(T0 + 5 * MIN + i * 4 * MIN, patient, hospital);
    const plain = play(engine(), tr.inputs()).flags;
    expect(plain).toEqual([]);
    const e = engine();
    e.allow(hospital);
    expect(play(e, tr.inputs()).flags).toEqual([]);
    // The same calls back to a number that never called the patient are call bombing after a refusal.
    const stranger9 = new Traffic();
    stranger9.rejected(T0 + MIN, patient, hospital);
    for (let i = 0; i < 9; i++) stranger9.noAnswer(T0 + 5 * MIN + i * 4 * MIN, patient, hospital);
    const e2 = engine();
    e2.allow(hospital);
    expect(flagsOf(play(e2, stranger9.inputs()).flags, patient)).not.toEqual([]);
  });

  it('does not shield anyone else: the same traffic from another number is flagged', () => {
    const e = engine();
    e.allow('+862088886666');
    const tr = new Traffic();
    for (let i = 0; i < 20; i++) tr.noAnswer(T0 + i * MIN, '+862088886667', stranger(1));
    expect(play(e, tr.inputs()).flags).not.toEqual([]);
  });
});

describe('a consented callee\'s refusal', () => {
  const LINE400 = '+864008123457';

  it('is the line\'s to respect within its consent: a consented centre retrying a customer who rejected it is not REJECTION_REPEAT', () => {
    // The simulator's consented centres retry their customers whatever the last outcome; counting a consented
    // customer's rejections as a stranger's, or as a busy line's, labelled some of them in the sweeps (session 27).
    const tr = new Traffic();
    const customer = customers[3];
    tr.consent(T0 - DAY, LINE400, customer, T0 - 30 * DAY);
    for (let k = 0; k < 6; k++) tr.rejected(T0 + k * 90 * MIN, LINE400, customer);
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  it('once the consent is revoked, the same calls are NO_CONSENT', () => {
    const tr = new Traffic();
    const customer = customers[4];
    tr.consent(T0 - DAY, LINE400, customer, T0 - 30 * DAY);
    tr.consent(T0, LINE400, customer, T0 - 30 * DAY, T0);
    for (let k = 0; k < 6; k++) tr.rejected(T0 + (k + 1) * 90 * MIN, LINE400, customer);
    expect(withRule(play(engine(), tr.inputs()).flags, 'NO_CONSENT')).not.toEqual([]);
  });
});
