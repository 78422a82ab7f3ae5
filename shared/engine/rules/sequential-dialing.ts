import { r1, rising, type Rule } from '../signals.ts';

/**
 * SEQUENTIAL_DIALING: callees in consecutive number runs (a dialler
 * scanning a block). People call their contacts, not number ranges: LABEL
 * at the threshold when the runs are a large share of the traffic (unknown,
 * so no fire, when the hour's call count is at the counters' ceiling).
 */
export const sequentialDialing: Rule = (s, c) => {
  const { perHour, minShare } = c.sequentialDialing;
  if (s.sequential1h < perHour || s.calls1hSaturated || s.sequential1h / Math.max(1, s.calls1h) < minShare) return null;
  return {
    rule: 'SEQUENTIAL_DIALING',
    window: '1h',
    value: r1(s.sequential1h),
    threshold: perHour,
    points: rising(s.sequential1h, perHour, 50, 20, 4),
  };
};
