import { describe, expect, it } from 'vitest';
import { smallRun, toE164 } from './testing.ts';

/**
 * The records are what the detector sees, so they must not carry the truth.
 * Record ids used to be `s1-<n>` for most populations but `s1-sw.<n>`,
 * `s1-bl.<n>` and `s1-nb.<n>` for the swarm bombers (nuisance), the busy
 * lines' customers and the campaigns' neighbours (benign), and reportIds
 * `s1-sw.r<n>` for complaints about a swarm number: a detector reading ids
 * could have told those populations apart without judging any behaviour.
 */
describe('record ids carry no truth', () => {
  it('every eventId and reportId has the same shape whatever the population; ids stay unique', async () => {
    const run = await smallRun('adversarial', 5, 0.05, 12);
    const { sink, result, populationOf } = run;
    const pops = new Set(sink.calls.map((c) => populationOf.get(toE164(c.caller))));
    for (const p of ['swarmBombers', 'busyLines', 'blockNeighbours', 'telemarketers', 'subscribers']) expect(pops.has(p), p).toBe(true);

    const shape = (id: string) => `${id.replace(/[0-9a-z]+$/, '')}|${id.length}`;
    const callShapes = new Map<string, Set<string>>();
    for (const c of sink.calls) {
      const s = shape(c.eventId);
      const set = callShapes.get(s) ?? new Set<string>();
      set.add(populationOf.get(toE164(c.caller)) ?? '?');
      callShapes.set(s, set);
    }
    expect([...callShapes].map(([s, p]) => `${s}: ${[...p].sort().join(',')}`)).toHaveLength(1);

    expect(sink.complaints.length).toBeGreaterThan(0);
    const reportShapes = new Set(sink.complaints.map((r) => shape(r.reportId)));
    expect([...reportShapes]).toHaveLength(1);

    // Distinct records keep distinct ids; only the deliberate duplicates repeat one.
    expect(new Set(sink.calls.map((c) => c.eventId)).size).toBe(sink.calls.length - result.stats.duplicates);
    expect(new Set(sink.complaints.map((r) => r.reportId)).size).toBe(sink.complaints.length);
    // Calls and complaints do not share ids.
    const callIds = new Set(sink.calls.map((c) => c.eventId));
    expect(sink.complaints.some((r) => callIds.has(r.reportId))).toBe(false);
  }, 120_000);
});
