/**
 * Ordinary people who live in a snowshoe campaign's number block: numbers
 * of the campaign's access provider that share all but the last
 * `blockDigits` digits with a campaign number, which is how the engine's
 * CAMPAIGN rule groups numbers. They behave like subscribers (contacts,
 * mostly answered, minutes of talk; see `subscribers.ts`), their contacts
 * being other neighbours of any block; a share of them also
 * call several strangers in their working hours, as a small shop or a job
 * seeker does, often answered. They are benign: the campaign next door must
 * not get them labelled.
 *
 * Built after every other population: their numbers are claimed from the
 * allocator without drawing from its stream, and their behaviour and
 * records use streams of their own (`Sim.isolate`), so every other
 * population's numbers and records stay as they were.
 */
import { defaultConfig } from '../../../shared/config/index.ts';
import type { Num } from '../numbers.ts';
import type { Rng } from '../prng.ts';
import type { BlockNeighboursConfig, Scenario } from '../scenario.ts';
import { actorWithNumber, type BuildContext } from './context.ts';
import { runDialler, type DiallerBehaviour } from './dialler.ts';
import { startCommunity, type SubscriberBehaviour } from './subscribers.ts';

/**
 * Trailing digits that vary within a block: the engine's default
 * `rules.campaign.blockDigits`, read from its config schema so that the
 * neighbours follow the engine's notion of a block.
 */
export const BLOCK_DIGITS = defaultConfig().rules.campaign.blockDigits;

/** One campaign block: the shared head of its numbers, its provider, and the campaign numbers in it. */
export interface CampaignBlock {
  head: string;
  provider: string;
  numbers: string[];
}

/** The blocks (head + provider) holding campaign numbers, in order of first appearance. */
export function campaignBlocks(campaign: readonly Num[], blockDigits = BLOCK_DIGITS): CampaignBlock[] {
  const blocks = new Map<string, CampaignBlock>();
  for (const n of campaign) {
    const head = n.e164.slice(0, -blockDigits);
    const key = `${head}|${n.provider}`;
    let b = blocks.get(key);
    if (!b) blocks.set(key, (b = { head, provider: n.provider, numbers: [] }));
    b.numbers.push(n.e164);
  }
  return [...blocks.values()];
}

/**
 * Creates the neighbours of every block of `campaign` and starts them;
 * returns their numbers. `subscribers` is the scenario's subscribers
 * configuration, whose behaviour they share.
 */
export function buildBlockNeighbours(
  ctx: BuildContext,
  cfg: BlockNeighboursConfig,
  subscribers: Scenario['populations']['subscribers'],
  campaign: readonly Num[],
  blockDigits = BLOCK_DIGITS,
): Num[] {
  const nums: Num[] = [];
  const rngs: Rng[] = [];
  const span = 10 ** blockDigits;
  campaignBlocks(campaign, blockDigits).forEach((block, b) => {
    const brng = ctx.rng.fork(`block/${b}`);
    // At most half the block's free numbers: the rest stays unallocated, as in real blocks.
    const want = Math.min(brng.intRange(cfg.perBlock), Math.floor((span - block.numbers.length) / 2));
    for (let k = 0, tries = 0; k < want && tries < 50 * span; tries++) {
      const e164 = block.head + String(brng.int(0, span - 1)).padStart(blockDigits, '0');
      if (!ctx.alloc.claim(e164)) continue;
      rngs.push(brng.fork(k++));
      nums.push(actorWithNumber(ctx, e164, 'mobile', block.provider, ctx.population, false));
    }
  });
  const behaviour: SubscriberBehaviour = { ...subscribers, contacts: cfg.contacts, callsPerDay: cfg.callsPerDay };
  startCommunity(ctx, behaviour, nums, rngs);
  const busy = busyBehaviour(cfg.busy);
  nums.forEach((me, i) => {
    const rng = rngs[i].fork('busy');
    if (rng.chance(cfg.busyShare)) runDialler(ctx, me, rng, busy, ctx.sim.start, ctx.sim.end);
  });
  return nums;
}

/** The stranger calls of a busy neighbour as a dialler's behaviour: no complaints, few callbacks. */
function busyBehaviour(b: BlockNeighboursConfig['busy']): DiallerBehaviour {
  return {
    callsPerDay: b.strangersPerDay,
    rhythm: b.rhythm,
    answerRate: b.answerRate,
    unanswered: b.unanswered,
    talk: b.talk,
    complaintPerAnswered: 0,
    complaintPerRejected: 0,
    complaintDelayMinutes: [0, 0],
    complaintCategory: 'MARKETING',
    callbackRate: b.callbackRate,
    retryRate: b.retryRate,
    retryDelayMinutes: b.retryDelayMinutes,
  };
}
