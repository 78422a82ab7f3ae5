import type { EngineConfig } from '../../config/index.ts';
import { plainlyAbove, r1, reach, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * Whether a block/provider group looks like one operation, judged by
 * evidence rather than by its volume: enough members that call strangers,
 * enough of them (`listedMembers`) that each look like a quiet marketer on
 * their own (the members behave alike: one busy caller and its neighbours
 * are not an operation), enough stranger calls of those listed members for
 * their engagement rate to mean something (`strangerCallsPerDay`), and the
 * upper bound of that rate's 95 % interval under `memberMaxAnswerRate`.
 * The campaign tracker (which judges the group's listed members when it
 * first holds) and the rule use this same test.
 *
 * Unless the public plainly picks the group's numbers up
 * (`plainlyPickedUp`, above the same `memberMaxAnswerRate`): a platform's
 * privacy-number pool (AXB virtual numbers, one leased block showing every
 * rider's call to a customer) is answered at the first ring by most of its
 * callees, for a few seconds ("I'm downstairs"), so its engagement past the
 * short-call cut is as low as a campaign's. The rule is about callees who do
 * not want the calls; short talk is SHORT_CALLS' evidence (as with
 * LOW_ANSWER_FANOUT's exemption, each rule against its own line).
 */
export function looksLikeCampaign(
  members: number,
  listed: number,
  calls: number,
  engaged: number,
  pickedUp: number,
  pickCalls: number,
  rules: EngineConfig['rules'],
): boolean {
  const c = rules.campaign;
  return (
    members >= c.members &&
    listed >= c.listedMembers &&
    calls >= c.strangerCallsPerDay &&
    wilsonUpper(engaged, calls) <= c.memberMaxAnswerRate &&
    !plainlyPickedUp(pickedUp, pickCalls, c.memberMaxAnswerRate)
  );
}

/**
 * Whether the lower bound (95 %) of the share of the group's `calls` that were
 * picked up at the first try (the day's first call to each stranger,
 * answered however briefly) is above `line`. First tries only, so that
 * redialling the unanswered cannot raise it; the group's tens to hundreds of
 * calls make the bound tight where a single member's few could not. A
 * snowshoe operation's public picks up 10–40 % of first calls.
 */
export function plainlyPickedUp(pickedUp: number, calls: number, line: number): boolean {
  return plainlyAbove(pickedUp, calls, line);
}

/**
 * Whether a member that is not listed has called enough strangers to be
 * scored with its group (a quiet member): more distinct strangers over 24 h
 * than `quietMemberStrangers` − 1. Distinct callees, so a redial of one
 * stranger is one; "more than one less" rather than "at least", so a member
 * noted with exactly that many yesterday is still one while the sliding
 * 24-h estimate fades its calls below the count (the group hands over
 * yesterday's quiet members too).
 */
export function quietEnough(strangers: number, c: EngineConfig['rules']['campaign']): boolean {
  return strangers > c.quietMemberStrangers - 1;
}

/**
 * CAMPAIGN: the number belongs to a block of numbers on one access provider
 * that, taken together, look like a telemarketer (`looksLikeCampaign`:
 * members alike, callees not engaging, with statistical evidence), and the
 * number itself behaves alike and sits with the operation: it calls
 * strangers almost only, they do not engage, and other listed members are
 * numbered close to it (`neighbourhood`: an operation leases its numbers
 * together, residents are scattered over the block). Each member may be
 * quiet on its own (snowshoe); scoring every member means rotating numbers
 * does not hide the operation.
 *
 * A member with fewer than `memberStrangersPerDay` stranger calls (not
 * listed) is scored only from `quietMemberStrangers` (2) distinct strangers
 * (`quietEnough`) and with
 * `listedMembers` listed members near it, one more than a listed member
 * needs: snowshoe numbers often rotate out after two calls, and two
 * unanswered calls are also anyone's day, so only a number inside the
 * operation's range is taken for one of its own (by default a single call
 * never is). LABEL at the thresholds on its own.
 */
export const campaign: Rule = (s, c) => {
  const cc = c.campaign;
  const { members, memberStrangersPerDay, memberMaxAnswerRate, memberStrangerShare } = cc;
  if (!looksLikeCampaign(s.campaignMembers, s.campaignListed, s.campaignCalls, s.campaignEngaged, s.campaignPickedUp, s.campaignPickCalls, c)) return null;
  // The member itself behaves like the operation: it calls strangers almost
  // only (a neighbour in the block also calls friends), and they do not engage.
  const quiet = s.strangerCalls24h < memberStrangersPerDay;
  if (quiet && !quietEnough(s.newStrangers24h, cc)) return null;
  // The number sits with the operation's other numbers (a resident elsewhere in the block does not); a quiet one, among them.
  if (s.campaignNeighbours < (quiet ? cc.listedMembers : cc.listedMembers - 1)) return null;
  // (The share is unknown when the call count is at the counters' ceiling.)
  if (s.calls24hSaturated || s.strangerCalls24h / Math.max(1, s.calls24h) < memberStrangerShare) return null;
  // Its own callees' engagement, per callee (at least one callee: a single call counts as one; unknown at the ceiling: see `reach`).
  const { k } = reach(s, '24h');
  const n = Math.max(1, reach(s, '24h').n);
  if (k / n > memberMaxAnswerRate) return null;
  // …and its own few calls are evidence, not chance: the upper bound of its engagement stays under 0.75
  // (2 or 3 of 2 or 3 unanswered: yes; 1 of 3 answered: no; 2 of 6: yes).
  if (wilsonUpper(Math.min(k, n), n) > 0.75) return null;
  return {
    rule: 'CAMPAIGN',
    window: '24h',
    value: r1(s.campaignMembers),
    threshold: members,
    points: rising(s.campaignMembers, members, 50, 20, 3),
  };
};
