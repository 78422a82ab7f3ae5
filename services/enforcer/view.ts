/**
 * The lookup view of a number: what `GET /v1/numbers/{number}` answers and
 * what call setup acts on, derived from the machine's state (pure).
 */
import type { FlagReason, Severity } from '../../shared/contracts/records.ts';
import { effectiveStatus, type EnforcementStatus, type NumberState } from './machine.ts';

/** The caller-ID label: suspected (by the detector) or verified (by an investigator). */
export type CallerIdLabel = 'SUSPECTED_NUISANCE' | 'VERIFIED_NUISANCE';

/** What kind of nuisance the label tells the callee about, from the flag's reasons. */
export type NuisanceCategory = 'FRAUD_RISK' | 'HARASSMENT' | 'TELEMARKETING' | 'NUISANCE';

/** The answer of the lookup API for one number. */
export interface LookupView {
  number: string;
  status: EnforcementStatus;
  /** Null when nothing is to be shown (CLEAR, DISMISSED). */
  label: CallerIdLabel | null;
  category: NuisanceCategory | null;
  /** True when call setup should refuse the call (status BLOCKED). */
  blocked: boolean;
  severity: Severity | null;
  score: number | null;
  reasons: FlagReason[];
  flagId: string | null;
  windowStart: number | null;
  windowEnd: number | null;
  /** When the label or block ages out, ms since the epoch; null = no expiry. */
  expiresAt: number | null;
  /** Who verified it (BLOCKED or a confirmed label). */
  verifiedBy: string | null;
  updatedAt: number | null;
}

const FRAUD = new Set(['RING_ONCE']);
const HARASSMENT = new Set(['REJECTION_REPEAT', 'CALL_BOMBING', 'SWARM_BOMBING']);
const MARKETING = new Set(['NO_CONSENT', 'QUIET_HOURS', 'SEQUENTIAL_DIALING', 'LOW_ANSWER_FANOUT', 'HIGH_FREQUENCY', 'CAMPAIGN', 'SHORT_CALLS']);

/** The category shown with a label: ring-once lures first, then harassment, then telemarketing. */
export function categoryOf(reasons: readonly FlagReason[]): NuisanceCategory {
  const rules = new Set<string>(reasons.map((r) => r.rule));
  for (const [set, category] of [
    [FRAUD, 'FRAUD_RISK'],
    [HARASSMENT, 'HARASSMENT'],
    [MARKETING, 'TELEMARKETING'],
  ] as const) {
    for (const rule of set) if (rules.has(rule)) return category;
  }
  return 'NUISANCE';
}

/** The view of a number nobody has flagged (or whose label aged out). */
export function clearView(number: string): LookupView {
  return {
    number,
    status: 'CLEAR',
    label: null,
    category: null,
    blocked: false,
    severity: null,
    score: null,
    reasons: [],
    flagId: null,
    windowStart: null,
    windowEnd: null,
    expiresAt: null,
    verifiedBy: null,
    updatedAt: null,
  };
}

/** The view of `state` as of `now` (an expired label reads CLEAR). */
export function viewOf(state: NumberState, now: number): LookupView {
  const status = effectiveStatus(state, now);
  if (status === 'CLEAR') return clearView(state.number);
  if (status === 'DISMISSED') {
    const d = state.dismissal;
    return { ...clearView(state.number), status, flagId: d?.flagId ?? null, verifiedBy: d?.reviewer ?? null, updatedAt: state.updatedAt };
  }
  const a = state.active;
  const verified = state.verifiedBy !== null;
  return {
    number: state.number,
    status,
    label: verified || status === 'BLOCKED' ? 'VERIFIED_NUISANCE' : 'SUSPECTED_NUISANCE',
    category: a ? categoryOf(a.reasons) : 'NUISANCE',
    blocked: status === 'BLOCKED',
    severity: a?.severity ?? null,
    score: a?.score ?? null,
    reasons: a?.reasons ?? [],
    flagId: a?.flagId ?? null,
    windowStart: a?.windowStart ?? null,
    windowEnd: a?.windowEnd ?? null,
    expiresAt: state.expiresAt,
    verifiedBy: state.verifiedBy?.reviewer ?? null,
    updatedAt: state.updatedAt,
  };
}
