import { rising, type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

/**
 * CALL_BOMBING: many attempts at one stranger within a short window
 * (default 8 in an hour). Acquaintances are exempt (a quarrel is not
 * bombing). LABEL at the threshold on its own. When the callee it counts
 * is the one whose refusal REJECTION_REPEAT counts, the two rules read one
 * person's calls: the bombing restates the refusal and is not a second
 * rule towards BLOCK_RECOMMENDED (that needs another callee's harm, or
 * other evidence such as distinct reporters' complaints).
 */
export const callBombing: Rule = (s, c) => {
  const { attempts } = c.callBombing;
  if (s.bombingMax < attempts) return null;
  return {
    rule: 'CALL_BOMBING',
    window: windowLabel(c.callBombing.windowMs),
    value: s.bombingMax,
    threshold: attempts,
    points: rising(s.bombingMax, attempts, 55, 20, 3),
    ...(s.bombingOneCallee && s.rejectionRepeatMax >= c.rejectionRepeat.repeats ? { restates: true } : {}),
  };
};
