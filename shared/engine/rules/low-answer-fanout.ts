import { engagement, r1, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * LOW_ANSWER_FANOUT: many distinct strangers called and few of them engage.
 * The defining trait of telemarketing: couriers and organisers also call
 * strangers but are answered, talked to or called back (they are expected).
 * Engagement is as `engagement()` counts it; the rate is judged by the upper bound of
 * its 95 % confidence interval, so a small sample never looks low by chance.
 * The value reported is that engagement rate; points grow as its bound falls
 * below the maximum and as the fan-out grows: LABEL on its own once the
 * bound is clearly under the maximum.
 */
export const lowAnswerFanout: Rule = (s, c) => {
  const { strangersPerHour, strangersPerDay, maxAnswerRate } = c.lowAnswerFanout;
  const hour = s.newStrangers1h >= strangersPerHour && s.strangerCalls1h > 0;
  const day = s.newStrangers24h >= strangersPerDay && s.strangerCalls24h > 0;
  if (!hour && !day) return null;
  const [calls, engaged, distinct, threshold, window] = hour
    ? [s.strangerCalls1h, engagement(s, '1h'), s.newStrangers1h, strangersPerHour, '1h']
    : [s.strangerCalls24h, engagement(s, '24h'), s.newStrangers24h, strangersPerDay, '24h'];
  const rate = Math.min(1, engaged / calls);
  const upper = wilsonUpper(Math.min(engaged, calls), calls);
  if (upper > maxAnswerRate) return null;
  const lowness = 1 - upper / maxAnswerRate;
  const points = 50 + 25 * lowness + rising(distinct, threshold, 0, 10, 3);
  return { rule: 'LOW_ANSWER_FANOUT', window, value: r1(rate), threshold: maxAnswerRate, points };
};
