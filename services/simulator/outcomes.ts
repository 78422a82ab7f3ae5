/**
 * How a call attempt ends: outcome mixes, ring and talk durations, and the
 * release cause a probe reports (SIP status, or Q.850 cause for probes on
 * ISUP/TDM interfaces).
 */
import type { CallOutcome } from '../../shared/contracts/records.ts';
import { CALL_OUTCOMES } from '../../shared/contracts/records.ts';
import type { Rng } from './prng.ts';

/** Relative weights of outcomes (need not sum to 1). */
export type OutcomeMix = Partial<Record<CallOutcome, number>>;

/** Draws an outcome from a mix. */
export function pickOutcome(rng: Rng, mix: OutcomeMix): CallOutcome {
  let total = 0;
  for (const o of CALL_OUTCOMES) total += mix[o] ?? 0;
  let u = rng.float() * total;
  for (const o of CALL_OUTCOMES) {
    u -= mix[o] ?? 0;
    if (u < 0) return o;
  }
  return 'NO_ANSWER';
}

/**
 * Draws an outcome where the answer probability is fixed and the remaining
 * probability is split by `unanswered` (weights of the other outcomes).
 */
export function pickWithAnswerRate(rng: Rng, answerRate: number, unanswered: OutcomeMix): CallOutcome {
  if (rng.chance(answerRate)) return 'ANSWERED';
  let total = 0;
  for (const o of UNANSWERED) total += unanswered[o] ?? 0;
  let u = rng.float() * total;
  for (const o of UNANSWERED) {
    u -= unanswered[o] ?? 0;
    if (u < 0) return o;
  }
  return 'NO_ANSWER';
}

const UNANSWERED = CALL_OUTCOMES.filter((o) => o !== 'ANSWERED');

/** Typical duration (ms) from the start of the attempt to answer or release, by outcome. */
export function defaultRingMs(rng: Rng, outcome: CallOutcome): number {
  switch (outcome) {
    case 'ANSWERED':
      return Math.round(rng.logNormal(7000, 0.5, 1500, 40000));
    case 'REJECTED':
      return Math.round(rng.uniform(2000, 14000));
    case 'BUSY':
      return Math.round(rng.uniform(400, 2500));
    case 'NO_ANSWER':
      return Math.round(rng.uniform(30000, 60000));
    case 'CANCELLED':
      return Math.round(rng.uniform(4000, 25000));
    case 'FAILED':
      return Math.round(rng.uniform(150, 3000));
  }
}

const SIP_CAUSES: Record<CallOutcome, readonly number[]> = {
  ANSWERED: [200],
  REJECTED: [603, 603, 603, 603, 486],
  BUSY: [486, 486, 486, 600],
  NO_ANSWER: [480, 480, 408, 408, 487],
  CANCELLED: [487],
  FAILED: [404, 404, 484, 500, 503, 503, 408],
};

const Q850_CAUSES: Record<CallOutcome, readonly number[]> = {
  ANSWERED: [16],
  REJECTED: [21],
  BUSY: [17],
  NO_ANSWER: [19, 18],
  CANCELLED: [16, 31],
  FAILED: [1, 1, 28, 34, 38, 41],
};

/** Family of codes a probe reports in `releaseCause`. */
export type CauseFamily = 'sip' | 'q850';

/** A release cause consistent with the outcome, in the probe's family. */
export function releaseCause(rng: Rng, outcome: CallOutcome, family: CauseFamily): number {
  return rng.pick(family === 'sip' ? SIP_CAUSES[outcome] : Q850_CAUSES[outcome]);
}
