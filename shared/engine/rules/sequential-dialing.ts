import { r1, rising, wilsonUpper, type Rule } from '../signals.ts';

/**
 * SEQUENTIAL_DIALING: callees in consecutive number runs (a dialler
 * scanning a block). People call their contacts, not number ranges: LABEL
 * at the threshold when the runs are a large share of the traffic (unknown,
 * so no fire, when the hour's call count is at the counters' ceiling).
 *
 * Unless the strangers called plainly engage: the lower bound (95 %) of the
 * hour's engagement per callee above `lowAnswerFanout.maxAnswerRate`, each
 * stranger's engaged answer or callback counted once (not `reach`'s hour,
 * which counts a real conversation twice: a bonus that makes
 * LOW_ANSWER_FANOUT cautious would make this exemption lax). A
 * company's administrator ringing the colleagues of a corporate block
 * (集团号, consecutive mobiles) one after another is answered and talked to;
 * a dialler scanning a range reaches unassigned numbers and people who hang
 * up.
 */
export const sequentialDialing: Rule = (s, c) => {
  const { perHour, minShare } = c.sequentialDialing;
  if (s.sequential1h < perHour || s.calls1hSaturated || s.sequential1h / Math.max(1, s.calls1h) < minShare) return null;
  // A count at the counters' ceiling is a lower bound: the exemption stays conservative.
  const n = s.newStrangers1h;
  const k = Math.min(n, s.strangerAnswered1h + s.callbacks1h);
  if (n > 0 && 1 - wilsonUpper(n - k, n) > c.lowAnswerFanout.maxAnswerRate) return null;
  return {
    rule: 'SEQUENTIAL_DIALING',
    window: '1h',
    value: r1(s.sequential1h),
    threshold: perHour,
    points: rising(s.sequential1h, perHour, 50, 20, 4),
  };
};
