/**
 * The populations behave as specified, checked on a small seeded run of the
 * default scenario (10% of its size, 24 h scored).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { DAY, HOUR, localHour } from './time.ts';
import { answerRate, groupBy, smallRun, toE164, type SmallRun } from './testing.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun('default', 7, 0.1, 24);
}, 120_000);

/** Days of the run (warm-up included). */
const days = (): number => (run.result.end - run.result.start) / DAY;
const byCaller = (calls: readonly CallEvent[]) => groupBy(calls, (c) => toE164(c.caller));

describe('benign populations', () => {
  it('subscribers call mostly contacts who call back (reciprocal graph), mostly answered, minutes of talk', () => {
    const calls = run.callsOf('subscribers');
    expect(answerRate(calls)).toBeGreaterThan(0.75);
    const pairs = new Set<string>();
    for (const c of calls) pairs.add(toE164(c.caller) + '>' + toE164(c.callee));
    let subPairs = 0;
    let reciprocated = 0;
    for (const p of pairs) {
      const [a, b] = p.split('>');
      if (run.populationOf.get(b) !== 'subscribers') continue;
      subPairs++;
      if (pairs.has(b + '>' + a)) reciprocated++;
    }
    // Most calls go to contacts (other subscribers), and most contacts call back.
    expect(subPairs / pairs.size).toBeGreaterThan(0.8);
    expect(reciprocated / subPairs).toBeGreaterThan(0.5);
    const talks = calls.filter((c) => c.answerTime !== null).map((c) => (c.endTime - (c.answerTime as number)) / 1000).sort((x, y) => x - y);
    expect(talks[talks.length >> 1]).toBeGreaterThan(45);
    const perDay = calls.length / run.result.numbersByPopulation.subscribers / days();
    expect(perDay).toBeGreaterThan(3);
    expect(perDay).toBeLessThan(20);
  });

  it('subscribers redial a contact at most once after a rejection, minutes later', () => {
    const calls = run.callsOf('subscribers');
    let redials = 0;
    for (const [, list] of groupBy(calls, (c) => toE164(c.caller) + '>' + toE164(c.callee))) {
      for (let i = 1; i < list.length; i++) {
        if (list[i - 1].outcome === 'REJECTED' && list[i].startTime - list[i - 1].startTime < 20 * 60_000) {
          redials++;
          if (i + 1 < list.length) {
            // Never a third attempt within minutes of a rejected redial.
            const burst = list[i].outcome === 'REJECTED' && list[i + 1].startTime - list[i].startTime < 2 * 60_000;
            expect(burst).toBe(false);
          }
        }
      }
    }
    expect(redials).toBeGreaterThan(0);
  });

  it('couriers call 40–120 strangers a day in working hours, mostly answered, short talk, with callbacks', () => {
    const calls = run.callsOf('couriers');
    expect(answerRate(calls)).toBeGreaterThan(0.72);
    for (const [num, list] of byCaller(calls)) {
      const distinct = new Set(list.map((c) => toE164(c.callee))).size;
      // Working days in the run: the warm-up evening counts for little.
      const perDay = distinct / (days() - 0.2);
      expect(perDay, num).toBeGreaterThan(25);
      expect(perDay, num).toBeLessThan(150);
    }
    const couriers = new Set(byCaller(calls).keys());
    const callbacks = run.sink.calls.filter((c) => couriers.has(toE164(c.callee)));
    expect(callbacks.length / calls.length).toBeGreaterThan(0.05);
    const talks = calls.filter((c) => c.answerTime !== null).map((c) => (c.endTime - (c.answerTime as number)) / 1000).sort((x, y) => x - y);
    expect(talks[talks.length >> 1]).toBeGreaterThan(20);
    expect(talks[talks.length >> 1]).toBeLessThan(60);
  });

  it('organisers call a whole group once in one evening', () => {
    const byNum = byCaller(run.callsOf('organisers'));
    expect(byNum.size).toBe(run.result.numbersByPopulation.organisers); // every organiser called
    expect(byNum.size).toBeGreaterThan(0);
    for (const [num, list] of byNum) {
      const evening = list.filter((c) => localHour(c.startTime) >= 18);
      const perCallee = groupBy(evening, (c) => toE164(c.callee));
      const once = [...perCallee.values()].filter((l) => l.length === 1).length;
      expect(once, num).toBeGreaterThanOrEqual(25);
    }
  });

  it('institutions are allowlisted and call hundreds of patients a day in office hours', () => {
    const allow = new Set(run.result.allowlist.map(toE164));
    const byNum = byCaller(run.callsOf('institutions'));
    expect(byNum.size).toBeGreaterThan(0);
    for (const [num, list] of byNum) {
      expect(allow.has(num)).toBe(true);
      expect(list.length / days()).toBeGreaterThan(250);
      for (const c of list) expect(localHour(c.startTime)).toBeGreaterThanOrEqual(8);
    }
  });

  it("consented centres call only callees with a live consent, and never after it is revoked", () => {
    const consents = groupBy(run.sink.consents, (c) => toE164(c.caller) + '|' + toE164(c.callee));
    const calls = run.callsOf('consentedCentres');
    expect(calls.length).toBeGreaterThan(100);
    for (const c of calls) {
      const recs = consents.get(toE164(c.caller) + '|' + toE164(c.callee));
      expect(recs, c.eventId).toBeDefined();
      const granted = recs!.some((r) => r.grantedAt <= c.startTime);
      const revoked = recs!.some((r) => r.revokedAt !== null && r.revokedAt <= c.startTime);
      expect(granted && !revoked, c.eventId).toBe(true);
    }
    expect(run.sink.consents.some((r) => r.revokedAt !== null)).toBe(true);
    for (const n of byCaller(calls).keys()) expect(n).toMatch(/^\+869[56]/);
  });

  it('quarrels: a contact with a history of conversations is called repeatedly, rejects, and complains exactly once', () => {
    const byNum = byCaller(run.callsOf('quarrels'));
    expect(byNum.size).toBe(run.result.numbersByPopulation.quarrels);
    expect(byNum.size).toBeGreaterThan(0);
    const complaints = groupBy(run.sink.complaints, (c) => toE164(c.reported));
    for (const [num, list] of byNum) {
      const got = complaints.get(num) ?? [];
      expect(got.length, num).toBe(1);
      const partner = toE164(got[0].reporter);
      const toPartner = list.filter((c) => toE164(c.callee) === partner);
      expect(toPartner.filter((c) => c.outcome === 'REJECTED').length, num).toBeGreaterThanOrEqual(1);
      const history = run.sink.calls.filter(
        (c) => c.outcome === 'ANSWERED' && c.startTime < got[0].reportTime - 2 * HOUR && [toE164(c.caller), toE164(c.callee)].sort().join() === [num, partner].sort().join(),
      );
      expect(history.length, num).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('nuisance populations', () => {
  it('telemarketers call hundreds of strangers a day with a low answer rate and short talk, and draw complaints', () => {
    const calls = run.callsOf('telemarketers');
    const rate = answerRate(calls);
    expect(rate).toBeGreaterThan(0.08);
    expect(rate).toBeLessThan(0.27);
    const talks = calls.filter((c) => c.answerTime !== null).map((c) => (c.endTime - (c.answerTime as number)) / 1000).sort((x, y) => x - y);
    expect(talks[talks.length >> 1]).toBeLessThan(30);
    const reported = new Set(run.sink.complaints.map((c) => toE164(c.reported)));
    expect([...byCaller(calls).keys()].filter((n) => reported.has(n)).length).toBeGreaterThan(0);
  });

  it('low-and-slow marketers stay below naive volume thresholds', () => {
    const byNum = byCaller(run.callsOf('lowAndSlow'));
    expect(byNum.size).toBe(run.result.numbersByPopulation.lowAndSlow);
    expect(byNum.size).toBeGreaterThan(0);
    for (const [num, list] of byNum) {
      const days = (list[list.length - 1].startTime - list[0].startTime) / DAY;
      // At most ~60 a day over their active days, and never a burst of volume.
      const perHour = Math.max(...[...groupBy(list, (c) => String(Math.floor(c.startTime / HOUR))).values()].map((l) => l.length));
      expect(perHour, num).toBeLessThan(20);
      expect(list.length / Math.max(1, Math.ceil(days)), num).toBeLessThan(90);
    }
  });

  it('robocallers dial very high volumes in consecutive number runs', () => {
    const byNum = byCaller(run.callsOf('robocallers'));
    expect(byNum.size).toBeGreaterThan(0);
    for (const [num, list] of byNum) {
      const sorted = [...list].sort((a, b) => a.startTime - b.startTime);
      let sequential = 0;
      for (let i = 1; i < sorted.length; i++) {
        const d = Number(toE164(sorted[i].callee).slice(3)) - Number(toE164(sorted[i - 1].callee).slice(3));
        if (d >= 1 && d <= 3) sequential++;
      }
      expect(sequential / (sorted.length - 1), num).toBeGreaterThan(0.8);
      const perHour = list.length / ((sorted[sorted.length - 1].startTime - sorted[0].startTime) / HOUR + 1);
      expect(perHour, num).toBeGreaterThan(50);
    }
  });

  it('harassers call one stranger again after explicit rejections', () => {
    let afterReject = 0;
    let repeats = 0;
    for (const [, list] of groupBy(run.callsOf('harassers'), (c) => toE164(c.caller) + '>' + toE164(c.callee))) {
      const sorted = [...list].sort((a, b) => a.startTime - b.startTime);
      for (let i = 1; i < sorted.length; i++) {
        repeats++;
        if (sorted[i - 1].outcome === 'REJECTED') afterReject++;
      }
    }
    expect(repeats).toBeGreaterThan(20);
    expect(afterReject / repeats).toBeGreaterThan(0.6);
  });

  it('ring-once lures cancel after 1–3 s and get some callbacks', () => {
    const calls = run.callsOf('ringOnce');
    const cancelled = calls.filter((c) => c.outcome === 'CANCELLED');
    expect(cancelled.length / calls.length).toBeGreaterThan(0.88);
    for (const c of cancelled) expect(c.endTime - c.startTime).toBeLessThanOrEqual(3000);
    const lures = new Set(byCaller(calls).keys());
    expect(run.sink.calls.filter((c) => lures.has(toE164(c.callee))).length).toBeGreaterThan(0);
  });

  it('call bombers make dozens of attempts at one victim within an hour', () => {
    const byNum = byCaller(run.callsOf('callBombers'));
    expect(byNum.size).toBe(run.result.numbersByPopulation.callBombers);
    expect(byNum.size).toBeGreaterThan(0);
    for (const [num, list] of byNum) {
      const sorted = list.map((c) => c.startTime).sort((a, b) => a - b);
      let best = 0;
      for (let i = 0, j = 0; i < sorted.length; i++) {
        while (sorted[i] - sorted[j] > HOUR) j++;
        best = Math.max(best, i - j + 1);
      }
      expect(best, num).toBeGreaterThanOrEqual(24);
      expect(new Set(list.map((c) => toE164(c.callee))).size, num).toBeLessThanOrEqual(2);
    }
  });

  it('unconsented call centres are 95/96/400 lines calling mostly people without consent', () => {
    const consented = new Set(run.sink.consents.map((c) => toE164(c.caller) + '|' + toE164(c.callee)));
    const calls = run.callsOf('unconsentedCentres');
    const without = calls.filter((c) => !consented.has(toE164(c.caller) + '|' + toE164(c.callee)));
    expect(without.length / calls.length).toBeGreaterThan(0.8);
    for (const n of byCaller(calls).keys()) expect(n).toMatch(/^\+86(95|96|400)/);
  });

  it('quiet-hours marketers call only between 22:00 and 08:00 Asia/Shanghai', () => {
    const calls = run.callsOf('quietHours');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(localHour(c.startTime) >= 22 || localHour(c.startTime) < 8).toBe(true);
  });

  it('snowshoe campaigns spread over consecutive numbers of one provider, each quiet on its own', () => {
    const byNum = byCaller(run.callsOf('snowshoe'));
    const nums = [...byNum.keys()].map((n) => Number(n.slice(3))).sort((a, b) => a - b);
    let adjacent = 0;
    for (let i = 1; i < nums.length; i++) if (nums[i] - nums[i - 1] <= 3) adjacent++;
    expect(adjacent / (nums.length - 1)).toBeGreaterThan(0.8);
    for (const [num, list] of byNum) {
      expect(list.length / days(), num).toBeLessThan(40);
      expect(new Set(list.map((c) => c.accessProvider).filter((p) => p !== null)).size, num).toBe(1);
    }
  });
});

describe('truth and realism', () => {
  it('every number that calls has a truth line; nuisance lines carry their first scored call', () => {
    const first = new Map<string, number>();
    for (const c of run.sink.calls) {
      const n = toE164(c.caller);
      expect(run.populationOf.has(n), n).toBe(true);
      if (c.startTime >= run.result.scoredStart && (first.get(n) ?? Infinity) > c.startTime) first.set(n, c.startTime);
    }
    for (const r of run.result.truth) {
      if (r.nuisance) expect(r.firstNuisanceTime, r.number).toBe(first.get(r.number));
      else expect(r.firstNuisanceTime).toBeUndefined();
    }
    const nuisance = new Set(run.result.truth.filter((r) => r.nuisance).map((r) => r.population));
    expect([...nuisance].sort()).toEqual(['callBombers', 'harassers', 'lowAndSlow', 'quietHours', 'ringOnce', 'robocallers', 'snowshoe', 'swarmBombers', 'telemarketers', 'unconsentedCentres']);
  });

  it('duplicates are a small share and identical; disorder is bounded by the jitter', () => {
    const ids = groupBy(run.sink.calls, (c) => c.eventId);
    const dups = [...ids.values()].filter((l) => l.length > 1);
    for (const l of dups) expect(l[1]).toEqual(l[0]);
    const share = dups.length / ids.size;
    expect(share).toBeGreaterThan(0.001);
    expect(share).toBeLessThan(0.01);
    let max = -Infinity;
    let late = 0;
    let worst = 0;
    for (const c of run.sink.calls) {
      if (c.startTime < max) {
        late++;
        worst = Math.max(worst, max - c.startTime);
      } else max = c.startTime;
    }
    expect(late).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(run.scenario.delivery.maxJitterSeconds * 1000);
    expect(late / run.sink.calls.length).toBeLessThan(0.1);
  });

  it('mixes number forms, probes, providers and release causes', () => {
    const forms = { e164: 0, national: 0, intl0086: 0 };
    for (const c of run.sink.calls) {
      for (const s of [c.caller, c.callee]) {
        if (s.startsWith('+')) forms.e164++;
        else if (s.startsWith('0086')) forms.intl0086++;
        else forms.national++;
      }
    }
    const total = run.sink.calls.length * 2;
    const wellFormed = /^(\+86(1[3-9]\d{9}|[2-9]\d{8,10}|10\d{8}|9[56]\d{3,4}|400\d{7})|\+(?!86)[1-9]\d{8,13}|0086\d{5,12}|1[3-9]\d{9}|0[1-9]\d{8,10}|9[56]\d{3,4}|400\d{7})$/;
    for (const c of run.sink.calls) {
      expect(c.caller, c.eventId).toMatch(wellFormed);
      expect(c.callee, c.eventId).toMatch(wellFormed);
    }
    for (const v of Object.values(forms)) expect(v / total).toBeGreaterThan(0.03);
    expect(run.sink.calls.some((c) => /^1\d{10}$/.test(c.caller))).toBe(true);
    expect(run.sink.calls.some((c) => /^0[1-9]\d{8,10}$/.test(c.caller))).toBe(true);
    expect(new Set(run.sink.calls.map((c) => c.probeId)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(run.sink.calls.map((c) => c.accessProvider)).size).toBeGreaterThanOrEqual(6);
    const causes = groupBy(run.sink.calls, (c) => c.outcome);
    expect(new Set(causes.get('REJECTED')!.map((c) => c.releaseCause))).toContain(603);
    expect(new Set(causes.get('BUSY')!.map((c) => c.releaseCause))).toContain(486);
    expect(new Set(causes.get('CANCELLED')!.map((c) => c.releaseCause))).toContain(487);
    for (const c of causes.get('ANSWERED')!) expect(c.answerTime).not.toBeNull();
    for (const c of causes.get('NO_ANSWER')!) expect(c.answerTime).toBeNull();
  });

  it('has a warm-up before the scored period with benign traffic only', () => {
    const warm = run.sink.calls.filter((c) => c.startTime < run.result.scoredStart);
    expect(warm.length).toBeGreaterThan(1000);
    for (const c of warm) expect(run.populationOf.get(toE164(c.caller))).not.toMatch(/telemarketers|robocallers|ringOnce|callBombers/);
  });
});
