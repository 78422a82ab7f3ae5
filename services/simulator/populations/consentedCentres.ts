/**
 * Consented call centres: 95/96 service lines that call only customers with
 * a live consent record. Consents are published before the run (or, for
 * some, granted during it); some are revoked during the run, after which the
 * customer is never called again.
 */
import type { Num } from '../numbers.ts';
import { pickOutcome } from '../outcomes.ts';
import type { Scenario } from '../scenario.ts';
import { DAY, HOUR, MINUTE } from '../time.ts';
import { buildActors, driveAtRate, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['consentedCentres'];

/** A consent as the simulation knows it. */
export interface Consent {
  callee: Num;
  grantedAt: number;
  revokedAt: number | null;
}

/** True if a consent allows a call at t (with a minute of margin either side). */
export function consentLive(c: Consent, t: number): boolean {
  return c.grantedAt + MINUTE <= t && (c.revokedAt === null || t < c.revokedAt - MINUTE);
}

/** Creates the consented centres and publishes their consents. */
export function buildConsentedCentres(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: false, kinds: cfg.kinds, providers: cfg.providers }, (me, rng, i) => {
    const consents = publishConsents(ctx, me, rng.intRange(cfg.customers), cfg.lateGrantShare, cfg.revokedShare, ctx.rng.fork(`consents/${i}`));
    // Work through the list in a shuffled cycle: each live customer once per round.
    const order = rng.shuffle(consents.map((_, k) => k));
    let cursor = 0;
    const perDay = rng.range(cfg.callsPerDay);
    driveAtRate(
      sim,
      rng,
      { from: sim.start, to: sim.end, perDay, rhythm: cfg.rhythm },
      () => {
        for (let tries = 0; tries < order.length; tries++) {
          const c = consents[order[cursor]];
          cursor = (cursor + 1) % order.length;
          if (!consentLive(c, sim.now)) continue;
          sim.call({ caller: me, callee: c.callee, outcome: pickOutcome(rng, cfg.outcomes), talkMs: talkMs(rng, cfg.talk) });
          return;
        }
      },
    );
  });
}

/**
 * Draws `n` distinct customers with consents for `line` and schedules their
 * records: grants before the run (or during it, for a share), and
 * revocations during the scored period for a share.
 */
export function publishConsents(
  ctx: BuildContext,
  line: Num,
  n: number,
  lateGrantShare: number,
  revokedShare: number,
  rng = ctx.rng,
): Consent[] {
  const { sim } = ctx;
  const seen = new Set<string>();
  const out: Consent[] = [];
  for (let k = 0; k < n * 2 && out.length < n; k++) {
    const callee = ctx.pool.random(rng);
    if (seen.has(callee.e164)) continue;
    seen.add(callee.e164);
    const late = rng.chance(lateGrantShare);
    const grantedAt = Math.floor(late ? rng.uniform(sim.scoredStart, Math.max(sim.scoredStart, sim.end - 6 * HOUR)) : rng.uniform(sim.start - 180 * DAY, sim.start - HOUR));
    let revokedAt: number | null = null;
    if (rng.chance(revokedShare)) {
      const from = Math.max(grantedAt, sim.scoredStart) + HOUR;
      if (from < sim.end - HOUR) revokedAt = Math.floor(rng.uniform(from, sim.end - HOUR));
    }
    sim.consent(line, callee, grantedAt, null, grantedAt);
    if (revokedAt !== null) sim.consent(line, callee, grantedAt, revokedAt, revokedAt);
    out.push({ callee, grantedAt, revokedAt });
  }
  return out;
}
