import { rising, type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

/**
 * CALL_BOMBING: many attempts at one stranger within a short window
 * (default 8 in an hour). Acquaintances are exempt (a quarrel is not
 * bombing). LABEL at the threshold on its own.
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
  };
};
