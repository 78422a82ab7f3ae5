/**
 * Allowlisted institutions, e.g. hospital appointment lines: fixed-line
 * numbers calling many patients (strangers) in office hours; unanswered
 * patients are retried once and some call back. On the allowlist unless
 * `allowlisted` is false (clinics, schools' offices nobody registered).
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['institutions'];

/** Creates the institutions' lines and (by default) puts them on the allowlist. */
export function buildInstitutions(ctx: BuildContext, cfg: Config): Num[] {
  return buildActors(ctx, cfg.count, { nuisance: false, kinds: { fixed: 1 }, providers: cfg.providers }, (me, rng) => {
    if (cfg.allowlisted) ctx.allow(me);
    const perDay = rng.range(cfg.callsPerDay);
    driveAtRate(
      ctx.sim,
      rng,
      { from: ctx.sim.start, to: ctx.sim.end, perDay, rhythm: cfg.rhythm },
      () => attempt(ctx.sim, cfg, rng, me, ctx.pool.random(rng), true),
    );
  });
}

function attempt(sim: Sim, cfg: Config, rng: Rng, me: Num, patient: Num, mayRetry: boolean): void {
  const outcome = pickOutcome(rng, cfg.outcomes);
  sim.call({ caller: me, callee: patient, outcome, talkMs: talkMs(rng, cfg.talk) });
  if (outcome === 'ANSWERED') return;
  if (rng.chance(cfg.callbackAfterMissed)) {
    sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), () => {
      sim.call({ caller: patient, callee: me, outcome: rng.chance(0.8) ? 'ANSWERED' : 'BUSY', talkMs: talkMs(rng, cfg.talk) });
    });
  } else if (mayRetry && rng.chance(cfg.retryUnanswered)) {
    sim.at(sim.now + minutes(rng, cfg.retryDelayMinutes), () => attempt(sim, cfg, rng, me, patient, false));
  }
}
