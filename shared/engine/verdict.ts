import { hash } from 'node:crypto';
import type { Severity } from '../contracts/records.ts';
import type { EngineConfig } from '../config/schema.ts';
import type { ScoredReason } from './signals.ts';

export const SEVERITY_RANK: Record<Severity, number> = { WATCH: 1, LABEL: 2, BLOCK_RECOMMENDED: 3 };

export interface Verdict {
  score: number;
  severity: Severity | null;
}

/**
 * Combines the reasons into a score (the sum of their points, capped at
 * 100) and a severity. BLOCK_RECOMMENDED needs the block score AND at least
 * `blockMinRules` distinct evidence rules each of which would label the
 * number on its own (points ≥ the LABEL score; context reasons, and evidence
 * restating another's, never count): one signal, however strong, stops at
 * LABEL, padded with context or with another rule's first, WATCH-grade step
 * (a second attempt after a refusal, 40 points: a parcel station re-ringing
 * one customer who rejected it was BLOCK_RECOMMENDED beside its low answer
 * rate), since a number is verified by a person before it is shut down.
 * Distinct reporters' complaints are the exception whenever they are
 * evidence (from two reporters, 35 points): they are people's testimony, not
 * another reading of the calls, and never speak for a single quarrel.
 * Context reasons (volume, short talk, the hour) strengthen evidence but
 * cannot make a LABEL: unless the evidence alone reaches the LABEL score, the
 * score stays below it.
 */
export function verdict(reasons: readonly ScoredReason[], s: EngineConfig['severity']): Verdict {
  let sum = 0;
  let evidence = 0;
  let strong = 0;
  for (const r of reasons) {
    sum += r.points;
    if (r.context !== true) {
      evidence += r.points;
      // Only evidence counts towards the rules BLOCK_RECOMMENDED needs: a
      // context reason (HIGH_FREQUENCY 25–29, QUIET_HOURS at engaged callees
      // 25–40, SHORT_CALLS up to 20) is weak whatever its points, and volume
      // comes with most strong signals (60 attempts at one victim are 60 calls).
      // A reason that restates other evidence (QUIET_HOURS by the engagement test) is not another rule.
      if (r.restates !== true && (r.points >= s.label || r.rule === 'COMPLAINTS')) strong++;
    }
  }
  let score = Math.min(100, Math.round(sum));
  if (evidence < s.label && score >= s.label) score = s.label - 1;
  let severity: Severity | null = null;
  if (score >= s.block && strong >= s.blockMinRules) severity = 'BLOCK_RECOMMENDED';
  else if (score >= s.label) severity = 'LABEL';
  else if (score >= s.watch) severity = 'WATCH';
  return { score, severity };
}

/**
 * Deterministic flag id: the same number, severity and evidence episode (named
 * by the time it opened, which fixes the window of its flags) give the same
 * id; another episode or severity, another id.
 */
export function flagId(number: string, severity: Severity, episodeOpenedMs: number): string {
  // One-shot: the same digest as createHash('sha256').update(…).digest('hex'), without a Hash stream object per flag.
  return hash('sha256', `${number}|${severity}|${episodeOpenedMs}`, 'hex').slice(0, 32);
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A window's label from its length: whole days past a day (`7d`, `30d`), else
 * whole hours (`1h`, `24h`), minutes or seconds. The rules whose window is
 * configured label it so, and `windowMs` reads it back.
 */
export function windowLabel(ms: number): string {
  if (ms > 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.ceil(ms / 1_000)}s`;
}

/** Length of a reason's window label in ms (`windowLabel`'s form; an unknown label counts as 24 h). */
export function windowMs(label: string): number {
  // The labels most reasons carry, without the regex and its match array (`evaluate` reads every reason's window).
  if (label === '1h') return 3_600_000;
  if (label === '24h') return 86_400_000;
  const m = /^(\d+)([smhd])$/.exec(label);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : 86_400_000;
}
