/**
 * Benign heavy callers found by the holdout sweep (docs/quality.md) that
 * the engine used to label: a delivery rider who retries, a school's evening
 * round running past 22:00, a clinic's bad hour, a sales rep calling
 * consented customers from a mobile. None may reach LABEL.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, atLeast, flagsOf, mobile, play, rng, stranger } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });

describe('benign heavy callers', () => {
  it('a delivery rider: 300 customers a day, 62 % answer, the others retried twice (refusals too): never LABEL', () => {
    const rider = mobile(501, '138');
    const random = rng(5);
    const tr = new Traffic();
    for (let day = 0; day < 2; day++) {
      for (let i = 0; i < 300; i++) {
        const at = T0 + day * DAY + i * 2 * MIN;
        const customer = stranger(day * 1000 + i, '150');
        let answered = false;
        for (let attempt = 0; attempt < 3 && !answered; attempt++) {
          const t = at + attempt * 6 * MIN;
          const r = random();
          if (r < 0.62) {
            tr.answered(t, rider, customer, 12 + Math.floor(random() * 30));
            answered = true;
          } else if (r < 0.7) tr.rejected(t, rider, customer);
          else tr.noAnswer(t, rider, customer);
        }
      }
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(atLeast(flagsOf(flags, rider), 'LABEL')).toEqual([]);
  });

  it('a school calling 250 parents every 40 s from 20:00 (past 22:00), 65 % answering: WATCH at most', () => {
    const school = mobile(601, '139');
    const random = rng(6);
    const tr = new Traffic();
    const start = T0 + 10 * HOUR; // 20:00 local
    for (let i = 0; i < 250; i++) {
      const at = start + i * 40 * SEC;
      const parent = stranger(i, '159');
      if (random() < 0.65) tr.answered(at, school, parent, 20 + Math.floor(random() * 60));
      else tr.noAnswer(at, school, parent);
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(atLeast(flagsOf(flags, school), 'LABEL')).toEqual([]);
  });

  it('a clinic whose first hour is bad (2 of 14 patients answer) in a day of 65 % answered: not labelled, the day disagrees', () => {
    const clinic = mobile(701, '137');
    const random = rng(7);
    const tr = new Traffic();
    let n = 0;
    // A steady working day the day before…
    for (let i = 0; i < 200; i++) {
      const at = T0 - DAY + i * 2 * MIN;
      const patient = stranger(n++, '152');
      if (random() < 0.65) tr.answered(at, clinic, patient, 30 + Math.floor(random() * 90));
      else tr.noAnswer(at, clinic, patient);
    }
    // …then one bad hour the next morning (a worse hour alone is a LABEL: see the next case).
    for (let i = 0; i < 14; i++) {
      const patient = stranger(n++, '152');
      if (i % 7 === 0) tr.answered(T0 + 2 * HOUR + i * 4 * MIN, clinic, patient, 60);
      else tr.noAnswer(T0 + 2 * HOUR + i * 4 * MIN, clinic, patient);
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(atLeast(flagsOf(flags, clinic), 'LABEL')).toEqual([]);
  });

  it('a worse hour (1 of 14) from a number with no day behind it is a LABEL (the veto is the day, not the number)', () => {
    const caller = mobile(702, '137');
    const tr = new Traffic();
    for (let i = 0; i < 14; i++) {
      if (i === 0) tr.answered(T0 + 2 * HOUR + i * 4 * MIN, caller, stranger(i, '152'), 60);
      else tr.noAnswer(T0 + 2 * HOUR + i * 4 * MIN, caller, stranger(i, '152'));
    }
    expect(atLeast(flagsOf(play(engine(), tr.inputs()).flags, caller), 'LABEL').length).toBeGreaterThan(0);
  });

  it('a sales rep’s mobile calling 120 consented customers, 40 % answered: consent makes them no strangers, whoever calls', () => {
    const rep = mobile(801, '136');
    const random = rng(8);
    const tr = new Traffic();
    for (let i = 0; i < 120; i++) tr.consent(T0 - 30 * DAY, rep, stranger(i, '153'), T0 - 30 * DAY);
    for (let i = 0; i < 120; i++) {
      const at = T0 + i * 3 * MIN;
      const customer = stranger(i, '153');
      const r = random();
      if (r < 0.4) tr.answered(at, rep, customer, 8 + Math.floor(random() * 40));
      else if (r < 0.6) tr.rejected(at, rep, customer);
      else tr.noAnswer(at, rep, customer);
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(flagsOf(flags, rep)).toEqual([]);
  });

  it('the same sales rep calling the same people without their consent is labelled', () => {
    const rep = mobile(802, '136');
    const random = rng(8);
    const tr = new Traffic();
    for (let i = 0; i < 120; i++) {
      const at = T0 + i * 3 * MIN;
      const customer = stranger(i, '153');
      const r = random();
      if (r < 0.2) tr.answered(at, rep, customer, 8 + Math.floor(random() * 10));
      else if (r < 0.5) tr.rejected(at, rep, customer);
      else tr.noAnswer(at, rep, customer);
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(atLeast(flagsOf(flags, rep), 'LABEL').length).toBeGreaterThan(0);
  });
});
