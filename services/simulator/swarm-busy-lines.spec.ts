/**
 * Distributed call bombing (populations/swarmBombers.ts) and its benign
 * twin, the customers of busy small-business lines (populations/busyLines.ts):
 * a swarm is several scattered numbers each ringing one victim a few times
 * within an hour while the victim does not engage; a busy line at its peak
 * sees many distinct strangers retrying too, but it answers a good share
 * of them and they retry only when not answered. Both are deterministic and
 * adding them changes no other record.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { MIN_GAP_MS } from './populations/swarmBombers.ts';
import { runScenario } from './run.ts';
import { loadScenario, parseScenario, type Scenario } from './scenario.ts';
import { MemorySink } from './sinks/memory.ts';
import { HOUR, MINUTE } from './time.ts';
import { answerRate, groupBy, smallRun, toE164, type SmallRun } from './testing.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun('default', 7, 0.1, 24);
}, 120_000);

/** A population's calls, each once (the simulator delivers a few eventIds twice, as probes do). */
const callsOf = (population: string): CallEvent[] => {
  const seen = new Set<string>();
  return run.callsOf(population).filter((c) => !seen.has(c.eventId) && !!seen.add(c.eventId));
};
const digest = (xs: readonly unknown[]): string => `${xs.length} records, sha256 ${createHash('sha256').update(JSON.stringify(xs)).digest('hex').slice(0, 16)}`;
const byStart = (xs: readonly CallEvent[]): CallEvent[] => [...xs].sort((a, b) => a.startTime - b.startTime);
const talkSec = (c: CallEvent): number => (c.answerTime === null ? 0 : (c.endTime - c.answerTime) / 1000);
/** The calls in [t, t + 1 h). */
const hourFrom = (calls: readonly CallEvent[], t: number): CallEvent[] => calls.filter((c) => c.startTime >= t && c.startTime < t + HOUR);

describe('swarm bombers', () => {
  it('are nuisance in the truth, about 10 numbers an operation at scale 0.1 (2 operations)', () => {
    const rows = run.result.truth.filter((r) => r.population === 'swarmBombers');
    expect(rows.length).toBe(run.result.numbersByPopulation.swarmBombers);
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(rows.length).toBeLessThanOrEqual(2 * 14);
    for (const r of rows) {
      expect(r.nuisance, r.number).toBe(true);
      expect(r.firstNuisanceTime, r.number).toBeGreaterThanOrEqual(run.result.scoredStart);
    }
  });

  it('ring one victim from several scattered numbers, each a few times within an hour, interleaved', () => {
    const byVictim = groupBy(callsOf('swarmBombers'), (c) => toE164(c.callee));
    expect(byVictim.size).toBeGreaterThanOrEqual(2);
    for (const [victim, unsorted] of byVictim) {
      const calls = byStart(unsorted);
      // The victim is a mobile of the public (in the truth only if it happened to call back someone).
      expect(run.populationOf.get(victim) ?? 'public', victim).toBe('public');
      expect(victim, victim).toMatch(/^\+861[3-9]\d{9}$/);
      const numbers = new Set(calls.map((c) => toE164(c.caller)));
      expect(numbers.size, victim).toBeGreaterThanOrEqual(6);
      // Leased anywhere: (almost) every number in a block of its own, on 1–3 providers; never consecutive numbers.
      expect(new Set([...numbers].map((n) => n.slice(0, -3))).size, victim).toBeGreaterThanOrEqual(numbers.size - 1);
      const providers = new Set(calls.map((c) => c.accessProvider).filter((p) => p !== null));
      expect(providers.size, victim).toBeGreaterThanOrEqual(1);
      expect(providers.size, victim).toBeLessThanOrEqual(3);
      // Within some hour, several distinct numbers each make at least 2 attempts.
      let best = 0;
      let most = 0;
      for (const c of calls) {
        const per = [...groupBy(hourFrom(calls, c.startTime), (d) => toE164(d.caller)).values()];
        best = Math.max(best, per.filter((l) => l.length >= 2).length);
        most = Math.max(most, ...per.map((l) => l.length));
      }
      expect(best, victim).toBeGreaterThanOrEqual(5);
      // No number rings the victim like a call bomber on its own (8 a hour): the swarm is the signal.
      expect(most, victim).toBeLessThan(8);
      // Interleaved: the caller changes at most attempts.
      let switches = 0;
      for (let i = 1; i < calls.length; i++) if (toE164(calls[i].caller) !== toE164(calls[i - 1].caller)) switches++;
      expect(switches / calls.length, victim).toBeGreaterThan(0.6);
      // A number's next attempt starts at least 2 s after its previous one ended.
      for (const [num, list] of groupBy(calls, (c) => toE164(c.caller))) {
        for (let i = 1; i < list.length; i++) expect(list[i].startTime - list[i - 1].endTime, num).toBeGreaterThanOrEqual(MIN_GAP_MS);
      }
    }
  });

  it('get no engagement: mostly unanswered, rejected or cancelled, a pick-up lasts seconds', () => {
    const calls = callsOf('swarmBombers');
    expect(answerRate(calls)).toBeLessThan(0.15);
    for (const c of calls) expect(talkSec(c), c.eventId).toBeLessThan(10);
    const outcomes = groupBy(calls, (c) => c.outcome);
    for (const o of ['NO_ANSWER', 'REJECTED', 'CANCELLED'] as const) expect(outcomes.get(o)?.length ?? 0, o).toBeGreaterThan(calls.length / 10);
    // Complaints about them are harassment, by one of their victims.
    const victims = new Set(calls.map((c) => toE164(c.callee)));
    for (const c of run.sink.complaints.filter((x) => run.populationOf.get(toE164(x.reported)) === 'swarmBombers')) {
      expect(c.category).toBe('HARASSMENT');
      expect(victims.has(toE164(c.reporter))).toBe(true);
    }
  });
});

