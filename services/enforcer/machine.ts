/**
 * The enforcement state machine: pure, no I/O, no clock of its own.
 *
 * One {@link NumberState} per number. Flags and review decisions are folded
 * into it by {@link applyFlag} and {@link applyReview}; each returns the next
 * state and an {@link Outcome} naming what happened, so the caller (the Redis
 * store) writes the state and the lookup view, and counts outcomes.
 *
 * Statuses and transitions (see docs/enforcer.md for the table):
 * - `WATCH` flags change nothing (remembered so that a review may name them).
 * - `LABEL` → `LABELED`: a caller-ID label until `max(windowEnd, detectedAt)
 *   + labelTtlMs` (event time of the evidence, so replayed old flags do not
 *   label anybody for a week from now).
 * - `BLOCK_RECOMMENDED` → `PENDING_VERIFICATION`: labelled meanwhile, never
 *   blocked on the detector's word alone.
 * - review `CONFIRMED` naming a BLOCK_RECOMMENDED flag → `BLOCKED` (until
 *   `decidedAt + blockTtlMs`, or for good when blockTtlMs is 0); of a weaker
 *   flag, or naming no flag → the label is marked verified (a review naming
 *   no flag never blocks, and is stale for a flag published after it).
 * - A block or pending verification that expires lets the flags it held back
 *   (fresh evidence, within their label TTL) stand again ({@link settle}).
 * - review `DISMISSED` → `DISMISSED`: label removed; the number is protected
 *   from flags over the same evidence ({@link coveredByDismissal}).
 * - A verified block is never lowered by a weaker flag; an expired label or
 *   block reads as `CLEAR`.
 * - A number on the operator's allowlist is never labelled or blocked:
 *   {@link applyAllowlisted} clears its label, pending verification or block
 *   (the caller applies it when the number is newly seen in the allowlist, and
 *   instead of a flag for an allowlisted number).
 * - Idempotent: a flag id seen before and a review seen before change
 *   nothing, nor does a review older than every one remembered. A review
 *   that arrives before its flag (they travel on different topics) waits in
 *   the state and is applied when the flag comes; one that arrives after a
 *   newer review (two consoles) is applied at once. Either is applied in
 *   decision order with the newer reviews applied again after it.
 */
import { SEVERITY_RANK, type FlagEvent, type ReviewDecision, type ReviewDecisionKind, type Severity } from '../../shared/contracts/records.ts';

/** Where a number stands. `CLEAR` = no action (also what an unknown number is). */
export type EnforcementStatus = 'CLEAR' | 'LABELED' | 'PENDING_VERIFICATION' | 'BLOCKED' | 'DISMISSED';

/**
 * What the machine keeps of a flag. `emittedAt` (wall clock of publication: when a console could first show the
 * flag) is absent from states stored before it was kept: unknown, so never provably seen by a decision.
 */
export type FlagSummary = Pick<FlagEvent, 'flagId' | 'severity' | 'score' | 'reasons' | 'windowStart' | 'windowEnd' | 'detectedAt' | 'accessProvider'> & {
  emittedAt?: number;
};

/** The protection a dismissal gives: flags over this evidence are ignored. */
export interface Dismissal {
  flagId: string | null;
  /** Severity of the dismissed flag; null while the flag itself is unknown. */
  severity: Severity | null;
  /** Evidence window of the dismissed flag; null while the flag is unknown. */
  windowStart: number | null;
  windowEnd: number | null;
  reviewer: string;
  decidedAt: number;
  note: string | null;
}

/** A review decision as remembered (for dedup, staleness and early arrivals). */
export interface ReviewSummary {
  flagId: string | null;
  decision: ReviewDecisionKind;
  reviewer: string;
  note: string | null;
  decidedAt: number;
}

