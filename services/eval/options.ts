/** The options of `npm run eval` (main.ts declares them) and their checks. */
import { positiveNumberProblem, runOptionProblems } from '../simulator/options.ts';

/** The options as commander parses them (strings). */
export interface EvalCliOptions {
  scenario: string;
  seed: string;
  hours?: string;
  scale?: string;
  config?: string;
  dataDir: string;
  reportDir: string;
  reuse?: boolean;
  strict?: boolean;
  sweep?: string;
  sweepScale: string;
  sweepHours: string;
}

/** What is wrong with the options, one message a problem (none: empty). */
export function evalOptionProblems(o: EvalCliOptions): string[] {
  const sweep = Number(o.sweep);
  return [
    ...runOptionProblems(o),
    o.sweep !== undefined && !(Number.isSafeInteger(sweep) && sweep > 0) ? `--sweep must be a positive integer, got ${o.sweep}` : '',
    positiveNumberProblem('--sweep-scale', o.sweepScale),
    positiveNumberProblem('--sweep-hours', o.sweepHours),
  ].filter(Boolean);
}
