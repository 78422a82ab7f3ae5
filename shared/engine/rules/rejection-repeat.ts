import { type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

/**
 * REJECTION_REPEAT: further attempts at a callee who explicitly rejected
 * the caller (REJECTED: SIP 603 / user reject), acquaintances exempt. One
 * polite redial stays below the threshold; at the threshold (2 by default)
 * it is WATCH, one more makes LABEL, and it keeps rising. Only the worst
 * single callee counts: a busy courier retrying a few refusals once or twice
 * each is not a harasser, however many customers he has.
 */
export const rejectionRepeat: Rule = (s, c) => {
  const { repeats } = c.rejectionRepeat;
  if (s.rejectionRepeatMax < repeats) return null;
  const extra = s.rejectionRepeatMax - repeats;
  const points = Math.min(85, 40 + 15 * extra);
  return {
    rule: 'REJECTION_REPEAT',
    window: windowLabel(c.rejectionRepeat.memoryMs),
    value: s.rejectionRepeatMax,
    threshold: repeats,
    points,
    newestAt: s.rejectionRepeatAt,
  };
};
