import { r1, rising, type Rule, type RulesConfig, type Signals } from '../signals.ts';

/**
 * Whether RING_ONCE fires on the window: at least `perHour` (`perDay`) ring-once calls, and they are at least
 * `minShare` of the window's calls. A window whose call count is at the counters' ceiling never does: its share is
 * unknown (it would read too high; see `Signals.calls24hSaturated`). LOW_ANSWER_FANOUT asks it too.
 */
export function ringOnceFires(s: Signals, c: RulesConfig, window: '1h' | '24h'): boolean {
  const { perHour, perDay, minShare } = c.ringOnce;
  const [ringOnce, calls, saturated, least] = window === '1h' ? [s.ringOnce1h, s.calls1h, s.calls1hSaturated, perHour] : [s.ringOnce24h, s.calls24h, s.calls24hSaturated, perDay];
  return ringOnce >= least && !saturated && ringOnce / Math.max(1, calls) >= minShare;
}

/**
 * RING_ONCE: many very short cancelled attempts at strangers, which make up
 * most of the number's traffic — a lure for costly callbacks. LABEL at the
 * threshold on its own (nobody benign does this at volume). Where it fires,
 * it alone judges the number's strangers: LOW_ANSWER_FANOUT steps aside, since
 * calls cancelled within a ring gave nobody the chance to answer.
 */
export const ringOnce: Rule = (s, c) => {
  const { perHour, perDay } = c.ringOnce;
  if (ringOnceFires(s, c, '1h')) {
    return { rule: 'RING_ONCE', window: '1h', value: r1(s.ringOnce1h), threshold: perHour, points: rising(s.ringOnce1h, perHour, 50, 20, 3) };
  }
  if (ringOnceFires(s, c, '24h')) {
    return { rule: 'RING_ONCE', window: '24h', value: r1(s.ringOnce24h), threshold: perDay, points: rising(s.ringOnce24h, perDay, 50, 20, 3) };
  }
  return null;
};
