/** Reading the eval's inputs: truth.jsonl and the FlagEvents that replay prints. */
import { readFileSync } from 'node:fs';
import { SEVERITIES } from '../../shared/contracts/records.ts';
import type { EvalFlag, EvalTruth } from './metrics.ts';

const SEVERITY_NAMES = new Set<string>(SEVERITIES);

/** Parses truth.jsonl; throws with the line number on a bad line. */
export function readTruth(file: string): EvalTruth[] {
  const out: EvalTruth[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const r = JSON.parse(line) as EvalTruth;
      if (typeof r.number !== 'string' || typeof r.population !== 'string' || typeof r.nuisance !== 'boolean') {
        throw new Error(`${file}:${i + 1}: not a truth line: ${line.slice(0, 120)}`);
      }
      out.push(r);
    });
  return out;
}

/** Parses one FlagEvent line of replay's stdout; null if it is not one. */
export function parseFlagLine(line: string): EvalFlag | null {
  if (!line.startsWith('{')) return null;
  let f: { number?: unknown; severity?: unknown; detectedAt?: unknown; reasons?: unknown };
  try {
    f = JSON.parse(line) as typeof f;
  } catch {
    return null;
  }
  if (typeof f.number !== 'string' || typeof f.severity !== 'string' || !SEVERITY_NAMES.has(f.severity) || typeof f.detectedAt !== 'number') return null;
  const rules = Array.isArray(f.reasons) ? f.reasons.map((r: { rule?: unknown }) => String(r?.rule)) : [];
  return { number: f.number, severity: f.severity as EvalFlag['severity'], detectedAt: f.detectedAt, rules };
}
