/**
 * Quarrels: two people with a history of real conversations; in the scored
 * period one keeps calling the other, who keeps rejecting, and the other
 * files exactly one complaint. A personal dispute, not harassment by a
 * stranger.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { DAY, HOUR, MINUTE, localDayStart } from '../time.ts';
import { buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['quarrels'];

/** Creates the quarrelling callers (their partners are members of the public). */
export function buildQuarrels(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: false, kinds: { mobile: 1 }, providers: cfg.providers }, (me, rng) => {
    const partner = ctx.pool.random(rng);
    const episode = episodeStart(sim, rng, cfg.episodeStartLocalHour);
    // History: real conversations both ways before the episode, from the warm-up on.
    const histEnd = Math.max(sim.start + HOUR, episode - 2 * HOUR);
    const history = Array.from({ length: rng.intRange(cfg.historyCalls) }, () => Math.floor(rng.uniform(sim.start, histEnd))).sort((a, b) => a - b);
    for (const t of history) {
      const [a, b] = rng.chance(0.5) ? [me, partner] : [partner, me];
      sim.at(t, () => sim.call({ caller: a, callee: b, outcome: 'ANSWERED', talkMs: Math.round(rng.logNormal(240, 0.8, 30, 2400) * 1000) }));
    }
    // Other acquaintances, ordinary life.
    const others = Array.from({ length: rng.int(3, 6) }, () => ctx.pool.random(rng));
    const perDay = rng.range(cfg.otherCallsPerDay);
    driveAtRate(
      sim,
      rng,
      { from: sim.start, to: sim.end, perDay, rhythm: 'residential' },
      () => sim.call({ caller: me, callee: rng.pick(others), outcome: pickOutcome(rng, { ANSWERED: 8, NO_ANSWER: 1, BUSY: 0.5 }), talkMs: talkMs(rng, cfg.talk) }),
    );
    const calls = rng.intRange(cfg.episodeCalls);
    const complaintAfter = Math.min(calls, Math.max(1, rng.intRange(cfg.complaintAfterCalls)));
    sim.at(episode, () => quarrelCall(sim, cfg, rng, me, partner, 1, calls, complaintAfter));
  });
}

function episodeStart(sim: Sim, rng: Rng, hours: readonly [number, number]): number {
  const first = localDayStart(sim.scoredStart);
  const days = Math.ceil((sim.end - first) / DAY);
  for (let tries = 0; tries < 20; tries++) {
    const t = first + rng.int(0, Math.max(0, days - 1)) * DAY + rng.range(hours) * HOUR;
    if (t >= sim.scoredStart && t < sim.end - 3 * HOUR) return Math.floor(t);
  }
  return sim.scoredStart;
}

function quarrelCall(sim: Sim, cfg: Config, rng: Rng, me: Num, partner: Num, k: number, calls: number, complaintAfter: number): void {
  const outcome = k === 1 ? 'ANSWERED' : pickOutcome(rng, cfg.episodeOutcomes);
  const rec = sim.call({ caller: me, callee: partner, outcome, talkMs: outcome === 'ANSWERED' ? Math.round(rng.uniform(20, 180) * 1000) : undefined });
  if (k === complaintAfter) sim.complaint(sim.now + minutes(rng, cfg.complaintDelayMinutes), partner, me, 'HARASSMENT');
  if (k < calls) sim.at(rec.endTime + minutes(rng, cfg.episodeGapMinutes) + MINUTE / 6, () => quarrelCall(sim, cfg, rng, me, partner, k + 1, calls, complaintAfter));
}
