/**
 * Ring-once lures ("wangiri"): very short attempts cancelled by the caller
 * after a ring or two, to strangers, hoping for a callback to a premium
 * line; some victims call back, and some of those complain (fraud).
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Scenario } from '../scenario.ts';
import { perHourToPerDay } from '../time.ts';
import { activeSpan, buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['ringOnce'];

/** Creates the ring-once lures. */
export function buildRingOnce(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng) => {
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    const perDay = perHourToPerDay(rng.range(cfg.callsPerHour), cfg.rhythm);
    driveAtRate(
      sim,
      rng,
      { from, to, perDay, rhythm: cfg.rhythm },
      () => {
        const victim = ctx.pool.random(rng);
        const outcome = pickOutcome(rng, cfg.outcomes);
        const ringMs = outcome === 'CANCELLED' ? Math.round(rng.range(cfg.ringSeconds) * 1000) : undefined;
        sim.call({ caller: me, callee: victim, outcome, ringMs, talkMs: Math.round(rng.uniform(1, 4) * 1000) });
        if (outcome !== 'CANCELLED' || !rng.chance(cfg.callbackRate)) return;
        sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), () => {
          sim.call({ caller: victim, callee: me, outcome: 'ANSWERED', talkMs: talkMs(rng, cfg.callbackTalk) });
          if (rng.chance(cfg.complaintPerCallback)) sim.complaint(sim.now + minutes(rng, [5, 90]), victim, me, 'FRAUD');
        });
      },
      15 * 60_000,
    );
  });
}
