import { poissonTail, r1, type Rule } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

const DAY_MS = 86_400_000;

/**
 * COMPLAINTS: distinct reporters in the ageing window, acquaintances
 * weighted down. One reporter alone is never enough (a quarrel); two is
 * WATCH, three LABEL, more keeps rising.
 *
 * Judged against the number's reach: some people complain about any caller
 * (a wrong number, an annoyed customer), so a courier who rings 80 strangers
 * a day collects a few reports a month without being a nuisance. The
 * people the number reached while its complaints gathered are estimated as
 * its distinct callees of the last 24 h times the days since the first of
 * them (plus one); at `benignRate` complaints a callee, the reporters must be
 * too many to be that background (Poisson upper tail ≤ `alpha`). Callees of
 * every kind count, not only strangers: a consented call centre's customers
 * complain about it too (its 400 calls a day are to no stranger, and judged
 * on its reporters alone three complaints in a month labelled it), while an
 * acquaintance's complaint already weighs half. A number that reaches few
 * people, or none today, is judged on its reporters alone.
 */
export const complaints: Rule = (s, c) => {
  const { distinctReporters, benignRate, alpha } = c.complaints;
  if (s.complaintWeighted < distinctReporters) return null;
  const reached = Math.max(s.newCallees24h, s.newStrangers24h) * (1 + s.complaintSpanMs / DAY_MS);
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
