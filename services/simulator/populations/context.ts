/**
 * What a population builder gets: the simulation, its own random stream,
 * number allocation, the public pool, and helpers shared by the populations.
 */
import type { NumberAllocator, Num, NumKind, PublicPool } from '../numbers.ts';
import { makeNum, MOBILE_PREFIXES, NUM_KINDS } from '../numbers.ts';
import type { Rng } from '../prng.ts';
import type { Sim } from '../sim.ts';
import { HOUR, nextActive, planTimes, type RhythmName } from '../time.ts';

/** Everything a population needs to create its actors. */
export interface BuildContext {
  sim: Sim;
  /** The truth label of the actors built (the scenario key, or an extra population's name). */
  population: string;
  /** This population's random stream; fork it per actor. */
  rng: Rng;
  alloc: NumberAllocator;
  pool: PublicPool;
  /** Count multiplier of the scenario. */
  scale: number;
  /** Registers a number whose truth must be reported. */
  addActor(n: Num): void;
  /** Puts a number on the allowlist. */
  allow(n: Num): void;
}

/** Scaled actor count (at least 1 when the configured count is positive). */
export function scaled(ctx: BuildContext, count: number): number {
  if (count <= 0) return 0;
  return Math.max(1, Math.round(count * ctx.scale));
}

/** Allocates and registers a new actor number. */
export function newActor(
  ctx: BuildContext,
  rng: Rng,
  population: string,
  nuisance: boolean,
  kinds: Partial<Record<NumKind, number>>,
  providers: Record<string, number>,
): Num {
  const kindList = NUM_KINDS.filter((k) => (kinds[k] ?? 0) > 0);
  const kind = kindList.length ? kindList[rng.weighted(kindList.map((k) => kinds[k] ?? 0))] : 'mobile';
  const provList = Object.keys(providers);
  let provider = provList[rng.weighted(provList.map((p) => providers[p]))];
  if (kind === 'mobile' && !MOBILE_PREFIXES[provider]) provider = 'CMCC';
  const n = makeNum(ctx.alloc.ofKind(kind, provider), kind, provider, population, nuisance);
  ctx.addActor(n);
  return n;
}

/** Who a population's actors are: nuisance or benign, and the mixes of number kinds and providers they are drawn from. */
export interface ActorNumbers {
  nuisance: boolean;
  kinds: Partial<Record<NumKind, number>>;
  providers: Record<string, number>;
}

/**
 * Creates a population's actors: `scaled(count)` of them, each with its own random stream (forked by its index) and a
 * newly allocated, registered number; `start(me, rng, i)` then sets each one going. Returns the numbers.
 */
export function buildActors(ctx: BuildContext, count: number, numbers: ActorNumbers, start: (me: Num, rng: Rng, i: number) => void): Num[] {
  const out: Num[] = [];
  for (let i = 0; i < scaled(ctx, count); i++) {
    const rng = ctx.rng.fork(i);
    const me = newActor(ctx, rng, ctx.population, numbers.nuisance, numbers.kinds, numbers.providers);
    out.push(me);
    start(me, rng, i);
  }
  return out;
}

/** A registered actor number with a given E.164 (e.g. from a block). */
export function actorWithNumber(ctx: BuildContext, e164: string, kind: NumKind, provider: string, population: string, nuisance: boolean): Num {
  const n = makeNum(e164, kind, provider, population, nuisance);
  ctx.addActor(n);
  return n;
}

/** Talk time in ms from a `{ median, sigma, min, max }` spec in seconds. */
export function talkMs(rng: Rng, t: { median: number; sigma: number; min: number; max: number }): number {
  return Math.round(rng.logNormal(t.median, t.sigma, t.min, t.max) * 1000);
}

/** Uniform delay within a `[min, max]` range of minutes, in ms. */
export function minutes(rng: Rng, r: readonly [number, number]): number {
  return Math.round(rng.range(r) * 60_000);
}

/**
 * The active span [from, to) of a nuisance actor, clipped to the run. When
 * the scored period is shorter than the configured start offsets (e.g.
 * `--hours 6`), the offsets are compressed into its first three quarters so
 * that every actor still starts within it.
 */
export function activeSpan(ctx: BuildContext, rng: Rng, startHours: readonly [number, number], lifetimeHours: readonly [number, number]): [number, number] {
  const scored = (ctx.sim.end - ctx.sim.scoredStart) / HOUR;
  const squeeze = startHours[1] > 0.75 * scored ? (0.75 * scored) / startHours[1] : 1;
  const from = ctx.sim.scoredStart + rng.range(startHours) * squeeze * HOUR;
  return [from, Math.min(ctx.sim.end, from + rng.range(lifetimeHours) * HOUR)];
}

/** Start times of `bursts` bursts in [from, to): one at `from`, the others uniform, each moved to its rhythm's next active time; sorted. */
export function burstStarts(rng: Rng, from: number, to: number, bursts: number, rhythm: RhythmName): number[] {
  return [from, ...Array.from({ length: bursts - 1 }, () => rng.uniform(from, to))].map((t) => nextActive(Math.floor(t), rhythm)).sort((a, b) => a - b);
}

/** A mobile member of the public (someone reached on a mobile: a bombing victim, a small business's line). */
export function mobileOfPublic(ctx: BuildContext, rng: Rng): Num {
  let n = ctx.pool.random(rng);
  for (let i = 0; i < 100 && (n.kind !== 'mobile' || !MOBILE_PREFIXES[n.provider]); i++) n = ctx.pool.random(rng);
  return n;
}

/** When and how often an actor calls: `perDay` calls a local day over [from, to), spread by `rhythm`. */
export interface CallingRate {
  from: number;
  to: number;
  perDay: number;
  rhythm: RhythmName;
}

/**
 * Drives an actor at a rate: `act` runs at each start time {@link planTimes}
 * draws from `rng` for the rate, planned chunk by chunk (`chunkMs`) so that
 * only one chunk of times is held in memory at a time.
 */
export function driveAtRate(sim: Sim, rng: Rng, rate: CallingRate, act: () => void, chunkMs = HOUR): void {
  let times: number[] = [];
  let i = 0;
  let cursor = rate.from;
  const schedule = (): void => {
    while (i >= times.length && cursor < rate.to) {
      const b = Math.min(rate.to, cursor + chunkMs);
      times = planTimes(rng, cursor, b, rate.perDay, rate.rhythm);
      i = 0;
      cursor = b;
    }
    if (i < times.length) sim.at(times[i++], step);
  };
  const step = (): void => {
    act();
    schedule();
  };
  schedule();
}