/** The whole enforcement state of one number (stored as JSON). */
export interface NumberState {
  number: string;
  status: EnforcementStatus;
  /** The flag the current status rests on (null when CLEAR or never flagged). */
  active: FlagSummary | null;
  /** When the label or block ages out, ms; null = never (a block with blockTtlMs 0) or nothing to age. */
  expiresAt: number | null;
  /** The review that verified the active flag, if any. */
  verifiedBy: ReviewSummary | null;
  /** The latest dismissal, if any. */
  dismissal: Dismissal | null;
  /** Recently seen flags, newest last (dedup by flagId; targets for reviews). */
  seen: FlagSummary[];
  /** Recently applied reviews, oldest decision first (dedup, applying late ones in decision order). */
  reviews: ReviewSummary[];
  /** Reviews naming a flag not seen yet, applied when it arrives. */
  early: ReviewSummary[];
  /** decidedAt of the newest applied review (an older one arriving later is applied in decision order). */
  lastReviewAt: number;
  /** Processing time of the last change, ms. */
  updatedAt: number;
}

/** Tunables of the machine (all durations in ms). */
export interface MachineOptions {
  /** How long a label lasts after the end of its evidence window. */
  labelTtlMs: number;
  /** How long a confirmed block lasts after the decision; 0 = until lifted by a dismissal. */
  blockTtlMs: number;
  /** How many recent flags and reviews a number keeps (bounded state). */
  historySize: number;
  /** How long a dismissal protects the number from flags over the dismissed evidence, from the decision. */
  protectTtlMs: number;
}

/** Documented defaults: labels 7 days, blocks 30 days, 8 remembered flags/reviews, dismissals protect 30 days. */
export const DEFAULT_MACHINE_OPTIONS: MachineOptions = {
  labelTtlMs: 7 * 24 * 3_600_000,
  blockTtlMs: 30 * 24 * 3_600_000,
  historySize: 8,
  protectTtlMs: 30 * 24 * 3_600_000,
};

/** What applying one record did (a metrics label as well). */
export type Outcome =
  | 'labeled'
  | 'pending'
  | 'blocked'
  | 'verified'
  | 'dismissed'
  | 'protected'
  | 'duplicate'
  | 'stale'
  | 'expired'
  | 'watch'
  | 'kept'
  | 'deferred'
  | 'no-target'
  | 'allowlisted';

/**
 * How far a flag may have been emitted after a decision naming no flag id
 * and still be the one decided on: the detector's and the console's wall
 * clocks differ by this much at most.
 */
export const DECISION_CLOCK_SKEW_MS = 60_000;

/** The next state and what happened. */
export interface Transition {
  state: NumberState;
  outcome: Outcome;
  /** False when nothing changed (the caller may skip the write). */
  changed: boolean;
}

/** A fresh state for a number never seen. */
export function emptyState(number: string): NumberState {
  return {
    number,
    status: 'CLEAR',
    active: null,
    expiresAt: null,
    verifiedBy: null,
    dismissal: null,
    seen: [],
    reviews: [],
    early: [],
    lastReviewAt: 0,
    updatedAt: 0,
  };
}

/** The status as of `now`: a label or block past its expiry reads CLEAR. */
export function effectiveStatus(state: NumberState, now: number): EnforcementStatus {
  if ((state.status === 'LABELED' || state.status === 'PENDING_VERIFICATION' || state.status === 'BLOCKED') && state.expiresAt !== null && state.expiresAt <= now) {
    return 'CLEAR';
  }
  return state.status;
}

/** True when the state labels, holds for verification or blocks the number as of `now`. */
export function actsOn(state: NumberState, now: number): boolean {
  const s = effectiveStatus(state, now);
  return s === 'LABELED' || s === 'PENDING_VERIFICATION' || s === 'BLOCKED';
}

/** True when `flag` rests on evidence a dismissal already covered (see docs/enforcer.md). */
export function coveredByDismissal(flag: Pick<FlagSummary, 'flagId' | 'severity' | 'windowStart' | 'windowEnd'>, d: Dismissal | null): boolean {
  if (!d) return false;
  if (d.flagId !== null && d.flagId === flag.flagId) return true;
  if (d.windowEnd === null || d.severity === null) return false;
  // Nothing after the reviewed evidence: the same calls again.
  if (flag.windowEnd <= d.windowEnd) return true;
  // Overlapping the reviewed evidence without getting any stronger.
  return flag.windowStart < d.windowEnd && SEVERITY_RANK[flag.severity] <= SEVERITY_RANK[d.severity];
}

