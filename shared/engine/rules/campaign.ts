import { r1, reach, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * CAMPAIGN: the number belongs to a block of numbers on one access provider
 * whose stranger calls, taken together, have the volume and the low
 * engagement of a telemarketer (judged by the upper bound of the engagement
 * rate's 95 % interval, as for LOW_ANSWER_FANOUT), and the number itself
 * behaves alike: it calls strangers almost only, and they do not engage. Each member may be quiet on its own
 * (snowshoe); scoring every member means rotating numbers does not hide the
 * operation. LABEL at the thresholds on its own.
 */
export const campaign: Rule = (s, c) => {
  const { members, strangerCallsPerDay, memberStrangersPerDay, memberMaxAnswerRate, memberStrangerShare } = c.campaign;
  if (s.campaignMembers < members || s.campaignCalls < strangerCallsPerDay) return null;
  if (wilsonUpper(s.campaignEngaged, s.campaignCalls) > memberMaxAnswerRate) return null;
  // The member itself behaves like the operation: it calls strangers almost
  // only (a neighbour in the block also calls friends), and they do not engage.
  if (s.strangerCalls24h < memberStrangersPerDay) return null;
  if (s.strangerCalls24h / Math.max(1, s.calls24h) < memberStrangerShare) return null;
  // Its own callees' engagement, per callee (at least one callee: a single call counts as one).
  const { k } = reach(s, '24h');
  const n = Math.max(1, reach(s, '24h').n);
  if (k / n > memberMaxAnswerRate) return null;
  // …and its own few calls are evidence, not chance: the upper bound of its engagement stays under 0.75
  // (3 of 3 unanswered: yes; 1 of 3 answered: no; 2 of 6: yes).
  if (wilsonUpper(Math.min(k, n), n) > 0.75) return null;
  return {
    rule: 'CAMPAIGN',
    window: '24h',
    value: r1(s.campaignMembers),
    threshold: members,
    points: rising(s.campaignMembers, members, 50, 20, 3),
  };
};
