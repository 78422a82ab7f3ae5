/**
 * One-off organisers: a teacher or club secretary who, on one evening, calls
 * every member of a group once (missed members call back), and otherwise
 * makes a few calls a day to a handful of own contacts.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import type { Sim } from '../sim.ts';
import { DAY, HOUR, localDayStart } from '../time.ts';
import { buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['organisers'];

/** Creates the organisers. */
export function buildOrganisers(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: false, kinds: { mobile: 1 }, providers: cfg.providers }, (me, rng) => {
    const contacts: Num[] = [];
    for (let k = rng.intRange(cfg.backgroundContacts); k > 0; k--) contacts.push(ctx.pool.random(rng));
    const perDay = rng.range(cfg.backgroundCallsPerDay);
    if (contacts.length > 0) {
      driveAtRate(
        sim,
        rng,
        { from: sim.start, to: sim.end, perDay, rhythm: 'residential' },
        () => call(sim, cfg, rng, me, rng.pick(contacts)),
      );
    }
    const group: Num[] = [];
    for (let k = rng.intRange(cfg.groupSize); k > 0; k--) group.push(ctx.pool.random(rng));
    const t0 = eveningIn(sim, rng, cfg.eventStartLocalHour);
    if (t0 !== null) sim.at(t0, () => callGroup(sim, cfg, rng, me, group, 0));
  });
}

/** An evening start in the scored period, or null if the period has none. */
function eveningIn(sim: Sim, rng: Rng, hours: readonly [number, number]): number | null {
  const first = localDayStart(sim.scoredStart);
  const days = Math.ceil((sim.end - first) / DAY);
  for (let tries = 0; tries < 10; tries++) {
    const t = first + rng.int(0, Math.max(0, days - 1)) * DAY + rng.range(hours) * HOUR;
    if (t >= sim.scoredStart && t < sim.end - 2 * HOUR) return Math.floor(t);
  }
  return null;
}

/** One call with a callback if missed; returns the call's end time. */
function call(sim: Sim, cfg: Config, rng: Rng, me: Num, other: Num): number {
  const outcome = pickOutcome(rng, cfg.outcomes);
  const rec = sim.call({ caller: me, callee: other, outcome, talkMs: talkMs(rng, cfg.talk) });
  if (outcome !== 'ANSWERED' && rng.chance(cfg.callbackAfterMissed)) {
    sim.at(sim.now + minutes(rng, cfg.callbackDelayMinutes), () => {
      sim.call({ caller: other, callee: me, outcome: 'ANSWERED', talkMs: talkMs(rng, cfg.talk) });
    });
  }
  return rec.endTime;
}

function callGroup(sim: Sim, cfg: Config, rng: Rng, me: Num, group: Num[], k: number): void {
  const end = call(sim, cfg, rng, me, group[k]);
  if (k + 1 >= group.length) return;
  // The next call starts once this one is over, after a pause.
  sim.at(end + rng.range(cfg.gapSeconds) * 1000, () => callGroup(sim, cfg, rng, me, group, k + 1));
}
