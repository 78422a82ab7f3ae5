import { r1, rising, type Rule } from '../signals.ts';

/**
 * RING_ONCE: many very short cancelled attempts at strangers, which make up
 * most of the number's traffic — a lure for costly callbacks. LABEL at the
 * threshold on its own (nobody benign does this at volume). A window whose
 * call count is at the counters' ceiling does not fire: its share is unknown
 * (it would read too high; see `Signals.calls24hSaturated`).
 */
export const ringOnce: Rule = (s, c) => {
  const { perHour, perDay, minShare } = c.ringOnce;
  const hour = s.ringOnce1h >= perHour && !s.calls1hSaturated && s.ringOnce1h / Math.max(1, s.calls1h) >= minShare;
  const day = s.ringOnce24h >= perDay && !s.calls24hSaturated && s.ringOnce24h / Math.max(1, s.calls24h) >= minShare;
  if (!hour && !day) return null;
  return hour
    ? { rule: 'RING_ONCE', window: '1h', value: r1(s.ringOnce1h), threshold: perHour, points: rising(s.ringOnce1h, perHour, 50, 20, 3) }
    : { rule: 'RING_ONCE', window: '24h', value: r1(s.ringOnce24h), threshold: perDay, points: rising(s.ringOnce24h, perDay, 50, 20, 3) };
};
