/**
 * Unconsented call-centre lines: 95/96/400 numbers that have a small
 * consented list but mostly call people without consent.
 */
import type { Num } from '../numbers.ts';
import type { Scenario } from '../scenario.ts';
import { activeSpan, buildActors, type BuildContext } from './context.ts';
import { publishConsents } from './consentedCentres.ts';
import { runDialler } from './dialler.ts';

type Config = Scenario['populations']['unconsentedCentres'];

/** Creates the unconsented lines (and their few genuine consents). */
export function buildUnconsentedCentres(ctx: BuildContext, cfg: Config): Num[] {
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng, i) => {
    const consents = publishConsents(ctx, me, rng.intRange(cfg.consentedCustomers), 0, 0, ctx.rng.fork(`consents/${i}`));
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    runDialler(ctx, me, rng, cfg, from, to, {
      pickCallee: () => (consents.length > 0 && rng.chance(cfg.consentedShare) ? rng.pick(consents).callee : ctx.pool.random(rng)),
    });
  });
}
