/**
 * The external record types of ../shared/contracts.md, as TypeScript.
 * Field names and meanings are a contract with probes, the complaint
 * platform, enforcement consumers and investigators: extend only by adding
 * optional fields.
 */

export const CALL_OUTCOMES = ['ANSWERED', 'REJECTED', 'BUSY', 'NO_ANSWER', 'CANCELLED', 'FAILED'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const COMPLAINT_CATEGORIES = ['MARKETING', 'HARASSMENT', 'FRAUD', 'OTHER'] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const SEVERITIES = ['WATCH', 'LABEL', 'BLOCK_RECOMMENDED'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Severity as a rank, for comparing: 1 WATCH, 2 LABEL, 3 BLOCK_RECOMMENDED (the values of ClickHouse's severity Enum8 too). */
export const SEVERITY_RANK: Record<Severity, number> = { WATCH: 1, LABEL: 2, BLOCK_RECOMMENDED: 3 };

export const RULES = [
  'HIGH_FREQUENCY',
  'REJECTION_REPEAT',
  'LOW_ANSWER_FANOUT',
  'SHORT_CALLS',
  'RING_ONCE',
  'CALL_BOMBING',
  'SWARM_BOMBING',
  'COMPLAINTS',
  'NO_CONSENT',
  'SEQUENTIAL_DIALING',
  'QUIET_HOURS',
  'CAMPAIGN',
] as const;
export type RuleName = (typeof RULES)[number];

export const NUMBER_CLASSES = [
  'MOBILE',
  'FIXED_LINE',
  'SERVICE_95',
  'SERVICE_96',
  'TOLL_FREE_400',
  'INTERNATIONAL',
  'UNKNOWN',
] as const;
export type NumberClass = (typeof NUMBER_CLASSES)[number];

/** One call attempt seen by a probe. Numbers as signalled (any form). */
export interface CallEvent {
  eventId: string;
  probeId: string;
  caller: string;
  callee: string;
  /** Attempt start (INVITE / IAM), ms since epoch UTC: the event time. */
  startTime: number;
  answerTime: number | null;
  endTime: number;
  outcome: CallOutcome;
  releaseCause: number | null;
  accessProvider: string | null;
}

export interface ComplaintReport {
  reportId: string;
  reporter: string;
  reported: string;
  reportTime: number;
  category: ComplaintCategory;
  channel: string | null;
}

export interface ConsentRecord {
  caller: string;
  callee: string;
  grantedAt: number;
  revokedAt: number | null;
}

export interface FlagReason {
  rule: RuleName;
  /** Human-readable window, e.g. "1h", "24h", "7d". */
  window: string;
  value: number;
  threshold: number;
}

export interface FlagEvent {
  flagId: string;
  number: string;
  severity: Severity;
  score: number;
  reasons: FlagReason[];
  windowStart: number;
  windowEnd: number;
  detectedAt: number;
  emittedAt: number;
  numberClass: NumberClass;
  accessProvider: string | null;
  evidence: Record<string, number>;
}

export const REVIEW_DECISIONS = ['CONFIRMED', 'DISMISSED'] as const;
export type ReviewDecisionKind = (typeof REVIEW_DECISIONS)[number];

export interface ReviewDecision {
  number: string;
  flagId: string | null;
  decision: ReviewDecisionKind;
  reviewer: string;
  note: string | null;
  decidedAt: number;
}

/** Default topic names (every name is configurable). */
export const DEFAULT_TOPICS = {
  calls: 'callguard.calls.v1',
  complaints: 'callguard.complaints.v1',
  consents: 'callguard.consents.v1',
  flags: 'callguard.flags.v1',
  reviews: 'callguard.reviews.v1',
  dlq: 'callguard.dlq.v1',
} as const;
