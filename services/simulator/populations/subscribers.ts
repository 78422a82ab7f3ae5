/**
 * Ordinary subscribers: a reciprocal social graph; calls mostly to contacts
 * (favourites more often), mostly answered, talk of minutes; missed calls
 * are called back, conversations are returned later, and a rejected caller
 * sometimes redials once, politely.
 */
import type { CallOutcome } from '../../../shared/contracts/records.ts';
import type { Num } from '../numbers.ts';
import { pickOutcome, type OutcomeMix } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import { driveAtRate, minutes, newActor, scaled, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['subscribers'];
/** What a community of subscribers does (the subscribers' parameters but their count). */
export type SubscriberBehaviour = Omit<Config, 'count'>;

/** Creates the subscribers and their contact graph; returns their numbers. */
export function buildSubscribers(ctx: BuildContext, cfg: Config): Num[] {
  const n = scaled(ctx, cfg.count);
  const rngs: Rng[] = [];
  const nums: Num[] = [];
  for (let i = 0; i < n; i++) {
    rngs.push(ctx.rng.fork(i));
    nums.push(newActor(ctx, rngs[i], ctx.population, false, { mobile: 1 }, cfg.providers));
  }
  startCommunity(ctx, cfg, nums, rngs);
  return nums;
}

/**
 * Starts people who behave like subscribers: `nums[i]` (with its own stream
 * `rngs[i]`) gets contacts among `nums` on a reciprocal graph drawn from
 * the population's `graph` stream, and calls them (and now and then a
 * stranger) through the whole run.
 */
export function startCommunity(ctx: BuildContext, cfg: SubscriberBehaviour, nums: Num[], rngs: Rng[]): void {
  const adj = contactGraph(ctx.rng.fork('graph'), nums.length, cfg.contacts);
  for (let i = 0; i < nums.length; i++) startSubscriber(ctx, cfg, nums, adj, i, rngs[i]);
}

/**
 * An undirected graph: each node wants a degree drawn from `degree` and
 * links to random others, half its wish by itself (the other half arrives
 * from others' links). Adjacency lists are in order of closeness (the first
 * contacts are called most).
 */
export function contactGraph(rng: Rng, n: number, degree: readonly [number, number]): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  if (n < 2) return adj;
  for (let i = 0; i < n; i++) {
    const want = Math.ceil(rng.intRange(degree) / 2);
    for (let k = 0; k < want; k++) {
      // Mostly near neighbours in index order (communities), sometimes anyone.
      const j = rng.chance(0.7) ? (i + 1 + rng.int(0, Math.min(n - 2, 300))) % n : rng.int(0, n - 1);
      if (j === i || adj[i].includes(j)) continue;
      adj[i].push(j);
      adj[j].push(i);
    }
  }
  for (const list of adj) rng.shuffle(list);
  return adj;
}

function startSubscriber(ctx: BuildContext, cfg: SubscriberBehaviour, nums: Num[], adj: number[][], i: number, rng: Rng): void {
  const { sim } = ctx;
  const me = nums[i];
  const perDay = rng.range(cfg.callsPerDay);
  const simple = (from: Num, to: Num, mix: OutcomeMix): CallOutcome => {
    const outcome = pickOutcome(rng, mix);
    sim.call({ caller: from, callee: to, outcome, talkMs: talkMs(rng, cfg.talk) });
    return outcome;
  };
  driveAtRate(
    sim,
    rng,
    { from: sim.start, to: sim.end, perDay, rhythm: cfg.rhythm },
    () => {
      const contacts = adj[i];
      if (contacts.length === 0 || rng.chance(cfg.strangerShare)) {
        simple(me, ctx.pool.random(rng), cfg.strangerOutcomes);
        return;
      }
      const u = rng.float();
      const other = nums[contacts[Math.floor(contacts.length * u * u)]];
      const outcome = simple(me, other, cfg.contactOutcomes);
      if (outcome === 'ANSWERED') {
        if (rng.chance(cfg.returnCallAfterAnswered)) {
          sim.at(sim.now + minutes(rng, cfg.returnDelayMinutes), () => simple(other, me, cfg.contactOutcomes));
        }
        return;
      }
      if (rng.chance(cfg.callbackAfterMissed)) {
        sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), () => simple(other, me, cfg.contactOutcomes));
      }
      if (outcome === 'REJECTED' && rng.chance(cfg.redialAfterReject)) {
        sim.at(sim.now + minutes(rng, cfg.redialDelayMinutes), () => simple(me, other, cfg.contactOutcomes));
      }
    },
  );
}
