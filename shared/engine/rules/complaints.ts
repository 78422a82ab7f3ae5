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
 * complaints gathered are estimated as its distinct callees of the last 24 h
 * (strangers or not: a consented centre's customers complain about any
 * caller too) times the days since the first complaint (plus one), as if
 * each day's were new people: right for strangers and for a centre working
 * through its customer list, too many for a line that rings the same
 * people every day. At `benignRate` complaints a person reached, the
 * reporters must be too many to be that background: a Poisson upper tail
 * ≤ `alpha` for the rule to speak at all, ≤ `evidenceAlpha` for it to be
 * evidence. Between the two the reporters are context: a WATCH on their
 * own, weight added to other evidence, never a LABEL alone nor one of the
 * rules BLOCK_RECOMMENDED needs (verdict.ts) — every number is tested again
 * at every complaint, and a public label on a legitimate line is the costly
 * error. A number that reaches few people, or none today, is judged on its
 * reporters alone.
 */
export const complaints: Rule = (s, c) => {
  const { distinctReporters, benignRate, alpha, evidenceAlpha } = c.complaints;
  if (s.complaintWeighted < distinctReporters) return null;
  const reached = Math.max(s.newCallees24h, s.newStrangers24h) * (1 + s.complaintSpanMs / DAY_MS);
  // Weighted reporters rounded down: an acquaintance's half complaint does not make the count more surprising.
  const tail = poissonTail(Math.floor(s.complaintWeighted), benignRate * reached);
  if (tail > alpha) return null;
  const points = Math.min(80, 35 + 15 * (s.complaintWeighted - distinctReporters));
  return {
    rule: 'COMPLAINTS',
    window: windowLabel(c.complaints.windowMs),
    value: r1(s.complaintWeighted),
    threshold: distinctReporters,
    points,
    newestAt: s.complaintLatestAt,
    ...(tail > evidenceAlpha ? { context: true } : {}),
  };
};
