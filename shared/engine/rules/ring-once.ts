import { r1, rising, type Rule, type RulesConfig, type Signals } from '../signals.ts';

/**
 * The window's calls are mostly ring-once (at least `minShare` of them): cancelled within a ring, before anyone
 * could answer. A window whose call count is at the counters' ceiling never is: its share is unknown (it would read
 * too high; see `Signals.calls24hSaturated`). LOW_ANSWER_FANOUT asks it too.
 */
export function mostlyRingOnce(s: Signals, c: RulesConfig, window: '1h' | '24h'): boolean {
  const [ringOnce, calls, saturated] = window === '1h' ? [s.ringOnce1h, s.calls1h, s.calls1hSaturated] : [s.ringOnce24h, s.calls24h, s.calls24hSaturated];
  return !saturated && ringOnce / Math.max(1, calls) >= c.ringOnce.minShare;
}

/**
 * RING_ONCE: many very short cancelled attempts at many strangers, which make up most of the number's traffic — a
 * lure for costly callbacks. At least `perHour` (`perDay`) ring-once calls and as many distinct strangers called in
 * the window: quick hang-ups at one or two numbers (a shop rung back and forth, a friend's new number) are no lure.
 * LABEL at the threshold on its own (nobody benign does this at volume). A window mostly rung once is this rule's
 * alone to judge: LOW_ANSWER_FANOUT steps aside, since nobody had the chance to answer.
 */
export const ringOnce: Rule = (s, c) => {
  const { perHour, perDay } = c.ringOnce;
  if (s.ringOnce1h >= perHour && s.newStrangers1h >= perHour && mostlyRingOnce(s, c, '1h')) {
    return { rule: 'RING_ONCE', window: '1h', value: r1(s.ringOnce1h), threshold: perHour, points: rising(s.ringOnce1h, perHour, 50, 20, 3) };
  }
  if (s.ringOnce24h >= perDay && s.newStrangers24h >= perDay && mostlyRingOnce(s, c, '24h')) {
    return { rule: 'RING_ONCE', window: '24h', value: r1(s.ringOnce24h), threshold: perDay, points: rising(s.ringOnce24h, perDay, 50, 20, 3) };
  }
  return null;
};
