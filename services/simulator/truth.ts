/** Ground truth of a simulated run: one line per number that made calls. */
import type { Num } from './numbers.ts';

/** One line of truth.jsonl. */
export interface TruthRow {
  /** E.164. */
  number: string;
  /** Population label (the scenario key, or `public` for callees who called). */
  population: string;
  nuisance: boolean;
  /** Event time (ms) of the number's first call in the scored period (nuisance numbers only). */
  firstNuisanceTime?: number;
}

/**
 * Truth rows for every number that made at least one call: actors first
 * (they win over a public number with the same E.164), sorted by number.
 */
export function truthRows(actors: readonly Num[], publicCallers: readonly Num[]): TruthRow[] {
  const byNumber = new Map<string, TruthRow>();
  for (const n of [...actors, ...publicCallers]) {
    if (n.calls === 0 || byNumber.has(n.e164)) continue;
    const row: TruthRow = { number: n.e164, population: n.population, nuisance: n.nuisance };
    if (n.nuisance && n.firstScoredCall >= 0) row.firstNuisanceTime = n.firstScoredCall;
    byNumber.set(n.e164, row);
  }
  return [...byNumber.values()].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
}
