import { r1, rising, type Rule } from '../signals.ts';

/**
 * QUIET_HOURS: calls to strangers in the callee's night (22:00–08:00
 * Asia/Shanghai by default). Friends call late; strangers should not.
 * WATCH-level on its own, it turns marketing-like behaviour into a LABEL.
 */
export const quietHours: Rule = (s, c) => {
  const { strangerCallsPerDay } = c.quietHours;
  if (s.quietStranger24h < strangerCallsPerDay) return null;
  return {
    rule: 'QUIET_HOURS',
    window: '24h',
    value: r1(s.quietStranger24h),
    threshold: strangerCallsPerDay,
    points: rising(s.quietStranger24h, strangerCallsPerDay, 25, 15, 4),
  };
};
