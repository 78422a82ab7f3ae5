import { r1, rising, type Rule } from '../signals.ts';

/**
 * CAMPAIGN: the number is one of several in one number block and access
 * provider that each call strangers with a low answer rate; together they
 * make the volume of a telemarketer though each stays quiet alone (snowshoe).
 * Scores every member, so rotating numbers does not hide the operation.
 */
export const campaign: Rule = (s, c) => {
  const { members, strangerCallsPerDay } = c.campaign;
  if (s.campaignMembers < members || s.campaignCalls < strangerCallsPerDay) return null;
  return {
    rule: 'CAMPAIGN',
    window: '24h',
    value: r1(s.campaignMembers),
    threshold: members,
    points: rising(s.campaignMembers, members, 50, 20, 3),
  };
};
