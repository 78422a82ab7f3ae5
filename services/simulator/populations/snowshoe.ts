/**
 * Snowshoe campaigns: one operation spread over a block of consecutive
 * numbers on one access provider. Every number is quiet on its own; the
 * numbers share a script (answer rate, talk) and, when rotating, each is
 * active only for a few hours, one after another.
 */
import type { Num } from '../numbers.ts';
import type { Scenario } from '../scenario.ts';
import { HOUR } from '../time.ts';
import { activeSpan, actorWithNumber, scaled, type BuildContext } from './context.ts';
import { runDialler } from './dialler.ts';

type Config = Scenario['populations']['snowshoe'];

/** Creates the campaigns; returns every number of every block. */
export function buildSnowshoe(ctx: BuildContext, cfg: Config): Num[] {
  const out: Num[] = [];
  const providers = Object.keys(cfg.providers);
  for (let i = 0; i < scaled(ctx, cfg.count); i++) {
    const rng = ctx.rng.fork(i);
    const provider = providers[rng.weighted(providers.map((p) => cfg.providers[p]))];
    const size = rng.intRange(cfg.blockSize);
    const block = ctx.alloc.mobileBlock(provider, size, () => rng.intRange(cfg.stride));
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    const answerRate = rng.range(cfg.answerRate);
    const perDay = rng.range(cfg.callsPerDay);
    block.forEach((e164, k) => {
      const me = actorWithNumber(ctx, e164, 'mobile', provider, ctx.population, true);
      out.push(me);
      const nrng = rng.fork(k);
      let a = from;
      let b = to;
      if (cfg.rotationHours) {
        const span = nrng.range(cfg.rotationHours) * HOUR;
        a = from + Math.floor((k / size) * Math.max(0, to - from - span));
        b = Math.min(to, a + span);
      }
      runDialler(ctx, me, nrng, cfg, a, b, { answerRate: answerRate * nrng.uniform(0.85, 1.15), perDay: perDay * nrng.uniform(0.8, 1.2) });
    });
  }
  return out;
}
