import { r1, type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

/**
 * COMPLAINTS: distinct reporters in the ageing window, acquaintances
 * weighted down. One reporter alone is never enough (a quarrel); two is
 * WATCH, three LABEL, more keeps rising.
 */
export const complaints: Rule = (s, c) => {
  const { distinctReporters } = c.complaints;
  if (s.complaintWeighted < distinctReporters) return null;
  const points = Math.min(80, 35 + 15 * (s.complaintWeighted - distinctReporters));
  return { rule: 'COMPLAINTS', window: windowLabel(c.complaints.windowMs), value: r1(s.complaintWeighted), threshold: distinctReporters, points };
};
