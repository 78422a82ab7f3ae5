/** Records for the enforcer's specs. */
import type { FlagEvent } from '../../../shared/contracts/records.ts';

const H = 3_600_000;

/** A BLOCK_RECOMMENDED flag of `+8613800138000` (id `f-block`) whose evidence ended 5 h before `now`. */
export function blockRecommended(now: number, over: Partial<FlagEvent> = {}): FlagEvent {
  return {
    flagId: 'f-block',
    number: '+8613800138000',
    severity: 'BLOCK_RECOMMENDED',
    score: 92,
    reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 9, threshold: 3 }],
    windowStart: now - 6 * H,
    windowEnd: now - 5 * H,
    detectedAt: now - 5 * H,
    emittedAt: now - 5 * H,
    numberClass: 'MOBILE',
    accessProvider: 'CMCC',
    evidence: { calls: 120 },
    ...over,
  };
}
