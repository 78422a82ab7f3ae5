/**
 * Checks of the run options that `callguard simulate` and `npm run eval`
 * share, on the strings commander hands over: each returns the problem, or
 * '' when there is none.
 */

/** `--seed`: a non-negative integer. */
export function seedProblem(raw: string): string {
  const seed = Number(raw);
  return Number.isSafeInteger(seed) && seed >= 0 ? '' : `--seed must be a non-negative integer, got ${raw}`;
}

/** An option that, when given, must be a positive number (`--hours`, `--scale`, `--rate`). */
export function positiveNumberProblem(flag: string, raw: string | undefined): string {
  return raw === undefined || Number(raw) > 0 ? '' : `${flag} must be a positive number, got ${raw}`;
}

/** `--seed`, `--hours` and `--scale` of a simulated run: the problems found (none: empty). */
export function runOptionProblems(o: { seed: string; hours?: string; scale?: string }): string[] {
  return [seedProblem(o.seed), positiveNumberProblem('--hours', o.hours), positiveNumberProblem('--scale', o.scale)].filter(Boolean);
}
