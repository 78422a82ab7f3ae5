import { r1, rising, type Rule } from '../signals.ts';

/**
 * NO_CONSENT: a marketing line (95/96/400 service number or a configured
 * line) calling people who gave no live consent. Marketing calls need the
 * callee's consent, so a handful a day is a violation: LABEL at the
 * threshold. Consented calls, and calls to people who called the line
 * first, never count; unless those people have revoked a consent they gave
 * the line (their explicit word, whoever called first). A number that is no
 * marketing line but registers consents (a sales rep's mobile) is held to
 * the revocations: its calls to people who revoked the consent they gave it
 * count, though they may have talked with it before, unless those people
 * have called it (a customer's own inquiry is answered like anybody's call).
 * A consent withdrawn as if never given (a tombstone) is no revocation.
 */
export const noConsent: Rule = (s, c) => {
  const { callsPerDay } = c.noConsent;
  if ((!s.isMarketingLine && !s.isConsentingLine) || s.noConsent24h < callsPerDay) return null;
  return {
    rule: 'NO_CONSENT',
    window: '24h',
    value: r1(s.noConsent24h),
    threshold: callsPerDay,
    points: rising(s.noConsent24h, callsPerDay, 50, 25, 5),
  };
};
