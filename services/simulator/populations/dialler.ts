/**
 * The behaviour shared by marketers of every kind: calling strangers at a
 * rate over a daily rhythm with an actor-specific answer rate, short talk,
 * some complaints, occasional "who called me?" callbacks and retries.
 * Telemarketers, low-and-slow marketers and quiet-hours marketers are this
 * with different parameters; unconsented call centres and snowshoe
 * campaigns build on it.
 */
import type { ComplaintCategory } from '../../../shared/contracts/records.ts';
import type { Num } from '../numbers.ts';
import { pickWithAnswerRate, type OutcomeMix } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { DiallerConfig } from '../scenario.ts';
import type { RhythmName } from '../time.ts';
import { localHour, RHYTHMS } from '../time.ts';
import { activeSpan, buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

/** The behavioural part of a dialler's configuration. */
export interface DiallerBehaviour {
  callsPerDay: [number, number];
  rhythm: RhythmName;
  answerRate: [number, number];
  unanswered: OutcomeMix;
  talk: { median: number; sigma: number; min: number; max: number };
  complaintPerAnswered: number;
  complaintPerRejected: number;
  complaintDelayMinutes: [number, number];
  complaintCategory: ComplaintCategory;
  callbackRate: number;
  retryRate: number;
  retryDelayMinutes: [number, number];
}

/** Per-actor choices that a campaign may fix for all its numbers. */
export interface DiallerOptions {
  perDay?: number;
  answerRate?: number;
  /** Chooses the callee; a random member of the public by default. */
  pickCallee?: () => Num;
}

/** Runs one dialling number over [from, to). */
export function runDialler(ctx: BuildContext, me: Num, rng: Rng, cfg: DiallerBehaviour, from: number, to: number, opts: DiallerOptions = {}): void {
  const { sim } = ctx;
  const perDay = opts.perDay ?? rng.range(cfg.callsPerDay);
  const answerRate = opts.answerRate ?? rng.range(cfg.answerRate);
  const pick = opts.pickCallee ?? (() => ctx.pool.random(rng));
  const attempt = (callee: Num, mayRetry: boolean): void => {
    const outcome = pickWithAnswerRate(rng, answerRate, cfg.unanswered);
    sim.call({ caller: me, callee, outcome, talkMs: talkMs(rng, cfg.talk) });
    const complain = outcome === 'ANSWERED' ? cfg.complaintPerAnswered : outcome === 'REJECTED' ? cfg.complaintPerRejected : 0;
    if (complain > 0 && rng.chance(complain)) {
      sim.complaint(sim.now + minutes(rng, cfg.complaintDelayMinutes), callee, me, cfg.complaintCategory);
    }
    if (outcome === 'ANSWERED') return;
    if (rng.chance(cfg.callbackRate)) {
      sim.at(sim.now + minutes(rng, [1, 120]), () => {
        sim.call({ caller: callee, callee: me, outcome: rng.chance(0.6) ? 'ANSWERED' : 'NO_ANSWER', talkMs: Math.round(rng.uniform(5, 40) * 1000) });
      });
    } else if (mayRetry && rng.chance(cfg.retryRate)) {
      // Retries keep to the dialler's working hours and active span.
      const t = sim.now + minutes(rng, cfg.retryDelayMinutes);
      if (t < to && RHYTHMS[cfg.rhythm][localHour(t)] > 0) sim.at(t, () => attempt(callee, false));
    }
  };
  driveAtRate(
    sim,
    rng,
    { from, to, perDay, rhythm: cfg.rhythm },
    () => attempt(pick(), true),
  );
}

/** Builds a population of independent dialling numbers (telemarketers, low-and-slow, quiet hours). */
export function buildDiallers(ctx: BuildContext, cfg: DiallerConfig): Num[] {
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng) => {
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    runDialler(ctx, me, rng, cfg, from, to);
  });
}