/** Keeps what the machine needs of a FlagEvent. */
export function summarize(flag: FlagEvent): FlagSummary {
  return {
    flagId: flag.flagId,
    severity: flag.severity,
    score: flag.score,
    reasons: flag.reasons.map((r) => ({ ...r })),
    windowStart: flag.windowStart,
    windowEnd: flag.windowEnd,
    detectedAt: flag.detectedAt,
    emittedAt: flag.emittedAt,
    accessProvider: flag.accessProvider,
  };
}

/** Folds one FlagEvent into the state of its number at processing time `now`. */
export function applyFlag(prev: NumberState, flag: FlagEvent, now: number, opts: MachineOptions = DEFAULT_MACHINE_OPTIONS): Transition {
  if (knownFlag(prev, flag.flagId)) {
    // Nothing to apply, but a block or pending verification that expired meanwhile may have held back a flag that
    // stands now (settle): written, so the lookup view shows it.
    const settled = settle(prev, now, opts);
    return settled.active !== null && settled.active !== prev.active ? changed({ ...settled, updatedAt: now }, 'duplicate') : same(prev, 'duplicate');
  }
  const summary = summarize(flag);
  const state = settle({ ...prev, seen: bounded([...prev.seen, summary], opts.historySize), updatedAt: now }, now, opts);
  const early = state.early.filter((r) => r.flagId === flag.flagId);
  if (early.length > 0) {
    // Reviews that came first: applied now, with the decisions applied meanwhile that were made after the first of
    // them applied again after them (see inDecisionOrder).
    const waiting: NumberState = { ...state, early: state.early.filter((r) => r.flagId !== flag.flagId) };
    const first = Math.min(...early.map((r) => r.decidedAt));
    return inDecisionOrder(waiting, early, first, now, opts, (id) => (id === flag.flagId ? summary : undefined));
  }
  if (coveredByDismissal(summary, state.dismissal)) return changed(state, 'protected');
  if (flag.severity === 'WATCH') return changed(state, 'watch');
  const next = adoptFlag(state, summary, now, opts);
  if (next === state) return changed(state, state.status === 'CLEAR' ? 'expired' : 'kept');
  if (next.active?.flagId !== flag.flagId) return changed(next, 'kept');
  return changed(next, next.status === 'PENDING_VERIFICATION' ? 'pending' : 'labeled');
}

/**
 * The number is on the operator's allowlist: a label, pending verification or
 * block it has is removed (`CLEAR`, nothing active, so the store deletes the
 * lookup view). The history (seen flags, reviews, early reviews) and any
 * dismissal are kept, so redeliveries stay recognised and the detector's
 * dismissed record stays. A number with nothing live (CLEAR, an expired
 * label, DISMISSED) is left as it is (`changed: false`).
 */
export function applyAllowlisted(prev: NumberState, now: number): Transition {
  if (!actsOn(prev, now)) return same(prev, 'allowlisted');
  return changed({ ...prev, status: 'CLEAR', active: null, expiresAt: null, verifiedBy: null, updatedAt: now }, 'allowlisted');
}

