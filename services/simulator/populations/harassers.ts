/**
 * Harassers: a stranger called again and again after explicitly rejecting
 * (REJECTED), with a gap of minutes between attempts; the victim complains
 * once.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { nextActive } from '../time.ts';
import { activeSpan, buildActors, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['harassers'];

/** Creates the harassers and their victims' episodes. */
export function buildHarassers(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng) => {
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    const victims = Math.max(1, rng.intRange(cfg.victims));
    for (let v = 0; v < victims; v++) {
      const victim = ctx.pool.random(rng);
      const start = nextActive(v === 0 ? from : Math.floor(rng.uniform(from, to)), cfg.rhythm);
      const calls = rng.intRange(cfg.callsPerVictim);
      const complainAt = rng.chance(cfg.complaintChance) ? Math.max(1, rng.intRange(cfg.complaintAfterCalls)) : -1;
      if (start < to) sim.at(start, () => harass(sim, cfg, rng, me, victim, 1, calls, complainAt));
    }
  });
}

function harass(sim: Sim, cfg: Config, rng: Rng, me: Num, victim: Num, k: number, calls: number, complainAt: number): void {
  const outcome = pickOutcome(rng, k === 1 ? cfg.firstOutcomes : cfg.laterOutcomes);
  const rec = sim.call({ caller: me, callee: victim, outcome, talkMs: talkMs(rng, cfg.talk) });
  if (k === complainAt) sim.complaint(sim.now + minutes(rng, cfg.complaintDelayMinutes), victim, me, 'HARASSMENT');
  if (k < calls) sim.at(rec.endTime + minutes(rng, cfg.gapMinutes), () => harass(sim, cfg, rng, me, victim, k + 1, calls, complainAt));
}
