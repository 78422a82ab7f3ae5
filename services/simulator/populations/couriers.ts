/**
 * Couriers and delivery riders: many strangers a day in working hours,
 * mostly answered, short-ish talk; unanswered customers are retried and
 * often call back.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['couriers'];

/** Creates the couriers. */
export function buildCouriers(ctx: BuildContext, cfg: Config): Num[] {
  return buildActors(ctx, cfg.count, { nuisance: false, kinds: { mobile: 1 }, providers: cfg.providers }, (me, rng) => {
    const perDay = rng.range(cfg.strangersPerDay);
    driveAtRate(
      ctx.sim,
      rng,
      { from: ctx.sim.start, to: ctx.sim.end, perDay, rhythm: cfg.rhythm },
      () => attempt(ctx.sim, cfg, rng, me, ctx.pool.random(rng), cfg.maxRetries),
    );
  });
}

function attempt(sim: Sim, cfg: Config, rng: Rng, me: Num, customer: Num, retriesLeft: number): void {
  const outcome = pickOutcome(rng, cfg.outcomes);
  sim.call({ caller: me, callee: customer, outcome, talkMs: talkMs(rng, cfg.talk) });
  const customerCalls = (): void => {
    sim.call({ caller: customer, callee: me, outcome: rng.chance(0.93) ? 'ANSWERED' : 'BUSY', talkMs: talkMs(rng, cfg.talk) });
  };
  if (outcome === 'ANSWERED') {
    if (rng.chance(cfg.callbackAfterAnswered)) sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), customerCalls);
    return;
  }
  if (rng.chance(cfg.callbackAfterMissed)) {
    sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), customerCalls);
  } else if (retriesLeft > 0 && rng.chance(cfg.retryUnanswered)) {
    sim.at(sim.now + minutes(rng, cfg.retryDelayMinutes), () => attempt(sim, cfg, rng, me, customer, retriesLeft - 1));
  }
}