describe('busy lines', () => {
  /** The customers' calls to their lines (callees called by 5 or more customers), by line. */
  const toLines = (): Map<string, CallEvent[]> => {
    const isCustomer = (s: string) => run.populationOf.get(toE164(s)) === 'busyLines';
    const byCallee = groupBy(
      callsOf('busyLines').filter((c) => !isCustomer(c.callee)),
      (c) => toE164(c.callee),
    );
    return new Map([...byCallee].filter(([, l]) => new Set(l.map((c) => toE164(c.caller))).size >= 5));
  };

  it('have benign customers in the truth; the lines are mobiles of the public', () => {
    const rows = run.result.truth.filter((r) => r.population === 'busyLines');
    expect(rows.length).toBe(run.result.numbersByPopulation.busyLines);
    expect(rows.length).toBeGreaterThan(10 * 15 * 0.8);
    for (const r of rows) expect(r.nuisance, r.number).toBe(false);
    const lines = toLines();
    expect(lines.size).toBeGreaterThanOrEqual(8);
    expect(lines.size).toBeLessThanOrEqual(10);
    for (const line of lines.keys()) {
      expect(run.populationOf.get(line) ?? 'public', line).toBe('public');
      expect(line, line).toMatch(/^\+861[3-9]\d{9}$/);
    }
  });

  it('a line at its peak sees many distinct customers trying more than once within an hour, and answers a good share', () => {
    const lines = toLines();
    const all = [...lines.values()].flat();
    expect(answerRate(all)).toBeGreaterThan(0.35);
    expect(answerRate(all)).toBeLessThan(0.7);
    let lookAlikes = 0;
    for (const [line, unsorted] of lines) {
      const calls = byStart(unsorted);
      if (calls.length >= 20) expect(answerRate(calls), line).toBeGreaterThan(0.15);
      for (const c of calls.filter((x) => x.outcome === 'ANSWERED')) {
        expect(talkSec(c), c.eventId).toBeGreaterThanOrEqual(20);
        expect(talkSec(c), c.eventId).toBeLessThanOrEqual(180);
      }
      let best: CallEvent[][] = [];
      for (const c of calls) {
        const per = [...groupBy(hourFrom(calls, c.startTime), (d) => toE164(d.caller)).values()];
        if (per.filter((l) => l.length >= 2).length > best.filter((l) => l.length >= 2).length) best = per;
      }
      if (best.length >= 6 && best.filter((l) => l.length >= 2).length >= 3) {
        lookAlikes++;
        // Told apart from a swarm: the line engages with a good share of the strangers of that hour.
        expect(best.filter((l) => l.some((c) => c.outcome === 'ANSWERED')).length / best.length, line).toBeGreaterThan(0.25);
      }
    }
    expect(lookAlikes / lines.size).toBeGreaterThan(0.5);
  });

  it('customers retry only when not answered, minutes later, a few times at most', () => {
    let retries = 0;
    for (const [, unsorted] of toLines()) {
      for (const [pair, list] of groupBy(unsorted, (c) => toE164(c.caller))) {
        const calls = byStart(list);
        let chain = 1;
        for (let i = 1; i < calls.length; i++) {
          const gap = calls[i].startTime - calls[i - 1].endTime;
          if (gap > HOUR) {
            chain = 1; // another peak
            continue;
          }
          retries++;
          chain++;
          expect(calls[i - 1].outcome, pair).not.toBe('ANSWERED');
          expect(gap, pair).toBeGreaterThanOrEqual(MINUTE - 1);
          expect(gap, pair).toBeLessThanOrEqual(10 * MINUTE + 1);
          expect(chain, pair).toBeLessThanOrEqual(1 + 3);
        }
      }
    }
    expect(retries).toBeGreaterThan(20);
  });

  it('customers also call each other, mostly answered', () => {
    const isCustomer = (s: string) => run.populationOf.get(toE164(s)) === 'busyLines';
    const calls = callsOf('busyLines').filter((c) => isCustomer(c.callee));
    expect(calls.length).toBeGreaterThan(100);
    expect(answerRate(calls)).toBeGreaterThan(0.7);
  });
});

