import { describe, expect, it } from 'vitest';
import { runScenario } from './run.ts';
import { loadScenario, parseScenario } from './scenario.ts';
import { MemorySink } from './sinks/memory.ts';
import { toE164 } from './testing.ts';

/** The default scenario, small: couriers (benign, many strangers) and telemarketers (nuisance), 12 h; `counts` overrides. */
function small(backgroundComplaints?: Record<string, unknown>, counts: Record<string, number> = {}) {
  const s = structuredClone(loadScenario('default', { scale: 1, hours: 12 })) as unknown as Record<string, unknown>;
  const pops = s.populations as Record<string, { count: number }>;
  for (const [name, p] of Object.entries(pops)) if ('count' in p) p.count = counts[name] ?? (['couriers', 'telemarketers'].includes(name) ? 10 : 0);
  s.publicPool = 5000;
  if (backgroundComplaints) s.backgroundComplaints = backgroundComplaints;
  return parseScenario(s);
}

async function run(backgroundComplaints?: Record<string, unknown>, counts: Record<string, number> = {}) {
  const sink = new MemorySink();
  const scenario = small(backgroundComplaints, counts);
  const result = await runScenario(scenario, 11, sink);
  const end = Date.parse(scenario.start) + (scenario.warmupHours + scenario.hours) * 3_600_000;
  return { sink, result, end, nuisance: new Set(result.truth.filter((t) => t.nuisance).map((t) => t.number)) };
}

describe('background complaints (scenario `backgroundComplaints`)', () => {
  it('are off unless set: the built-in scenarios have none', () => {
    for (const name of ['default', 'adversarial']) expect(loadScenario(name).backgroundComplaints).toEqual({ perAnswered: 0, perUnanswered: 0, delayMinutes: [2, 240] });
  });

  it('come from the callees of benign callers at the set rates, after the call, and leave every call as it was', async () => {
    const plain = await run();
    const every = await run({ perAnswered: 1, perUnanswered: 0, delayMinutes: [5, 5] });
    // The calls are the same records: the draws have a stream of their own.
    expect(every.sink.calls).toEqual(plain.sink.calls);
    const added = every.result.stats.backgroundComplaints;
    expect(plain.result.stats.backgroundComplaints).toBe(0);
    expect(every.result.stats.complaints).toBe(plain.result.stats.complaints + added);
    // One per answered call of a benign caller, filed 5 min after it ended if that is within the run; none otherwise.
    // (Each call once: the scenario redelivers a few as duplicates.)
    const calls = [...new Map(every.sink.calls.map((c) => [c.eventId, c])).values()];
    // (A call back to a nuisance number is no occasion: its callee files nothing.)
    const answeredBenign = calls.filter(
      (c) => c.outcome === 'ANSWERED' && !every.nuisance.has(toE164(c.caller)) && !every.nuisance.has(toE164(c.callee)) && c.endTime + 5 * 60_000 < every.end,
    );
    expect(answeredBenign.length).toBeGreaterThan(50);
    expect(added).toBe(answeredBenign.length);
    const ids = new Set(plain.sink.complaints.map((c) => c.reportId));
    const background = every.sink.complaints.filter((c) => !ids.has(c.reportId));
    expect(background).toHaveLength(added);
    const byPair = new Map(answeredBenign.map((c) => [`${toE164(c.callee)}>${toE164(c.caller)}`, c]));
    for (const c of background) {
      // Filed by a callee about a benign caller, never about a nuisance number.
      expect(every.nuisance.has(toE164(c.reported))).toBe(false);
      const call = every.sink.calls.find((x) => toE164(x.caller) === toE164(c.reported) && toE164(x.callee) === toE164(c.reporter) && x.endTime + 5 * 60_000 === c.reportTime);
      expect(call, `${c.reporter} about ${c.reported}`).toBeDefined();
    }
    for (const [pair] of byPair) expect(background.some((c) => `${toE164(c.reporter)}>${toE164(c.reported)}` === pair), pair).toBe(true);
  });

  it('follow unanswered calls at their own rate, after a delay drawn in its range, with several categories', async () => {
    const plain = await run();
    const r = await run({ perAnswered: 0, perUnanswered: 1, delayMinutes: [10, 20] });
    const ids = new Set(plain.sink.complaints.map((c) => c.reportId));
    const background = r.sink.complaints.filter((c) => !ids.has(c.reportId));
    expect(background.length).toBeGreaterThan(20);
    const delays = new Set<number>();
    for (const c of background) {
      const calls = r.sink.calls.filter((x) => toE164(x.caller) === toE164(c.reported) && toE164(x.callee) === toE164(c.reporter));
      // An unanswered call of the pair ended 10-20 min before the complaint.
      const fits = calls.filter((x) => x.outcome !== 'ANSWERED' && c.reportTime - x.endTime >= 10 * 60_000 && c.reportTime - x.endTime <= 20 * 60_000);
      expect(fits.length, `${c.reporter} about ${c.reported}`).toBeGreaterThan(0);
      delays.add(Math.round((c.reportTime - fits[0].endTime) / 1000));
    }
    expect(delays.size).toBeGreaterThan(5);
    expect(new Set(background.map((c) => c.category)).size).toBeGreaterThan(1);
  });

  it('stay with their record stream: adding an isolated population (busy lines) changes none of the others', async () => {
    const rates = { perAnswered: 0.2, perUnanswered: 0.1 };
    const counts = { subscribers: 10 };
    const without = await run(rates, { ...counts, busyLines: 0 });
    const withLines = await run(rates, { ...counts, busyLines: 5 });
    const key = (c: { reportId: string; reporter: string; reported: string; reportTime: number; category: string }) => JSON.stringify(c);
    const before = without.sink.complaints.map(key);
    const after = new Set(withLines.sink.complaints.map(key));
    expect(without.result.stats.backgroundComplaints).toBeGreaterThan(20);
    // Every complaint of the run without the busy lines is in the run with them, ids and all.
    expect(before.filter((c) => !after.has(c))).toEqual([]);
    expect(withLines.result.stats.backgroundComplaints).toBeGreaterThan(without.result.stats.backgroundComplaints);
  });

  it('are never filed by a nuisance number', async () => {
    const r = await run({ perAnswered: 1, perUnanswered: 1 });
    const plain = await run();
    const ids = new Set(plain.sink.complaints.map((c) => c.reportId));
    const background = r.sink.complaints.filter((c) => !ids.has(c.reportId));
    expect(background.length).toBeGreaterThan(100);
    expect(background.filter((c) => r.nuisance.has(toE164(c.reporter)))).toEqual([]);
  });

  it('are refused outside 0..1', () => {
    expect(() => small({ perAnswered: 1.5 })).toThrow(/perAnswered/);
  });
});
