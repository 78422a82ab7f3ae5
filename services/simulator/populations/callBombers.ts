/**
 * Call bombers: dozens of attempts at one victim within an hour (one or a
 * few bursts), each attempt starting soon after the previous one ended; the
 * victim usually complains.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { activeSpan, buildActors, burstStarts, minutes, type BuildContext } from './context.ts';

type Config = Scenario['populations']['callBombers'];

/** Creates the call bombers. */
export function buildCallBombers(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng) => {
    const victim = ctx.pool.random(rng);
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    const bursts = Math.max(1, rng.intRange(cfg.bursts));
    const starts = burstStarts(rng, from, to, bursts, cfg.rhythm);
    let complained = !rng.chance(cfg.complaintChance);
    for (const t0 of starts) {
      if (t0 >= to) continue;
      const attempts = rng.intRange(cfg.attemptsPerBurst);
      const meanGap = (rng.range(cfg.burstMinutes) * 60_000) / attempts;
      sim.at(t0, () => burst(sim, cfg, rng, me, victim, attempts, meanGap));
      if (!complained) {
        complained = true;
        sim.complaint(t0 + minutes(rng, cfg.complaintDelayMinutes), victim, me, 'HARASSMENT');
      }
    }
  });
}

function burst(sim: Sim, cfg: Config, rng: Rng, me: Num, victim: Num, left: number, meanGap: number): void {
  const start = sim.now;
  const outcome = pickOutcome(rng, cfg.outcomes);
  const ringMs = outcome === 'CANCELLED' ? Math.round(rng.range(cfg.cancelRingSeconds) * 1000) : undefined;
  const rec = sim.call({ caller: me, callee: victim, outcome, ringMs, talkMs: Math.round(rng.uniform(1, 6) * 1000) });
  if (left <= 1) return;
  const next = Math.max(rec.endTime + 2000, start + meanGap * rng.uniform(0.5, 1.5));
  sim.at(next, () => burst(sim, cfg, rng, me, victim, left - 1, meanGap));
}
