/**
 * The customers of small businesses whose line is a mobile (a food stall, a
 * plumber, a second-hand seller). Each line (a member of the public) has
 * its customers (the population, benign), who call it during its peak
 * hours — lunch, evening — every day: in a peak a share of them call once,
 * at a random time of the peak; the line answers a good share of the
 * attempts with a real conversation (engaged), and a customer it did not
 * answer tries again a few minutes later, a few times at most, until
 * answered. So a line at its peak sees many distinct strangers each trying
 * two to four times within an hour, like the victim of a swarm of bombers
 * (swarmBombers.ts), but the line engages with many of them. The customers
 * also call each other now and then, as subscribers do.
 *
 * Built after every other population: the customers' numbers are allocated
 * after every other allocation, and their behaviour and records use
 * streams of their own (`Sim.isolate`); the lines never call, so the public
 * callers stay as they were.
 */
import type { Num } from '../numbers.ts';
import { pickWithAnswerRate } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { BusyLinesConfig, Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { HOUR, localDayStart } from '../time.ts';
import { minutes, mobileOfPublic, newActor, scaled, talkMs, type BuildContext } from './context.ts';
import { startCommunity, type SubscriberBehaviour } from './subscribers.ts';

/**
 * Creates the lines' customers and starts them; returns the customers'
 * numbers. `subscribers` is the scenario's subscribers configuration, whose
 * behaviour the customers' ordinary calls share.
 */
export function buildBusyLines(ctx: BuildContext, cfg: BusyLinesConfig, subscribers: Scenario['populations']['subscribers']): Num[] {
  const customers: Num[] = [];
  const rngs: Rng[] = [];
  for (let i = 0; i < scaled(ctx, cfg.count); i++) {
    const rng = ctx.rng.fork(`line/${i}`);
    const line = mobileOfPublic(ctx, rng);
    const mine: Num[] = [];
    for (let k = Math.max(1, rng.intRange(cfg.customersPerLine)); k > 0; k--) {
      rngs.push(rng.fork(`customer/${mine.length}`));
      mine.push(newActor(ctx, rng, ctx.population, false, { mobile: 1 }, cfg.providers));
    }
    customers.push(...mine);
    startLine(ctx, cfg, rng.fork('peaks'), line, mine);
  }
  const behaviour: SubscriberBehaviour = { ...subscribers, contacts: cfg.contacts, callsPerDay: cfg.callsPerDay };
  startCommunity(ctx, behaviour, customers, rngs);
  return customers;
}

/** Schedules the line's peaks on every local day of the run. */
function startLine(ctx: BuildContext, cfg: BusyLinesConfig, rng: Rng, line: Num, customers: readonly Num[]): void {
  const { sim } = ctx;
  const answerRate = rng.range(cfg.answerRate);
  const kinds = rng.shuffle(cfg.peakHours.map((_, j) => j)).slice(0, Math.max(1, rng.intRange(cfg.peaksPerDay)));
  for (let day = localDayStart(sim.start); day < sim.end; day += 24 * HOUR) {
    for (const j of kinds) {
      const start = day + Math.floor(rng.range(cfg.peakHours[j]) * HOUR);
      const length = rng.range(cfg.peakMinutes) * 60_000;
      const share = rng.range(cfg.callersPerPeak);
      if (start + length <= sim.start || start >= sim.end) continue;
      customers.forEach((c, k) => {
        if (!rng.chance(share)) return;
        const crng = rng.fork(`${start}/${k}`);
        const t = start + Math.floor(crng.uniform(0, length));
        if (t < sim.start) return;
        const retries = Math.max(0, crng.intRange(cfg.retries));
        sim.at(t, () => attempt(sim, cfg, crng, c, line, answerRate, retries));
      });
    }
  }
}

/** A customer's attempt at the line; unanswered, tried again minutes after it ended while retries are left. */
function attempt(sim: Sim, cfg: BusyLinesConfig, rng: Rng, me: Num, line: Num, answerRate: number, retries: number): void {
  const outcome = pickWithAnswerRate(rng, answerRate, cfg.unanswered);
  const rec = sim.call({ caller: me, callee: line, outcome, talkMs: talkMs(rng, cfg.talk) });
  if (outcome === 'ANSWERED' || retries <= 0) return;
  sim.at(rec.endTime + minutes(rng, cfg.retryDelayMinutes), () => attempt(sim, cfg, rng, me, line, answerRate, retries - 1));
}
