import { r3, type Rule } from '../signals.ts';

/**
 * SHORT_CALLS: most answered calls end within seconds (the callee hangs up
 * on a pitch or a recording). Weak on its own (15–20 points); with
 * HIGH_FREQUENCY alone it stays below LABEL (29 + 20 < 50). Silent when the
 * answered count is at the counters' ceiling (the share is unknown).
 */
export const shortCalls: Rule = (s, c) => {
  const { minAnswered, minShare } = c.shortCalls;
  if (s.answered24h < minAnswered || s.answered24hSaturated) return null;
  const share = s.shortTalk24h / s.answered24h;
  if (share < minShare) return null;
  const points = 15 + 5 * ((share - minShare) / Math.max(1e-9, 1 - minShare));
  return { rule: 'SHORT_CALLS', window: '24h', value: r3(share), threshold: minShare, points, context: true };
};
