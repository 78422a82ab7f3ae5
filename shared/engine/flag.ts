import type { FlagEvent, NumberClass, Severity } from '../contracts/records.ts';
import type { ScoredReason, Signals } from './signals.ts';

/** What a flag is made of, besides the signals it carries as evidence. */
export interface FlagParts {
  flagId: string;
  number: string;
  severity: Severity;
  score: number;
  reasons: ScoredReason[];
  windowStart: number;
  /** Event time of the call or complaint that raised it (the window's end). */
  detectedAt: number;
  emittedAt: number;
  numberClass: NumberClass;
  accessProvider: string | null;
}

/** The contract's FlagEvent: the parts, with the signals' counts as evidence (rounded sliding estimates). */
export function buildFlag(p: FlagParts, s: Signals): FlagEvent {
  return {
    flagId: p.flagId,
    number: p.number,
    severity: p.severity,
    score: p.score,
    reasons: p.reasons.map(({ rule, window, value, threshold }) => ({ rule, window, value, threshold })),
    windowStart: p.windowStart,
    windowEnd: p.detectedAt,
    detectedAt: p.detectedAt,
    emittedAt: p.emittedAt,
    numberClass: p.numberClass,
    accessProvider: p.accessProvider,
    evidence: {
      calls: Math.round(s.calls24h),
      calls1h: Math.round(s.calls1h),
      distinctCallees: Math.round(s.newCallees24h),
      answered: Math.round(s.answered24h),
      rejected: Math.round(s.rejected24h),
      strangerCalls: Math.round(s.strangerCalls24h),
      strangerAnswered: Math.round(s.strangerAnswered24h),
      callbacks: Math.round(s.callbacks24h),
      rejectionRepeats: Math.round(s.rejectionRepeats24h),
      rejectionRepeatsMax: s.rejectionRepeatMax,
      bombingAttempts: s.bombingMax,
      ringOnce: Math.round(s.ringOnce24h),
      shortCalls: Math.round(s.shortTalk24h),
      sequential1h: Math.round(s.sequential1h),
      quietHourCalls: Math.round(s.quietStranger24h),
      noConsentCalls: Math.round(s.noConsent24h),
      complaints: s.complaintReports,
      distinctReporters: s.complaintReporters,
      campaignMembers: Math.round(s.campaignMembers),
    },
  };
}
