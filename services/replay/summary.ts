/**
 * The end-of-run summary of `callguard replay` (printed on stderr): what was
 * read from each file, what was unusable, what the engine made of it, and
 * how fast.
 */
import type { EngineStats } from '../../shared/engine/api.ts';
import { RULES, SEVERITIES } from '../../shared/contracts/records.ts';
import { formatCount } from '../../shared/io/progress.ts';

/** Counts for one input file. */
export interface FileCounts {
  path: string;
  /** Valid records (for the allowlist: numbers). */
  read: number;
  /** Lines that could not be used (bad JSON, failed validation, bad number). */
  bad: number;
}

/** Everything the replay run measured. */
export interface ReplaySummary {
  calls: FileCounts;
  complaints: FileCounts | null;
  consents: FileCounts | null;
  allowlist: FileCounts | null;
  /** Engine counters at the end (accepted calls/complaints, duplicates, late, flags, tracked numbers). */
  stats: EngineStats;
  /** FlagEvents written to stdout. */
  flagsWritten: number;
  /** Wall time from the first read to the last flag written. */
  elapsedMs: number;
  /** Valid records of all files fed to the engine per second of `elapsedMs`. */
  eventsPerSecond: number;
  /** The output was closed by its reader before the end (e.g. `| head`). */
  outputClosed: boolean;
  /** Writing to stdout failed otherwise (ENOSPC, EIO …): the error's message; the run stopped early, flags are missing. */
  outputFailed: string | null;
  /** Where the engine config came from: `defaults`, the `--config` file, and `CALLGUARD_ENGINE_CONFIG` when set (applied on top). */
  config: string;
}

/** The config's sources as the summary names them. */
export function configSources(file: string | undefined, env: NodeJS.ProcessEnv): string {
  const base = file ?? 'defaults';
  return env.CALLGUARD_ENGINE_CONFIG ? `${base} + CALLGUARD_ENGINE_CONFIG` : base;
}

/** Renders the summary as aligned plain-text lines. */
export function formatSummary(s: ReplaySummary): string {
  const rows: [string, string][] = [];
  const file = (label: string, f: FileCounts | null, unit: string) => {
    if (f) rows.push([label, `${f.path}: ${formatCount(f.read)} ${unit}, ${plural(f.bad, 'bad line')}`]);
  };
  file('calls', s.calls, 'records');
  file('complaints', s.complaints, 'records');
  file('consents', s.consents, 'records');
  file('allowlist', s.allowlist, s.allowlist?.read === 1 ? 'number' : 'numbers');
  const st = s.stats;
  rows.push(['accepted', `${formatCount(st.calls)} calls, ${formatCount(st.complaints)} complaints, ${formatCount(st.consents)} consents`]);
  rows.push(['duplicates', `${formatCount(st.duplicates)} (same eventId/reportId again: counted once)`]);
  rows.push(['late', `${formatCount(st.late)} (behind the watermark: reported, not counted)`]);
  const bySeverity = SEVERITIES.map((sev) => `${sev} ${formatCount(st.flagsBySeverity[sev] ?? 0)}`).join(', ');
  const written = s.outputFailed !== null ? 'produced, not all written' : 'written';
  rows.push(['flags', `${formatCount(s.flagsWritten)} ${written} — ${bySeverity}`]);
  const byRule = RULES.filter((r) => (st.flagsByRule[r] ?? 0) > 0).map((r) => `${r} ${formatCount(st.flagsByRule[r]!)}`);
  rows.push(['by rule', byRule.length ? byRule.join(', ') : 'none']);
  rows.push(['numbers', `${formatCount(st.trackedNumbers)} tracked, ${formatCount(st.evictedNumbers)} evicted`]);
  rows.push(['config', s.config]);
  rows.push(['time', `${(s.elapsedMs / 1000).toFixed(1)} s, ${formatCount(s.eventsPerSecond)} events/s`]);
  if (s.outputClosed) rows.push(['output', 'closed by its reader before the end; the run stopped early']);
  if (s.outputFailed !== null) rows.push(['output', `write failed (${s.outputFailed}); the run stopped early, flags are missing`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return 'callguard replay summary\n' + rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}\n`).join('');
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}