/** Folds one ReviewDecision into the state of its number at processing time `now`. */
export function applyReview(prev: NumberState, review: ReviewDecision, now: number, opts: MachineOptions = DEFAULT_MACHINE_OPTIONS): Transition {
  const r: ReviewSummary = { flagId: review.flagId, decision: review.decision, reviewer: review.reviewer, note: review.note, decidedAt: review.decidedAt };
  const same_ = (a: ReviewSummary) => a.flagId === r.flagId && a.decision === r.decision && a.decidedAt === r.decidedAt && a.reviewer === r.reviewer;
  if (prev.reviews.some(same_) || prev.early.some(same_)) return same(prev, 'duplicate');
  const late = r.decidedAt < prev.lastReviewAt;
  // Made before a decision already applied. One naming no flag meant the flag active when it was made, which is
  // no longer known; one older than every remembered decision may be a redelivery of a forgotten one. Both: stale.
  if (late && (r.flagId === null || (prev.reviews.length >= opts.historySize && r.decidedAt < prev.reviews[0].decidedAt))) return same(prev, 'stale');
  const state = settle({ ...prev, updatedAt: now }, now, opts);
  // One naming no flag means the flag active when it was decided: not one published after the decision (or at an
  // unknown time), which no console could have shown (a decision must never act on evidence no person has seen).
  // What decides is emittedAt, not detectedAt: a lagging detector publishes flags on old evidence late.
  if (r.flagId === null && state.active !== null && !emittedBy(state.active, r.decidedAt)) return same(prev, 'stale');
  const target = r.flagId === null ? state.active : (knownFlag(state, r.flagId) ?? null);
  if (target === null) {
    if (r.flagId === null) return same(prev, 'no-target');
    // The flag has not arrived yet (another topic): keep the decision for it.
    const early = bounded([...state.early, r], opts.historySize);
    const withEarly: NumberState = { ...state, early };
    const lastReviewAt = Math.max(state.lastReviewAt, r.decidedAt);
    if (r.decision === 'DISMISSED' && !late) {
      return changed(protect({ ...withEarly, lastReviewAt }, null, r), 'deferred');
    }
    return changed({ ...withEarly, lastReviewAt }, 'deferred');
  }
  if (late) {
    // Overtaken on the way (another console's decision, published at about the same time, came first): applied in
    // decision order. If the newer decisions leave the number where it stood, it was superseded: 'stale'.
    const t = inDecisionOrder(state, [r], r.decidedAt, now, opts, (id) => (id === target.flagId ? target : undefined));
    const superseded = t.state.status === prev.status && t.state.active?.flagId === prev.active?.flagId && t.state.expiresAt === prev.expiresAt;
    return superseded ? { ...t, outcome: 'stale' } : t;
  }
  // A confirmation acts on its flag as when it comes before the flag (applyFlag): adopted first, if it still labels.
  return decide(r.decision === 'CONFIRMED' ? adoptFlag(state, target, now, opts) : state, target, r, now, opts);
}

/**
 * Applies `pending` — decisions applied out of decision order (one that waited for its flag, one overtaken by
 * another console's) — in decision order, together with the decisions already applied that were made after `since`
 * (on flags still remembered; one naming no flag on the flag active at that point, if published by its time), which
 * are applied again after them: the newest decision has the last word, as when
 * every record comes in decision order. The outcome is the last pending decision's; `flagFor` names flags not in
 * `state.seen` yet (the flag being applied).
 */
function inDecisionOrder(state: NumberState, pending: ReviewSummary[], since: number, now: number, opts: MachineOptions, flagFor: (flagId: string | null) => FlagSummary | undefined): Transition {
  const again = state.reviews.filter((r) => r.decidedAt > since);
  const queue = [...pending.map((r) => ({ r, remember: true })), ...again.map((r) => ({ r, remember: false }))].sort((a, b) => a.r.decidedAt - b.r.decidedAt);
  let t: Transition = { state, outcome: 'deferred', changed: true };
  for (const { r, remember } of queue) {
    // A decision naming no flag meant the flag active when it was made (published by then), as when it was first applied.
    const active = t.state.active;
    const target = r.flagId === null ? (active !== null && emittedBy(active, r.decidedAt) ? active : undefined) : (flagFor(r.flagId) ?? knownFlag(t.state, r.flagId));
    if (!target) continue;
    const outcome = t.outcome;
    t = decide(r.decision === 'CONFIRMED' ? adoptFlag(t.state, target, now, opts) : t.state, target, r, now, opts, remember);
    if (!remember) t = { ...t, outcome };
  }
  return t;
}

