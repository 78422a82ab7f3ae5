/** One valid value of every contract record, for round-trip tests. */
import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent, ReviewDecision } from '../../../shared/contracts/records.ts';

const t0 = Date.UTC(2026, 10, 28, 9, 30, 0);

export const sampleCall: CallEvent = {
  eventId: 'evt-1',
  probeId: 'probe-gz-01',
  caller: '+8613812345678',
  callee: '02088886666',
  startTime: t0,
  answerTime: t0 + 4_000,
  endTime: t0 + 64_000,
  outcome: 'ANSWERED',
  releaseCause: 16,
  accessProvider: 'carrier-a',
};

export const sampleUnansweredCall: CallEvent = {
  ...sampleCall,
  eventId: 'evt-2',
  answerTime: null,
  outcome: 'REJECTED',
  releaseCause: null,
  accessProvider: null,
};

export const sampleComplaint: ComplaintReport = {
  reportId: 'rep-1',
  reporter: '+8613900000001',
  reported: '+8613812345678',
  reportTime: t0 + 120_000,
  category: 'MARKETING',
  channel: null,
};

export const sampleConsent: ConsentRecord = { caller: '+869501234567', callee: '+8613900000001', grantedAt: t0, revokedAt: null };

export const sampleFlag: FlagEvent = {
  flagId: 'flag-3f2a',
  number: '+8613812345678',
  severity: 'BLOCK_RECOMMENDED',
  score: 91,
  reasons: [
    { rule: 'HIGH_FREQUENCY', window: '1h', value: 240, threshold: 60 },
    { rule: 'COMPLAINTS', window: '7d', value: 5, threshold: 3 },
  ],
  windowStart: t0 - 3_600_000,
  windowEnd: t0,
  detectedAt: t0 - 1,
  emittedAt: t0 + 250,
  numberClass: 'MOBILE',
  accessProvider: 'carrier-a',
  evidence: { calls: 240, distinctCallees: 231, answered: 12.5, complaints: 5 },
};

export const sampleReview: ReviewDecision = {
  number: '+8613812345678',
  flagId: 'flag-3f2a',
  decision: 'CONFIRMED',
  reviewer: 'inv-007',
  note: null,
  decidedAt: t0 + 7_200_000,
};