describe('swarm bombers and busy lines together', () => {
  const tiny = (swarms: number, lines: number): Scenario => {
    const s = structuredClone(loadScenario('adversarial', { scale: 0.05, hours: 12 })) as unknown as { populations: Record<string, Record<string, unknown>> };
    s.populations.swarmBombers.count = swarms;
    s.populations.busyLines.count = lines;
    return parseScenario(s);
  };

  it('leave every other record as it was (numbers, calls, complaints, consents), take ids of their own, and are deterministic', async () => {
    const without = new MemorySink();
    const withThem = new MemorySink();
    const again = new MemorySink();
    const withoutRun = await runScenario(tiny(0, 0), 4, without);
    const r = await runScenario(tiny(40, 40), 4, withThem);
    await runScenario(tiny(40, 40), 4, again);
    const members = new Set(r.truth.filter((t) => t.population === 'swarmBombers' || t.population === 'busyLines').map((t) => t.number));
    expect(r.numbersByPopulation.swarmBombers).toBeGreaterThan(0);
    expect(r.numbersByPopulation.busyLines).toBeGreaterThan(0);
    // Their records are those with one of their members on a side; the ids do not say so (record-ids.spec.ts).
    const theirs = (c: CallEvent) => members.has(toE164(c.caller)) || members.has(toE164(c.callee));
    const others = withThem.calls.filter((c) => !theirs(c));
    // Their records take ids of their own streams, never one of the other records'.
    const ids = new Set(without.calls.map((c) => c.eventId));
    for (const c of withThem.calls) if (theirs(c)) expect(ids.has(c.eventId), c.eventId).toBe(false);
    expect(others.length).toBeLessThan(withThem.calls.length);
    expect(digest(others)).toBe(digest(without.calls));
    const otherComplaints = withThem.complaints.filter((c) => !members.has(toE164(c.reported)) && !members.has(toE164(c.reporter)));
    expect(digest(otherComplaints)).toBe(digest(without.complaints));
    expect(digest(withThem.consents)).toBe(digest(without.consents));
    expect(digest(r.truth.filter((t) => !members.has(t.number)))).toBe(digest(withoutRun.truth));
    expect(r.allowlist).toEqual(withoutRun.allowlist);
    // The same seed gives the same records.
    expect(digest(again.calls)).toBe(digest(withThem.calls));
    expect(digest(again.complaints)).toBe(digest(withThem.complaints));
  }, 120_000);

  it('are optional in a scenario file: the defaults apply', () => {
    const raw = structuredClone(loadScenario('default')) as unknown as { populations: Record<string, unknown> };
    const explicit = { swarmBombers: raw.populations.swarmBombers, busyLines: raw.populations.busyLines };
    delete raw.populations.swarmBombers;
    delete raw.populations.busyLines;
    const parsed = parseScenario(raw).populations;
    expect({ swarmBombers: parsed.swarmBombers, busyLines: parsed.busyLines }).toEqual(explicit);
  });

  it('evade in the adversarial scenario: more numbers, fewer attempts each; lines answering less, customers retrying more', () => {
    const adv = loadScenario('adversarial').populations;
    expect(adv.swarmBombers.attemptsEach).toEqual([2, 3]);
    expect(adv.swarmBombers.numbersPerOperation).toEqual([10, 25]);
    expect(adv.swarmBombers.bursts).toEqual([1, 2]);
    expect(adv.busyLines.answerRate).toEqual([0.25, 0.5]);
    expect(adv.busyLines.retries).toEqual([2, 4]);
  });
});