/** Applies a review to a known flag `target`; `remember` false when it is one already recorded, applied again. */
function decide(state: NumberState, target: FlagSummary, r: ReviewSummary, now: number, opts: MachineOptions, remember = true): Transition {
  const reviews = remember ? bounded(byDecisionTime([...state.reviews, r]), opts.historySize) : state.reviews;
  const base: NumberState = { ...state, reviews, lastReviewAt: Math.max(state.lastReviewAt, r.decidedAt) };
  if (r.decision === 'DISMISSED') {
    const next = protect(base, target, r);
    const active = next.active;
    if (active === null || active.flagId === target.flagId || coveredByDismissal(active, next.dismissal)) {
      return changed(standAgain({ ...next, status: 'DISMISSED', active: null, expiresAt: null, verifiedBy: null }, now, opts), 'dismissed');
    }
    // A newer flag on fresh evidence stands; the dismissal still protects from the old evidence,
    // which no longer keeps the label up (as when the dismissal came before it).
    return changed(withoutDismissedExtension(next, now, opts), 'kept');
  }
  if (target.severity === 'BLOCK_RECOMMENDED' && r.flagId !== null) {
    const expiresAt = opts.blockTtlMs > 0 ? r.decidedAt + opts.blockTtlMs : null;
    if (expiresAt !== null && expiresAt <= now) return changed(base, 'expired');
    return changed({ ...base, status: 'BLOCKED', active: target, expiresAt, verifiedBy: r, dismissal: null }, 'blocked');
  }
  const live = effectiveStatus(base, now);
  if (base.active?.flagId === target.flagId && (live === 'LABELED' || live === 'PENDING_VERIFICATION')) {
    return changed({ ...base, verifiedBy: r }, 'verified');
  }
  return changed(base, 'kept');
}

/**
 * True when `flag` was published no later than `decidedAt` (give or take the clock skew), so the decision may be
 * about it; false when it came later or when when is unknown (a state stored before emittedAt was kept).
 */
function emittedBy(flag: FlagSummary, decidedAt: number): boolean {
  return typeof flag.emittedAt === 'number' && flag.emittedAt <= decidedAt + DECISION_CLOCK_SKEW_MS;
}

/** Makes `flag` the active one if it is at least as strong as what stands; returns `state` itself when nothing changes. */
function adoptFlag(state: NumberState, flag: FlagSummary, now: number, opts: MachineOptions): NumberState {
  const labelUntil = Math.max(flag.windowEnd, flag.detectedAt) + opts.labelTtlMs;
  if (flag.severity === 'WATCH' || labelUntil <= now) return state;
  const status = state.status;
  if (status === 'BLOCKED') return state; // a verified block is never lowered by a flag
  const weaker = status === 'PENDING_VERIFICATION' && flag.severity !== 'BLOCK_RECOMMENDED';
  if (weaker) {
    // Keep the pending verification; a newer label only keeps the caller ID labelled longer.
    const expiresAt = Math.max(state.expiresAt ?? 0, labelUntil);
    return expiresAt === state.expiresAt ? state : { ...state, expiresAt };
  }
  const nextStatus: EnforcementStatus = flag.severity === 'BLOCK_RECOMMENDED' ? 'PENDING_VERIFICATION' : 'LABELED';
  // A flag whose evidence ends no later than the standing one's does not replace it; on the same end, a verified label stays.
  const stands = state.active !== null && (state.active.windowEnd > flag.windowEnd || (state.active.windowEnd === flag.windowEnd && state.verifiedBy !== null));
  const older = stands && status !== 'CLEAR' && status !== 'DISMISSED' && status === nextStatus;
  const active = older ? state.active : flag;
  const expiresAt = Math.max(status === 'CLEAR' || status === 'DISMISSED' ? 0 : (state.expiresAt ?? 0), labelUntil);
  if (older && expiresAt === state.expiresAt) return state;
  return { ...state, status: nextStatus, active, expiresAt, verifiedBy: active === state.active ? state.verifiedBy : null };
}

/**
 * After a dismissal lifted the active flag: the remembered flags on evidence
 * it does not cover — held back meanwhile by a pending verification or a
 * block — are adopted again in arrival order, as if they came now.
 */
function standAgain(state: NumberState, now: number, opts: MachineOptions, eligible: (f: FlagSummary) => boolean = () => true): NumberState {
  let next = state;
  for (const f of state.seen) if (eligible(f) && !coveredByDismissal(f, state.dismissal)) next = adoptFlag(next, f, now, opts);
  // A flag confirmed while it was held back stands verified (as when its confirmation came after the dismissal).
  const id = next.active?.flagId;
  const confirmed = id === undefined ? undefined : next.reviews.findLast((r) => r.flagId === id && r.decision === 'CONFIRMED');
  return confirmed && next.verifiedBy === null && next.status === 'LABELED' ? { ...next, verifiedBy: confirmed } : next;
}

