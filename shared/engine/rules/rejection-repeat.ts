import { type Rule } from '../signals.ts';

/**
 * REJECTION_REPEAT: further attempts at a callee who explicitly rejected
 * the caller (REJECTED: SIP 603 / user reject), acquaintances exempt. One
 * polite redial stays below the threshold; at the threshold (2 by default)
 * it is WATCH, one more makes LABEL, and it keeps rising. Each further
 * repeat anywhere adds a little (a marketer redialling refusers).
 */
export const rejectionRepeat: Rule = (s, c) => {
  const { repeats } = c.rejectionRepeat;
  if (s.rejectionRepeatMax < repeats) return null;
  const extra = s.rejectionRepeatMax - repeats;
  const spread = Math.max(0, s.rejectionRepeats24h - s.rejectionRepeatMax);
  const points = Math.min(85, 40 + 15 * extra + 5 * spread);
  return { rule: 'REJECTION_REPEAT', window: '7d', value: s.rejectionRepeatMax, threshold: repeats, points };
};
