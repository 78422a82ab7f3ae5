/** The human-readable summary printed at the end of a simulation. */
import type { RunResult } from './run.ts';
import type { Scenario } from './scenario.ts';

/** meta.json: what was simulated, for tools that read the output folder. */
export function runMeta(scenario: Scenario, seed: number, r: RunResult) {
  return {
    scenario: scenario.name,
    seed,
    hours: scenario.hours,
    warmupHours: scenario.warmupHours,
    scale: scenario.scale,
    start: r.start,
    scoredStart: r.scoredStart,
    end: r.end,
    written: r.written,
    duplicates: r.stats.duplicates,
    outOfOrder: r.outOfOrder,
    maxLatenessMs: r.maxLatenessMs,
    numbersByPopulation: r.numbersByPopulation,
    callsByPopulation: r.stats.callsByPopulation,
  };
}

/** Formats a run's figures as a small table. */
export function formatSummary(name: string, seed: number, r: RunResult, where: string): string {
  const lines: string[] = [];
  const pops = Object.keys({ ...r.numbersByPopulation, ...r.stats.callsByPopulation }).sort();
  lines.push(`simulated scenario ${name} (seed ${seed}) → ${where}`);
  lines.push(
    `event time ${new Date(r.start).toISOString()} → ${new Date(r.end).toISOString()} (scored from ${new Date(r.scoredStart).toISOString()})`,
  );
  lines.push('');
  lines.push(`${'population'.padEnd(20)} ${'numbers'.padStart(8)} ${'calls'.padStart(10)} ${'answered'.padStart(9)}`);
  for (const p of pops) {
    const calls = r.stats.callsByPopulation[p] ?? 0;
    const ans = r.stats.answeredByPopulation[p] ?? 0;
    lines.push(
      `${p.padEnd(20)} ${String(r.numbersByPopulation[p] ?? 0).padStart(8)} ${String(calls).padStart(10)} ${(calls ? ((100 * ans) / calls).toFixed(1) + '%' : '-').padStart(9)}`,
    );
  }
  lines.push(`${'total'.padEnd(20)} ${String(r.truth.length).padStart(8)} ${String(r.stats.calls).padStart(10)}`);
  lines.push('');
  const secs = r.wallMs / 1000;
  const total = r.written.calls + r.written.complaints + r.written.consents;
  lines.push(`call records written: ${r.written.calls} (of which duplicated eventIds: ${r.stats.duplicates})`);
  lines.push(`out of order: ${r.outOfOrder} (${((100 * r.outOfOrder) / Math.max(1, r.written.calls)).toFixed(2)}%), at most ${(r.maxLatenessMs / 1000).toFixed(1)} s late`);
  lines.push(`complaints: ${r.written.complaints}; consent records: ${r.stats.consents} grants, ${r.stats.consentRevocations} revocations; allowlisted: ${r.allowlist.length}`);
  lines.push(`${total} records in ${secs.toFixed(1)} s (${Math.round(total / Math.max(secs, 1e-3))} records/s)`);
  return lines.join('\n') + '\n';
}