/**
 * A label standing after a dismissal of another flag lasts only as long as
 * the evidence the dismissal does not cover: a dismissed flag that had
 * extended it (arriving while the label or a pending verification stood)
 * extends it no more. Never lengthens it; a block's expiry is the decision's.
 */
function withoutDismissedExtension(state: NumberState, now: number, opts: MachineOptions): NumberState {
  if ((state.status !== 'LABELED' && state.status !== 'PENDING_VERIFICATION') || state.expiresAt === null || state.active === null) return state;
  let until = 0;
  for (const f of [state.active, ...state.seen]) {
    if (f.severity === 'WATCH' || (f !== state.active && coveredByDismissal(f, state.dismissal))) continue;
    until = Math.max(until, Math.max(f.windowEnd, f.detectedAt) + opts.labelTtlMs);
  }
  return until > now && until < state.expiresAt ? { ...state, expiresAt: until } : state;
}

/** Records the protection of a dismissal (keeping the widest evidence dismissed so far). */
function protect(state: NumberState, target: FlagSummary | null, r: ReviewSummary): NumberState {
  const d: Dismissal = {
    flagId: target?.flagId ?? r.flagId,
    severity: target?.severity ?? null,
    windowStart: target?.windowStart ?? null,
    windowEnd: target?.windowEnd ?? null,
    reviewer: r.reviewer,
    decidedAt: r.decidedAt,
    note: r.note,
  };
  const old = state.dismissal;
  if (old && old.windowEnd !== null && (d.windowEnd === null || old.windowEnd > d.windowEnd)) {
    return { ...state, dismissal: { ...old, reviewer: d.reviewer, decidedAt: d.decidedAt, note: d.note } };
  }
  return { ...state, dismissal: d };
}

/**
 * Before anything else is applied: an aged-out label or block becomes CLEAR, and a dismissal whose protection has
 * run out (`protectTtlMs` after the decision, when the store lets its record expire too) is forgotten, so a flag
 * over the dismissed evidence is acted on again, as the detector, reading that record, flags it again.
 * The flags the expired block or pending verification held back — on evidence ending after the evidence it rested
 * on, still within their label TTL — are adopted again (as after a dismissal, {@link standAgain}): a flag that came
 * while a confirmed block stood is not lost when the block ends.
 */
export function settle(state: NumberState, now: number, opts: MachineOptions = DEFAULT_MACHINE_OPTIONS): NumberState {
  let next = state;
  if (next.dismissal && next.dismissal.decidedAt + opts.protectTtlMs <= now) {
    next = { ...next, dismissal: null, status: next.status === 'DISMISSED' ? 'CLEAR' : next.status };
  }
  const live = effectiveStatus(next, now);
  if (live === next.status) return next;
  const ended = next.active;
  const cleared: NumberState = { ...next, status: live, active: null, expiresAt: null, verifiedBy: null };
  if (ended === null) return cleared;
  return standAgain(cleared, now, opts, (f) => f.flagId !== ended.flagId && f.windowEnd > ended.windowEnd);
}

/**
 * A flag the number's state still knows: among the recently seen ones, or the
 * active one (which outlasts the bounded history: a verification or a block
 * rests on it while newer flags keep coming, and its review must still find it).
 */
function knownFlag(state: NumberState, flagId: string | null): FlagSummary | undefined {
  if (flagId === null) return undefined;
  return state.seen.find((f) => f.flagId === flagId) ?? (state.active?.flagId === flagId ? state.active : undefined);
}

/** Reviews oldest first, so that the bounded history forgets the oldest decisions (stable for equal times). */
function byDecisionTime(list: ReviewSummary[]): ReviewSummary[] {
  return list.sort((a, b) => a.decidedAt - b.decidedAt);
}

function bounded<T>(list: T[], size: number): T[] {
  return list.length > size ? list.slice(list.length - size) : list;
}

function same(state: NumberState, outcome: Outcome): Transition {
  return { state, outcome, changed: false };
}

function changed(state: NumberState, outcome: Outcome): Transition {
  return { state, outcome, changed: true };
}
