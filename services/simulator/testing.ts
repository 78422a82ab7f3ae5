/**
 * Helpers for the simulator's specs: a small seeded run kept in memory and
 * the inverse of {@link formatNum} for the forms the simulator writes.
 */
import type { CallEvent } from '../../shared/contracts/records.ts';
import { runScenario, type RunResult } from './run.ts';
import { loadScenario, type Scenario } from './scenario.ts';
import { MemorySink } from './sinks/memory.ts';

/** E.164 of a number in any form the simulator writes (E.164, national, 0086). */
export function toE164(s: string): string {
  if (s.startsWith('+')) return s;
  if (s.startsWith('0086')) return '+86' + s.slice(4);
  if (s.startsWith('0')) return '+86' + s.slice(1);
  return '+86' + s;
}

/** A finished in-memory run. */
export interface SmallRun {
  scenario: Scenario;
  result: RunResult;
  sink: MemorySink;
  /** E.164 → population, from the truth. */
  populationOf: Map<string, string>;
  /** Calls grouped by the caller's population. */
  callsOf(population: string): CallEvent[];
}

/** Runs a built-in scenario at a small scale into memory. */
export async function smallRun(name = 'default', seed = 7, scale = 0.1, hours = 24): Promise<SmallRun> {
  const scenario = loadScenario(name, { scale, hours });
  const sink = new MemorySink();
  const result = await runScenario(scenario, seed, sink);
  const populationOf = new Map(result.truth.map((r) => [r.number, r.population]));
  const byPop = new Map<string, CallEvent[]>();
  for (const c of sink.calls) {
    const p = populationOf.get(toE164(c.caller)) ?? '?';
    let list = byPop.get(p);
    if (!list) byPop.set(p, (list = []));
    list.push(c);
  }
  return { scenario, result, sink, populationOf, callsOf: (p) => byPop.get(p) ?? [] };
}

/** Groups items by a key. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(x);
  }
  return m;
}

/** Share of calls answered. */
export function answerRate(calls: readonly CallEvent[]): number {
  return calls.filter((c) => c.outcome === 'ANSWERED').length / Math.max(1, calls.length);
}
