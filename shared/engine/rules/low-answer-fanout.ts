import { r3, rising, type Rule } from '../signals.ts';

/**
 * LOW_ANSWER_FANOUT: many distinct strangers called and few of them answer.
 * The defining trait of telemarketing: couriers and organisers also call
 * strangers but are answered (they are expected). The value reported is the
 * answer rate of stranger calls; points grow as it falls below the maximum
 * and as the fan-out grows. Strong at low answer rates (LABEL on its own).
 */
export const lowAnswerFanout: Rule = (s, c) => {
  const { strangersPerHour, strangersPerDay, maxAnswerRate } = c.lowAnswerFanout;
  const hour = s.newStrangers1h >= strangersPerHour && s.strangerCalls1h > 0;
  const day = s.newStrangers24h >= strangersPerDay && s.strangerCalls24h > 0;
  if (!hour && !day) return null;
  const [calls, answered, distinct, threshold, window] = hour
    ? [s.strangerCalls1h, s.strangerAnswered1h, s.newStrangers1h, strangersPerHour, '1h']
    : [s.strangerCalls24h, s.strangerAnswered24h, s.newStrangers24h, strangersPerDay, '24h'];
  const rate = answered / calls;
  if (rate > maxAnswerRate) return null;
  const lowness = 1 - rate / maxAnswerRate;
  const points = 30 + 30 * lowness + rising(distinct, threshold, 0, 10, 3);
  return { rule: 'LOW_ANSWER_FANOUT', window, value: r3(rate), threshold: maxAnswerRate, points };
};
