import { poissonTail, r1, type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

const DAY_MS = 86_400_000;

/**
 * COMPLAINTS: distinct reporters in the ageing window, acquaintances
 * weighted down. One reporter alone is never enough (a quarrel); two is
 * WATCH, three LABEL, more keeps rising.
 *
 * Judged against the number's reach: some people complain about any caller
 * (a wrong number, an annoyed customer, a consented customer who forgot), so
 * a courier who rings 80 strangers a day collects a few reports a month
 * without being a nuisance. The people the number reached while its
 * complaints gathered are estimated from its distinct callees of the last
 * 24 h: its strangers times the days since the first complaint (plus one),
 * strangers being new people every day, and its other callees (consented
 * customers, acquaintances) once, since they may be the same people every
 * day (a collector ringing the same debtors daily reaches them once, not
 * thirty times). At `benignRate` complaints a person reached, the reporters
 * must be too many to be that background (Poisson upper tail ≤ `alpha`). A
 * number that reaches few people, or none today, is judged on its reporters
 * alone.
 */
export const complaints: Rule = (s, c) => {
  const { distinctReporters, benignRate, alpha } = c.complaints;
  if (s.complaintWeighted < distinctReporters) return null;
  const others = Math.max(0, s.newCallees24h - s.newStrangers24h);
  const reached = s.newStrangers24h * (1 + s.complaintSpanMs / DAY_MS) + others;
  // Weighted reporters rounded down: an acquaintance's half complaint does not make the count more surprising.
  if (poissonTail(Math.floor(s.complaintWeighted), benignRate * reached) > alpha) return null;
  const points = Math.min(80, 35 + 15 * (s.complaintWeighted - distinctReporters));
  return {
    rule: 'COMPLAINTS',
    window: windowLabel(c.complaints.windowMs),
    value: r1(s.complaintWeighted),
    threshold: distinctReporters,
    points,
    newestAt: s.complaintLatestAt,
  };
};
