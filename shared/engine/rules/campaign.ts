import { r1, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * CAMPAIGN: the number belongs to a block of numbers on one access provider
 * whose stranger calls, taken together, have the volume and the low
 * engagement of a telemarketer (judged by the upper bound of the engagement
 * rate's 95 % interval, as for LOW_ANSWER_FANOUT), and the number itself
 * calls strangers who do not engage. Each member may be quiet on its own
 * (snowshoe); scoring every member means rotating numbers does not hide the
 * operation. LABEL at the thresholds on its own.
 */
export const campaign: Rule = (s, c) => {
  const { members, strangerCallsPerDay, memberStrangersPerDay, memberMaxAnswerRate } = c.campaign;
  if (s.campaignMembers < members || s.campaignCalls < strangerCallsPerDay) return null;
  if (wilsonUpper(s.campaignEngaged, s.campaignCalls) > memberMaxAnswerRate) return null;
  if (s.strangerCalls24h < memberStrangersPerDay) return null;
  if (s.strangerAnswered24h / s.strangerCalls24h > memberMaxAnswerRate) return null;
  return {
    rule: 'CAMPAIGN',
    window: '24h',
    value: r1(s.campaignMembers),
    threshold: members,
    points: rising(s.campaignMembers, members, 50, 20, 3),
  };
};
