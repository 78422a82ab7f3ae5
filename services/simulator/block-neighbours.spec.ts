/**
 * The ordinary neighbours of the snowshoe campaigns (populations/blockNeighbours.ts):
 * their numbers share a campaign's block and provider, they are benign,
 * they call mostly their contacts, a few call several strangers, and adding
 * them changes no other record.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { BLOCK_DIGITS } from './populations/blockNeighbours.ts';
import { runScenario } from './run.ts';
import { loadScenario, parseScenario, type Scenario } from './scenario.ts';
import { MemorySink } from './sinks/memory.ts';
import { answerRate, groupBy, smallRun, toE164, type SmallRun } from './testing.ts';

let run: SmallRun;
beforeAll(async () => {
  run = await smallRun('default', 7, 0.1, 24);
}, 120_000);

const head = (e164: string): string => e164.slice(0, -BLOCK_DIGITS);
/** A short digest of records, so that a difference fails with a readable message. */
const digest = (xs: readonly unknown[]): string => `${xs.length} records, sha256 ${createHash('sha256').update(JSON.stringify(xs)).digest('hex').slice(0, 16)}`;
const providerOf = (calls: readonly CallEvent[]): Set<string> => new Set(calls.map((c) => c.accessProvider).filter((p): p is string => p !== null));

describe('block neighbours', () => {
  it('live in the snowshoe campaigns’ blocks, on the campaign’s provider, and every block has some', () => {
    const campaign = groupBy(run.callsOf('snowshoe'), (c) => toE164(c.caller));
    const neighbours = groupBy(run.callsOf('blockNeighbours'), (c) => toE164(c.caller));
    expect(BLOCK_DIGITS).toBe(3); // the engine's default block: all digits but the last 3
    expect(neighbours.size).toBeGreaterThan(20);
    const campaignProviders = new Map<string, Set<string>>();
    for (const [num, calls] of campaign) {
      const s = campaignProviders.get(head(num)) ?? new Set<string>();
      for (const p of providerOf(calls)) s.add(p);
      campaignProviders.set(head(num), s);
    }
    const blocksWithNeighbours = new Set<string>();
    for (const [num, calls] of neighbours) {
      const providers = campaignProviders.get(head(num));
      expect(providers, num).toBeDefined();
      // One provider per block, the campaign's.
      expect([...providerOf(calls)], num).toEqual([...(providers as Set<string>)]);
      expect(campaign.has(num), num).toBe(false);
      blocksWithNeighbours.add(head(num));
    }
    expect([...blocksWithNeighbours].sort()).toEqual([...campaignProviders.keys()].sort());
  });

  it('are benign in the truth', () => {
    const rows = run.result.truth.filter((r) => r.population === 'blockNeighbours');
    expect(rows.length).toBe(run.result.numbersByPopulation.blockNeighbours);
    for (const r of rows) {
      expect(r.nuisance, r.number).toBe(false);
      expect(r.firstNuisanceTime).toBeUndefined();
    }
  });

  it('call mostly their contacts, answered; a few also call several strangers, often answered', () => {
    const calls = run.callsOf('blockNeighbours');
    const isNeighbour = (s: string) => run.populationOf.get(toE164(s)) === 'blockNeighbours';
    const toContacts = calls.filter((c) => isNeighbour(c.callee));
    expect(toContacts.length / calls.length).toBeGreaterThan(0.6);
    expect(answerRate(toContacts)).toBeGreaterThan(0.7);
    // Contacts are reciprocal: most pairs called one way are called the other way too.
    const pairs = new Set(toContacts.map((c) => `${toE164(c.caller)}>${toE164(c.callee)}`));
    const back = [...pairs].filter((p) => pairs.has(p.split('>').reverse().join('>'))).length;
    expect(back / pairs.size).toBeGreaterThan(0.5);
    // Busy neighbours: several strangers in the run, a real share of them answered.
    const strangers = groupBy(
      calls.filter((c) => !isNeighbour(c.callee)),
      (c) => toE164(c.caller),
    );
    const busy = [...strangers.values()].filter((l) => new Set(l.map((c) => toE164(c.callee))).size >= 6);
    const neighbours = run.result.numbersByPopulation.blockNeighbours;
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.length / neighbours).toBeLessThan(0.35);
    const busyCalls = busy.flat();
    expect(answerRate(busyCalls)).toBeGreaterThan(0.35);
    expect(answerRate(busyCalls)).toBeLessThan(0.9);
    // No complaints about them.
    const reported = new Set(run.sink.complaints.map((c) => toE164(c.reported)));
    for (const n of strangers.keys()) expect(reported.has(n), n).toBe(false);
  });

  it('leave every other record as it was: same numbers, calls, complaints and consents', async () => {
    const tiny = (perBlock: [number, number]): Scenario => {
      const s = structuredClone(loadScenario('adversarial', { scale: 0.05, hours: 12 })) as unknown as { populations: Record<string, Record<string, unknown>> };
      s.populations.blockNeighbours.perBlock = perBlock;
      return parseScenario(s);
    };
    const without = new MemorySink();
    const withThem = new MemorySink();
    const withoutRun = await runScenario(tiny([0, 0]), 4, without);
    const r = await runScenario(tiny([20, 20]), 4, withThem);
    const nb = new Set(r.truth.filter((t) => t.population === 'blockNeighbours').map((t) => t.number));
    expect(nb.size).toBeGreaterThan(0);
    const others = withThem.calls.filter((c) => !nb.has(toE164(c.caller)) && !nb.has(toE164(c.callee)));
    expect(others.length).toBeLessThan(withThem.calls.length);
    expect(digest(others)).toBe(digest(without.calls));
    expect(digest(withThem.complaints)).toBe(digest(without.complaints));
    expect(digest(withThem.consents)).toBe(digest(without.consents));
    expect(digest(r.truth.filter((t) => !nb.has(t.number)))).toBe(digest(withoutRun.truth));
    // Their records have ids of their own.
    const ids = new Set(without.calls.map((c) => c.eventId));
    for (const c of withThem.calls) if (!others.includes(c)) expect(ids.has(c.eventId), c.eventId).toBe(false);
  }, 120_000);

  it('are optional in a scenario file: the defaults apply', () => {
    const raw = structuredClone(loadScenario('default')) as unknown as { populations: Record<string, unknown> };
    const explicit = raw.populations.blockNeighbours;
    delete raw.populations.blockNeighbours;
    expect(parseScenario(raw).populations.blockNeighbours).toEqual(explicit);
  });
});
