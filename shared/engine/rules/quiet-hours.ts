import { publicPicksUp, r1, reach, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * QUIET_HOURS: calls to strangers in the callee's night (22:00–08:00
 * Asia/Shanghai by default). Friends call late; strangers should not. On its
 * own it is WATCH; when the number's stranger calls are also marketing-like
 * — the callees do not engage (upper bound of the engagement rate under
 * LOW_ANSWER_FANOUT's maximum, per callee) — it is a LABEL: marketing at
 * night, though not a second rule towards BLOCK_RECOMMENDED (that test is
 * LOW_ANSWER_FANOUT's, on the same calls; a lure's night calls, on which the
 * fan-out steps aside, are RING_ONCE's). Otherwise it is context (see `verdict`).
 */
export const quietHours: Rule = (s, c) => {
  const { strangerCallsPerDay } = c.quietHours;
  if (s.quietStranger24h < strangerCallsPerDay) return null;
  const { n, k } = reach(s, '24h');
  // LOW_ANSWER_FANOUT's test, its pick-up veto included (`publicPicksUp`): strangers who pick up for short talks are not marketed to.
  const marketingLike = wilsonUpper(k, n) <= c.lowAnswerFanout.maxAnswerRate && !publicPicksUp(s, c.lowAnswerFanout);
  return {
    rule: 'QUIET_HOURS',
    window: '24h',
    value: r1(s.quietStranger24h),
    threshold: strangerCallsPerDay,
    points: rising(s.quietStranger24h, strangerCallsPerDay, marketingLike ? 50 : 25, 15, 4),
    // Late calls that strangers take are context (a school's evening round running late), not evidence. Calls
    // they do not take are evidence, but judged marketing-like by LOW_ANSWER_FANOUT's own test: not another rule
    // towards BLOCK_RECOMMENDED.
    ...(marketingLike ? { restates: true } : { context: true }),
  };
};
