/**
 * Distributed call bombing (the "呼死你" services): an operation leases
 * numbers anywhere — scattered over blocks and 1–3 access providers, never
 * consecutive — and rings ONE victim from all of them in bursts: in a burst
 * every number makes a few attempts at random times (each starting at least
 * 2 s after that number's previous attempt ended), so their calls
 * interleave; bursts at one victim are at least `burstGapMinutes` apart
 * (end to start), so within an hour a number rings the victim hardly more
 * often than in one burst. The victim does not engage: the attempts go unanswered, are
 * rejected or cancelled after a short ring, and the few answered ones last
 * seconds (picked up, hung up). An operation may attack further victims
 * later, the same way, with the same numbers; a victim complains about one
 * of the numbers now and then. Each number on its own makes only a handful
 * of attempts at the victim: the swarm, not the number, is the signal.
 *
 * Built after every other population: its numbers are allocated after every
 * other allocation, and its behaviour and records use streams of their own
 * (`Sim.isolate`), so every other population's numbers and records stay as
 * they were.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { SwarmBombersConfig } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { HOUR, nextActive } from '../time.ts';
import { activeSpan, burstStarts, minutes, mobileOfPublic, newActor, scaled, type BuildContext } from './context.ts';

/** Gap between the end of a number's attempt and the start of its next one, at least (ms). */
export const MIN_GAP_MS = 2000;

/** Creates the operations and starts them; returns their numbers. */
export function buildSwarmBombers(ctx: BuildContext, cfg: SwarmBombersConfig): Num[] {
  const out: Num[] = [];
  for (let i = 0; i < scaled(ctx, cfg.count); i++) {
    const rng = ctx.rng.fork(`op/${i}`);
    const providers = pickProviders(rng, cfg.providers, rng.intRange(cfg.providersPerOperation));
    const numbers: Num[] = [];
    for (let k = Math.max(1, rng.intRange(cfg.numbersPerOperation)); k > 0; k--) {
      numbers.push(newActor(ctx, rng, ctx.population, true, cfg.kinds, { [rng.pick(providers)]: 1 }));
    }
    out.push(...numbers);
    const victims = 1 + Math.max(0, rng.intRange(cfg.otherVictims));
    let [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    for (let v = 0; v < victims && from < ctx.sim.end; v++) {
      attack(ctx, cfg, rng.fork(`victim/${v}`), numbers, mobileOfPublic(ctx, rng), from, to);
      from = to + rng.range(cfg.victimGapHours) * HOUR;
      to = Math.min(ctx.sim.end, from + rng.range(cfg.lifetimeHours) * HOUR);
    }
  }
  return out;
}

/** `n` distinct providers drawn by weight (all of them when fewer). */
function pickProviders(rng: Rng, weights: Record<string, number>, n: number): string[] {
  const names = Object.keys(weights).filter((p) => weights[p] > 0);
  const out: string[] = [];
  while (out.length < Math.max(1, n) && out.length < names.length) {
    const left = names.filter((p) => !out.includes(p));
    out.push(left[rng.weighted(left.map((p) => weights[p]))]);
  }
  return out;
}

/** Bursts at one victim within [from, to), and maybe the victim's complaint. */
function attack(ctx: BuildContext, cfg: SwarmBombersConfig, rng: Rng, numbers: readonly Num[], victim: Num, from: number, to: number): void {
  const { sim } = ctx;
  const bursts = Math.max(1, rng.intRange(cfg.bursts));
  const starts = burstStarts(rng, from, to, bursts, cfg.rhythm);
  let complained = !rng.chance(cfg.complaintChance);
  let free = -Infinity;
  for (const drawn of starts) {
    // Bursts do not overlap: a number's attempts at the victim within an hour stay those of one burst.
    const t0 = drawn >= free ? drawn : nextActive(Math.floor(free), cfg.rhythm);
    if (t0 >= to) continue;
    const length = rng.range(cfg.burstMinutes) * 60_000;
    free = t0 + length + cfg.burstGapMinutes * 60_000;
    numbers.forEach((me, k) => {
      const nrng = rng.fork(`burst/${t0}/${k}`);
      const attempts = Math.max(1, nrng.intRange(cfg.attemptsEach));
      const times = Array.from({ length: attempts }, () => t0 + Math.floor(nrng.uniform(0, length))).sort((a, b) => a - b);
      sim.at(times[0], () => ring(sim, cfg, nrng, me, victim, times, 0));
    });
    if (!complained) {
      complained = true;
      sim.complaint(t0 + length + minutes(rng, cfg.complaintDelayMinutes), victim, rng.pick(numbers), 'HARASSMENT');
    }
  }
}

/** Attempt `i` of a number's planned `times` in a burst; the next starts after this one ended. */
function ring(sim: Sim, cfg: SwarmBombersConfig, rng: Rng, me: Num, victim: Num, times: readonly number[], i: number): void {
  const outcome = pickOutcome(rng, cfg.outcomes);
  const ringMs = outcome === 'CANCELLED' ? Math.round(rng.range(cfg.cancelRingSeconds) * 1000) : undefined;
  const rec = sim.call({ caller: me, callee: victim, outcome, ringMs, talkMs: Math.round(rng.range(cfg.talkSeconds) * 1000) });
  if (i + 1 >= times.length) return;
  sim.at(Math.max(rec.endTime + MIN_GAP_MS, times[i + 1]), () => ring(sim, cfg, rng, me, victim, times, i + 1));
}
