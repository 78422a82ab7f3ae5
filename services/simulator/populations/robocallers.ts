/**
 * Robocallers / automatic diallers: very high volume, callees in
 * consecutive number runs (scanning a number range), many failures on
 * unallocated numbers, few and short answers.
 */
import { makeNum, providerOf, type Num } from '../numbers.ts';
import { pickWithAnswerRate } from '../outcomes.ts';
import type { Rng } from '../prng.ts';
import type { Scenario } from '../scenario.ts';
import { perHourToPerDay } from '../time.ts';
import { activeSpan, buildActors, driveAtRate, minutes, talkMs, type BuildContext } from './context.ts';

type Config = Scenario['populations']['robocallers'];

const SCAN_PREFIXES = ['135', '136', '138', '139', '150', '158', '186', '189', '133', '131', '177', '187'];

/** Creates the robocallers. */
export function buildRobocallers(ctx: BuildContext, cfg: Config): Num[] {
  const { sim } = ctx;
  return buildActors(ctx, cfg.count, { nuisance: true, kinds: cfg.kinds, providers: cfg.providers }, (me, rng) => {
    const [from, to] = activeSpan(ctx, rng, cfg.startHours, cfg.lifetimeHours);
    const perDay = perHourToPerDay(rng.range(cfg.callsPerHour), cfg.rhythm);
    const answerRate = rng.range(cfg.answerRate);
    const next = sequentialCallees(rng, cfg.runLength, cfg.strideWeights);
    driveAtRate(
      sim,
      rng,
      { from, to, perDay, rhythm: cfg.rhythm },
      () => {
        const callee = next();
        const outcome = pickWithAnswerRate(rng, answerRate, cfg.unanswered);
        sim.call({ caller: me, callee, outcome, talkMs: talkMs(rng, cfg.talk) });
        if (outcome === 'ANSWERED' && rng.chance(cfg.complaintPerAnswered)) {
          sim.complaint(sim.now + minutes(rng, cfg.complaintDelayMinutes), callee, me, 'MARKETING');
        }
      },
      15 * 60_000,
    );
  });
}

/**
 * Callees in runs: a random mobile number, then +stride, +stride, … for a
 * run length, then a new random start.
 */
export function sequentialCallees(rng: Rng, runLength: readonly [number, number], strideWeights: readonly number[]): () => Num {
  let current = 0;
  let left = 0;
  return () => {
    if (left <= 0) {
      current = Number(rng.pick(SCAN_PREFIXES) + String(rng.int(0, 9999)).padStart(4, '0') + '0000');
      left = rng.intRange(runLength);
    } else {
      current += 1 + rng.weighted(strideWeights);
    }
    left--;
    const e164 = '+86' + String(current);
    return makeNum(e164, 'mobile', providerOf(e164));
  };
}
