import { describe, expect, it } from 'vitest';
import type { FlagEvent, ReviewDecision } from '../../shared/contracts/records.ts';
import { applyAllowlisted, applyFlag, applyReview, coveredByDismissal, DECISION_CLOCK_SKEW_MS, DEFAULT_MACHINE_OPTIONS, effectiveStatus, emptyState, type NumberState } from './machine.ts';
import { viewOf } from './view.ts';
import type { FlagSummary } from './machine.ts';

/** A flag summary as states stored before emittedAt was kept hold it. */
function withoutEmittedAt({ emittedAt: _, ...f }: FlagSummary): FlagSummary {
  return f;
}

const H = 3_600_000;
const MIN = 60_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const NUMBER = '+8613800138000';

function flag(over: Partial<FlagEvent> = {}): FlagEvent {
  return {
    flagId: 'f-label',
    number: NUMBER,
    severity: 'LABEL',
    score: 70,
    reasons: [{ rule: 'LOW_ANSWER_FANOUT', window: '24h', value: 80, threshold: 40 }],
    windowStart: T0 - DAY,
    windowEnd: T0,
    detectedAt: T0,
    emittedAt: T0 + 1_000,
    numberClass: 'MOBILE',
    accessProvider: 'CMCC',
    evidence: { calls: 120 },
    ...over,
  };
}

const block = (over: Partial<FlagEvent> = {}) =>
  flag({ flagId: 'f-block', severity: 'BLOCK_RECOMMENDED', score: 92, reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 9, threshold: 3 }], ...over });

function review(over: Partial<ReviewDecision> = {}): ReviewDecision {
  return { number: NUMBER, flagId: 'f-block', decision: 'CONFIRMED', reviewer: 'inv-1', note: null, decidedAt: T0 + H, ...over };
}

/** Applies records in order at processing time `now`; returns the final state and the outcomes. */
function run(records: Array<FlagEvent | ReviewDecision>, now = T0 + 2 * H, start: NumberState = emptyState(NUMBER)) {
  let state = start;
  const outcomes: string[] = [];
  for (const r of records) {
    const t = 'severity' in r ? applyFlag(state, r, now) : applyReview(state, r, now);
    state = t.state;
    outcomes.push(t.outcome);
  }
  return { state, outcomes, view: viewOf(state, now) };
}

describe('flags', () => {
  it('LABEL labels the caller ID until the end of the evidence window plus the label TTL', () => {
    const { state, outcomes, view } = run([flag()]);
    expect(outcomes).toEqual(['labeled']);
    expect(state.status).toBe('LABELED');
    expect(state.expiresAt).toBe(T0 + DEFAULT_MACHINE_OPTIONS.labelTtlMs);
    expect(view).toMatchObject({ status: 'LABELED', label: 'SUSPECTED_NUISANCE', category: 'TELEMARKETING', blocked: false, flagId: 'f-label', severity: 'LABEL' });
    expect(view.reasons).toEqual(flag().reasons);
  });

  it('the label ages out: after expiry the number reads CLEAR', () => {
    const { state } = run([flag()]);
    expect(effectiveStatus(state, T0 + 7 * DAY - 1)).toBe('LABELED');
    expect(effectiveStatus(state, T0 + 7 * DAY)).toBe('CLEAR');
    expect(viewOf(state, T0 + 8 * DAY)).toMatchObject({ status: 'CLEAR', label: null, reasons: [] });
  });

  it('a flag whose evidence is older than the label TTL labels nobody', () => {
    const { state, outcomes } = run([flag({ windowEnd: T0 - 8 * DAY, detectedAt: T0 - 8 * DAY })]);
    expect(outcomes).toEqual(['expired']);
    expect(state.status).toBe('CLEAR');
  });

  it('WATCH changes nothing but is remembered for reviews', () => {
    const { state, outcomes } = run([flag({ flagId: 'w', severity: 'WATCH' })]);
    expect(outcomes).toEqual(['watch']);
    expect(state.status).toBe('CLEAR');
    expect(state.seen.map((f) => f.flagId)).toEqual(['w']);
  });

  it('BLOCK_RECOMMENDED is only pending verification (labelled, not blocked)', () => {
    const { view } = run([block()]);
    expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', label: 'SUSPECTED_NUISANCE', blocked: false, category: 'HARASSMENT' });
  });

  it('a redelivered flag (same flagId) is a no-op, even after a review', () => {
    const once = run([block(), review()]);
    const again = applyFlag(once.state, block(), T0 + 3 * H);
    expect(again.outcome).toBe('duplicate');
    expect(again.changed).toBe(false);
    expect(again.state).toBe(once.state);
    expect(viewOf(again.state, T0 + 3 * H).status).toBe('BLOCKED');
  });

  it('a newer LABEL while pending keeps the pending verification and extends the label', () => {
    const { state, outcomes } = run([block(), flag({ flagId: 'f-later', windowEnd: T0 + H, detectedAt: T0 + H })]);
    expect(outcomes).toEqual(['pending', 'kept']);
    expect(state.status).toBe('PENDING_VERIFICATION');
    expect(state.active?.flagId).toBe('f-block');
    expect(state.expiresAt).toBe(T0 + H + DEFAULT_MACHINE_OPTIONS.labelTtlMs);
  });

  it('LABEL then BLOCK_RECOMMENDED escalates to pending on the stronger flag', () => {
    const { state, outcomes } = run([flag(), block({ windowEnd: T0 + H, detectedAt: T0 + H })]);
    expect(outcomes).toEqual(['labeled', 'pending']);
    expect(state.active?.flagId).toBe('f-block');
  });

  it('a late, older LABEL flag does not replace a newer one', () => {
    const { state } = run([flag({ flagId: 'new', windowEnd: T0 + H }), flag({ flagId: 'old', windowEnd: T0 - H })]);
    expect(state.active?.flagId).toBe('new');
    expect(state.expiresAt).toBe(T0 + H + DEFAULT_MACHINE_OPTIONS.labelTtlMs);
  });

  it('history stays bounded', () => {
    const flags = Array.from({ length: 30 }, (_, i) => flag({ flagId: `f${i}`, windowEnd: T0 + i }));
    const { state } = run(flags);
    expect(state.seen).toHaveLength(DEFAULT_MACHINE_OPTIONS.historySize);
    expect(state.seen.at(-1)?.flagId).toBe('f29');
  });
});

describe('reviews', () => {
  it('CONFIRMED of a BLOCK_RECOMMENDED flag blocks, for the block TTL from the decision', () => {
    const { view, outcomes } = run([block(), review()]);
    expect(outcomes).toEqual(['pending', 'blocked']);
    expect(view).toMatchObject({ status: 'BLOCKED', blocked: true, label: 'VERIFIED_NUISANCE', verifiedBy: 'inv-1', expiresAt: T0 + H + 30 * DAY });
  });

  it('a block without TTL (blockTtlMs 0) never ages out', () => {
    const opts = { ...DEFAULT_MACHINE_OPTIONS, blockTtlMs: 0 };
    const s1 = applyFlag(emptyState(NUMBER), block(), T0 + H, opts).state;
    const s2 = applyReview(s1, review(), T0 + H, opts).state;
    expect(s2.expiresAt).toBeNull();
    expect(effectiveStatus(s2, T0 + 1000 * DAY)).toBe('BLOCKED');
  });

  it('CONFIRMED of a LABEL flag verifies the label but does not block', () => {
    const { view, outcomes } = run([flag(), review({ flagId: 'f-label' })]);
    expect(outcomes).toEqual(['labeled', 'verified']);
    expect(view).toMatchObject({ status: 'LABELED', label: 'VERIFIED_NUISANCE', blocked: false, verifiedBy: 'inv-1' });
  });

  it('a review with a null flagId applies to the active flag, published before the decision', () => {
    expect(run([flag(), review({ flagId: null })]).view).toMatchObject({ status: 'LABELED', label: 'VERIFIED_NUISANCE', verifiedBy: 'inv-1' });
    expect(run([flag(), review({ flagId: null, decision: 'DISMISSED' })]).view.status).toBe('DISMISSED');
    expect(run([review({ flagId: null })]).outcomes).toEqual(['no-target']);
  });

  it('a CONFIRMED with a null flagId never blocks: it only verifies the label, the BLOCK_RECOMMENDED flag stays pending', () => {
    const { outcomes, view } = run([block(), review({ flagId: null })]);
    expect(outcomes).toEqual(['pending', 'verified']);
    expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', blocked: false, label: 'VERIFIED_NUISANCE', flagId: 'f-block' });
    // Its confirmation naming the flag blocks.
    expect(run([block(), review({ flagId: null }), review({ decidedAt: T0 + H + 1 })]).view.status).toBe('BLOCKED');
  });

  it('a CONFIRMED with a null flagId never acts on a flag published after the decision (nobody reviewed it)', () => {
    // The investigator confirmed the label A at T0+1h; B, stronger, was detected and published at T0+3h and is active now.
    const { outcomes, view } = run([flag({ flagId: 'A' }), block({ flagId: 'B', windowEnd: T0 + 3 * H, detectedAt: T0 + 3 * H, emittedAt: T0 + 3 * H + 1_000 }), review({ flagId: null, decidedAt: T0 + H })], T0 + 4 * H);
    expect(outcomes).toEqual(['labeled', 'pending', 'stale']);
    expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', blocked: false, label: 'SUSPECTED_NUISANCE', verifiedBy: null });
  });

  describe('a null flagId review and a lagging detector: a flag detected before the decision but published after it', () => {
    // The LABEL flag was on the console; the BLOCK_RECOMMENDED one, detected (event time) at T0+50min, was only
    // published at T0+70min, after the decision at T0+1h, and arrives before the review (reviews travel slower).
    const lagged = block({ flagId: 'f-block-late', windowStart: T0, windowEnd: T0 + 50 * MIN, detectedAt: T0 + 50 * MIN, emittedAt: T0 + 70 * MIN });

    it('a CONFIRMED is stale: nothing verified, nothing blocked', () => {
      const { outcomes, view } = run([flag(), lagged, review({ flagId: null, decidedAt: T0 + H })], T0 + 72 * MIN);
      expect(outcomes).toEqual(['labeled', 'pending', 'stale']);
      expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', blocked: false, label: 'SUSPECTED_NUISANCE', flagId: 'f-block-late', verifiedBy: null });
    });

    it('a DISMISSED is stale: the unseen flag is not dismissed and gives no protection from later flags', () => {
      const again = block({ flagId: 'f-block-again', windowStart: T0 + 10 * MIN, windowEnd: T0 + 50 * MIN, detectedAt: T0 + 80 * MIN, emittedAt: T0 + 80 * MIN });
      const { outcomes, view, state } = run([flag(), lagged, review({ flagId: null, decision: 'DISMISSED', decidedAt: T0 + H }), again], T0 + 81 * MIN);
      expect(outcomes).toEqual(['labeled', 'pending', 'stale', 'pending']);
      expect(state.dismissal).toBeNull();
      expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'f-block-again', blocked: false });
    });

    it('within the clock skew of the decision the flag counts as published before it', () => {
      const near = block({ flagId: 'f-block-near', windowStart: T0, windowEnd: T0 + 50 * MIN, detectedAt: T0 + 50 * MIN, emittedAt: T0 + H + DECISION_CLOCK_SKEW_MS });
      expect(run([flag(), near, review({ flagId: null, decidedAt: T0 + H })], T0 + 72 * MIN).outcomes).toEqual(['labeled', 'pending', 'verified']);
    });

    it('a flag kept by an older state, without emittedAt, is not provably seen: a null flagId review of it is stale', () => {
      const { state } = run([flag()], T0 + MIN);
      const old: NumberState = { ...state, active: state.active && withoutEmittedAt(state.active), seen: state.seen.map(withoutEmittedAt) };
      expect(run([review({ flagId: null, decidedAt: T0 + H })], T0 + 72 * MIN, old).outcomes).toEqual(['stale']);
      expect(run([review({ flagId: 'f-label', decidedAt: T0 + H })], T0 + 72 * MIN, old).outcomes).toEqual(['verified']);
    });
  });

  describe('the flag a verification or block rests on, after more flags than the history holds', () => {
    const size = DEFAULT_MACHINE_OPTIONS.historySize;
    const labels = Array.from({ length: size }, (_, i) => flag({ flagId: `later-label-${i}`, windowStart: T0 - DAY + i, windowEnd: T0 - H + i }));
    const watches = Array.from({ length: size }, (_, i) => flag({ flagId: `later-watch-${i}`, severity: 'WATCH', windowEnd: T0 + i }));
    const pending = block({ windowEnd: T0 }); // f-block, detected at T0

    it('its dismissal is applied, not deferred', () => {
      const { outcomes, view } = run([pending, ...labels, review({ decision: 'DISMISSED', decidedAt: T0 + H })]);
      expect(outcomes.at(-1)).toBe('dismissed');
      expect(view.status).toBe('DISMISSED');
    });

    it('its confirmation blocks', () => {
      const { outcomes, view } = run([pending, ...labels, review({ decidedAt: T0 + H })]);
      expect(outcomes.at(-1)).toBe('blocked');
      expect(view.blocked).toBe(true);
    });

    it('a dismissal lifts the block it rests on', () => {
      const { outcomes, view } = run([pending, review({ decidedAt: T0 + H }), ...watches, review({ decision: 'DISMISSED', decidedAt: T0 + 2 * H })], T0 + 3 * H);
      expect(outcomes.at(-1)).toBe('dismissed');
      expect(view.blocked).toBe(false);
    });

    it('it is still recognised when redelivered', () => {
      const { outcomes } = run([pending, ...labels, pending]);
      expect(outcomes.at(-1)).toBe('duplicate');
    });
  });

  it('a weaker flag never lowers a verified block', () => {
    const { view, outcomes } = run([block(), review(), flag({ flagId: 'f-new', windowEnd: T0 + 2 * H })]);
    expect(outcomes).toEqual(['pending', 'blocked', 'kept']);
    expect(view.status).toBe('BLOCKED');
  });

  it('DISMISSED removes the label and protects from the same evidence', () => {
    const { state, view, outcomes } = run([block(), review({ decision: 'DISMISSED', note: 'courier' })]);
    expect(outcomes).toEqual(['pending', 'dismissed']);
    expect(view).toMatchObject({ status: 'DISMISSED', label: null, blocked: false, flagId: 'f-block' });
    expect(state.dismissal).toMatchObject({ flagId: 'f-block', windowEnd: T0, severity: 'BLOCK_RECOMMENDED', note: 'courier' });
    // A re-flag over the same window (a different id, e.g. lower severity) is ignored.
    const again = applyFlag(state, flag({ flagId: 'f-relabel' }), T0 + 3 * H);
    expect(again.outcome).toBe('protected');
    expect(viewOf(again.state, T0 + 3 * H).status).toBe('DISMISSED');
  });

  it('a dismissal protects for protectTtlMs from the decision, as long as the store keeps its record, and no longer', () => {
    const opts = { ...DEFAULT_MACHINE_OPTIONS, protectTtlMs: DAY };
    const dismissed = run([block(), review({ decision: 'DISMISSED' })]).state; // decided at T0 + 1 h
    const within = applyFlag(dismissed, flag({ flagId: 'f-within' }), T0 + H + DAY - 1, opts);
    expect(within.outcome).toBe('protected');
    // Past it, the same evidence flagged again (the detector, whose record of the dismissal expired too) labels.
    const after = applyFlag(dismissed, flag({ flagId: 'f-after' }), T0 + H + DAY, opts);
    expect(after.outcome).toBe('labeled');
    expect(after.state.dismissal).toBeNull();
    expect(viewOf(after.state, T0 + H + DAY)).toMatchObject({ status: 'LABELED', flagId: 'f-after' });
    // Before, the state (kept past the protection by later changes) protected for as long as it lived.
    const dflt = applyFlag(dismissed, flag({ flagId: 'f-default' }), T0 + H + DAY);
    expect(dflt.outcome).toBe('protected');
  });

  it('after a dismissal, an overlapping window no stronger is covered; fresh or stronger evidence is not', () => {
    const d = { flagId: 'x', severity: 'LABEL' as const, windowStart: T0 - DAY, windowEnd: T0, reviewer: 'r', decidedAt: T0, note: null };
    const f = (over: object) => ({ flagId: 'y', severity: 'LABEL' as const, windowStart: T0 - DAY + H, windowEnd: T0 + H, ...over });
    expect(coveredByDismissal(f({ flagId: 'x' }), d)).toBe(true);
    expect(coveredByDismissal(f({ windowEnd: T0 }), d)).toBe(true); // nothing after the reviewed evidence
    expect(coveredByDismissal(f({}), d)).toBe(true); // overlap, same severity
    expect(coveredByDismissal(f({ severity: 'BLOCK_RECOMMENDED' }), d)).toBe(false); // got stronger
    expect(coveredByDismissal(f({ windowStart: T0 + 1 }), d)).toBe(false); // entirely new evidence
    expect(coveredByDismissal(f({}), null)).toBe(false);
  });

  it('a dismissed number is labelled again on entirely new evidence', () => {
    const { outcomes, view } = run([
      flag(),
      review({ flagId: 'f-label', decision: 'DISMISSED' }),
      flag({ flagId: 'f-fresh', windowStart: T0 + 1, windowEnd: T0 + DAY, detectedAt: T0 + DAY }),
    ]);
    expect(outcomes).toEqual(['labeled', 'dismissed', 'labeled']);
    expect(view).toMatchObject({ status: 'LABELED', flagId: 'f-fresh' });
  });

  it('dismissing an old flag leaves a newer flag on fresh evidence standing', () => {
    const { state, outcomes } = run([
      flag({ flagId: 'old', windowStart: T0 - 2 * DAY, windowEnd: T0 - DAY }),
      block({ windowStart: T0 - DAY + 1, windowEnd: T0 }),
      review({ flagId: 'old', decision: 'DISMISSED' }),
    ]);
    expect(outcomes).toEqual(['labeled', 'pending', 'kept']);
    expect(state.status).toBe('PENDING_VERIFICATION');
    expect(state.dismissal?.flagId).toBe('old');
  });

  it('dismissing the flag a verification waits on leaves a newer flag on fresh evidence standing', () => {
    // The detector flagged fresh evidence while the number was pending verification (held back as "kept").
    const fresh = flag({ flagId: 'f-fresh', windowStart: T0 + 1, windowEnd: T0 + DAY, detectedAt: T0 + DAY });
    const dismiss = review({ decision: 'DISMISSED', decidedAt: T0 + DAY + H });
    const now = T0 + DAY + 2 * H;
    const inOrder = run([block(), fresh, dismiss], now);
    expect(inOrder.outcomes).toEqual(['pending', 'kept', 'dismissed']);
    expect(inOrder.view).toMatchObject({ status: 'LABELED', flagId: 'f-fresh', label: 'SUSPECTED_NUISANCE', blocked: false });
    expect(inOrder.state.dismissal?.flagId).toBe('f-block');
    // The same as when the decision overtakes the flags (a consumer catching up reads the small reviews topic first).
    expect(run([dismiss, block(), fresh], now).view).toEqual(inOrder.view);
  });

  it('lifting a block leaves a flag on fresh evidence that came while it was blocked standing', () => {
    const fresh = flag({ flagId: 'f-fresh', windowStart: T0 + 1, windowEnd: T0 + DAY, detectedAt: T0 + DAY });
    const { view, outcomes } = run([block(), review(), fresh, review({ decision: 'DISMISSED', decidedAt: T0 + DAY + H })], T0 + DAY + 2 * H);
    expect(outcomes).toEqual(['pending', 'blocked', 'kept', 'dismissed']);
    expect(view).toMatchObject({ status: 'LABELED', flagId: 'f-fresh', blocked: false });
  });

  it('CONFIRMED of a LABEL flag a dismissal had held back labels the number, verified, as when the decision comes first', () => {
    // Re-flagged over overlapping evidence after a dismissal (protected); an investigator looks again and confirms.
    const again = flag({ flagId: 'f-again', windowStart: T0 - DAY + H, windowEnd: T0 + 2 * H, detectedAt: T0 + 2 * H });
    const confirm = review({ flagId: 'f-again', decidedAt: T0 + 3 * H });
    const dismiss = review({ flagId: 'f-label', decision: 'DISMISSED', decidedAt: T0 + H });
    const now = T0 + 4 * H;
    const inOrder = run([flag(), dismiss, again, confirm], now);
    expect(inOrder.outcomes).toEqual(['labeled', 'dismissed', 'protected', 'verified']);
    expect(inOrder.view).toMatchObject({ status: 'LABELED', flagId: 'f-again', label: 'VERIFIED_NUISANCE', verifiedBy: 'inv-1' });
    expect(run([dismiss, confirm, flag(), again], now).view).toEqual(inOrder.view);
  });

  it('DISMISSED lifts a block', () => {
    expect(run([block(), review()], T0 + 3 * H).view).toMatchObject({ status: 'BLOCKED', blocked: true });
    const { view } = run([block(), review(), review({ decision: 'DISMISSED', decidedAt: T0 + 2 * H })], T0 + 3 * H);
    expect(view).toMatchObject({ status: 'DISMISSED', blocked: false });
  });

  it('a redelivered review is a no-op; an older decision arriving late is superseded by the newer one (stale)', () => {
    const first = run([block(), review(), review({ decision: 'DISMISSED', decidedAt: T0 + 2 * H })], T0 + 3 * H);
    const dup = applyReview(first.state, review({ decision: 'DISMISSED', decidedAt: T0 + 2 * H }), T0 + 3 * H);
    expect(dup).toMatchObject({ outcome: 'duplicate', changed: false });
    // Another investigator's CONFIRMED of an hour earlier, arriving after the dismissal, must not re-block.
    const late = applyReview(first.state, review({ reviewer: 'inv-2' }), T0 + 3 * H);
    expect(late.outcome).toBe('stale');
    expect(viewOf(late.state, T0 + 3 * H).status).toBe('DISMISSED');
    // It is remembered: delivered again, it is a duplicate.
    expect(applyReview(late.state, review({ reviewer: 'inv-2' }), T0 + 3 * H)).toMatchObject({ outcome: 'duplicate', changed: false });
  });

  it('an older decision on another flag, overtaken by a newer one, is still applied (two consoles)', () => {
    // f-old, a block recommendation pending verification, held back f-new, a label on fresh evidence. Investigator
    // A dismisses f-old at 01:00; investigator B confirms f-new at 01:05; B's decision is read first.
    const old = block({ flagId: 'f-old', windowStart: T0 - 4 * H, windowEnd: T0 - 2 * H });
    const fresh = flag({ flagId: 'f-new', windowStart: T0 - H, windowEnd: T0 });
    const dismissOld = review({ flagId: 'f-old', decision: 'DISMISSED', reviewer: 'inv-a', decidedAt: T0 + H });
    const confirmNew = review({ flagId: 'f-new', reviewer: 'inv-b', decidedAt: T0 + H + 5 * 60_000 });
    const inOrder = run([old, fresh, dismissOld, confirmNew], T0 + 2 * H);
    expect(inOrder.view).toMatchObject({ status: 'LABELED', label: 'VERIFIED_NUISANCE', blocked: false });
    const overtaken = run([old, fresh, confirmNew, dismissOld], T0 + 2 * H);
    // Before, the dismissal was dropped as older than B's decision, and f-old stayed pending verification.
    expect(overtaken.view).toEqual(inOrder.view);
    expect(overtaken.outcomes.at(-1)).toBe('dismissed');
    expect(overtaken.state.dismissal).toMatchObject({ flagId: 'f-old', reviewer: 'inv-a' });
  });

  it('a late decision older than every remembered one is stale (it may be a forgotten redelivery)', () => {
    let state = run([block()], T0 + H).state;
    for (let i = 0; i < DEFAULT_MACHINE_OPTIONS.historySize; i++) {
      state = applyReview(state, review({ reviewer: `inv-${i}`, decidedAt: T0 + 2 * H + i * 60_000 }), T0 + 3 * H).state;
    }
    const forgotten = applyReview(state, review({ decision: 'DISMISSED', decidedAt: T0 + H }), T0 + 3 * H);
    expect(forgotten).toMatchObject({ outcome: 'stale', changed: false });
  });

  it('a review that arrives before its flag is applied when the flag comes (confirm → blocked)', () => {
    const { outcomes, view, state } = run([review(), block()]);
    expect(outcomes).toEqual(['deferred', 'blocked']);
    expect(view.status).toBe('BLOCKED');
    expect(state.early).toEqual([]);
  });

  it('a dismissal that arrives before its flag protects from it', () => {
    const { outcomes, view, state } = run([review({ decision: 'DISMISSED' }), block()]);
    expect(outcomes).toEqual(['deferred', 'dismissed']);
    expect(view.status).toBe('DISMISSED');
    expect(state.dismissal).toMatchObject({ flagId: 'f-block', windowEnd: T0 });
    // And the redelivered early review is still a duplicate.
    expect(applyReview(state, review({ decision: 'DISMISSED' }), T0 + 3 * H).outcome).toBe('duplicate');
  });

  it('a confirmed block ages out after the block TTL', () => {
    const { state } = run([block(), review()]);
    expect(effectiveStatus(state, T0 + H + 30 * DAY - 1)).toBe('BLOCKED');
    expect(viewOf(state, T0 + H + 30 * DAY).status).toBe('CLEAR');
  });

  it('a flag after an aged-out block starts from CLEAR', () => {
    const { state } = run([block(), review()]);
    const later = T0 + 40 * DAY;
    const t = applyFlag(state, flag({ flagId: 'again', windowStart: later - DAY, windowEnd: later, detectedAt: later }), later);
    expect(t.outcome).toBe('labeled');
    expect(t.state.status).toBe('LABELED');
  });
});

describe('a flag held back by a confirmed block, when the block expires', () => {
  // Block TTL 30 days, label TTL 7 days. b1 confirmed at T0+2h; b2, on fresh evidence, comes on day 29 while the
  // block stands: its label would last until day 36.
  const b1 = block({ flagId: 'b1' });
  const b2 = block({ flagId: 'b2', windowStart: T0 + 28 * DAY, windowEnd: T0 + 29 * DAY, detectedAt: T0 + 29 * DAY, emittedAt: T0 + 29 * DAY });
  const blocked = () => {
    const s1 = applyFlag(emptyState(NUMBER), b1, T0 + H).state;
    const s2 = applyReview(s1, review({ flagId: 'b1', decidedAt: T0 + 2 * H }), T0 + 2 * H).state;
    const t = applyFlag(s2, b2, T0 + 29 * DAY);
    expect(t.outcome).toBe('kept');
    expect(viewOf(t.state, T0 + 29 * DAY)).toMatchObject({ status: 'BLOCKED', flagId: 'b1' });
    return t.state;
  };

  it('stands again (pending verification) at the next record: a redelivery of it is written, not a no-op', () => {
    const t = applyFlag(blocked(), b2, T0 + 31 * DAY);
    expect(t).toMatchObject({ outcome: 'duplicate', changed: true });
    expect(viewOf(t.state, T0 + 31 * DAY)).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'b2', blocked: false, label: 'SUSPECTED_NUISANCE', expiresAt: T0 + 36 * DAY });
    // Its confirmation blocks again.
    const c = applyReview(t.state, review({ flagId: 'b2', decidedAt: T0 + 31 * DAY }), T0 + 31 * DAY);
    expect(c.outcome).toBe('blocked');
  });

  it('stands again whatever record comes next (a WATCH flag)', () => {
    const t = applyFlag(blocked(), flag({ flagId: 'w', severity: 'WATCH', windowStart: T0 + 30 * DAY, windowEnd: T0 + 31 * DAY, detectedAt: T0 + 31 * DAY }), T0 + 31 * DAY);
    expect(viewOf(t.state, T0 + 31 * DAY)).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'b2' });
  });

  it('a held flag past its label TTL, the flag the block rested on and flags over its evidence do not stand again', () => {
    const opts = { ...DEFAULT_MACHINE_OPTIONS, blockTtlMs: DAY };
    let s = applyFlag(emptyState(NUMBER), b1, T0 + H, opts).state;
    s = applyReview(s, review({ flagId: 'b1', decidedAt: T0 + 2 * H }), T0 + 2 * H, opts).state;
    s = applyFlag(s, flag({ flagId: 'old-evidence', windowStart: T0 - DAY, windowEnd: T0 - H, detectedAt: T0 + 3 * H }), T0 + 3 * H, opts).state;
    expect(s.status).toBe('BLOCKED');
    const t = applyFlag(s, b1, T0 + 2 * DAY, opts); // b1's label would last until day 7
    expect(t).toMatchObject({ outcome: 'duplicate', changed: false });
    expect(viewOf(t.state, T0 + 2 * DAY).status).toBe('CLEAR');
    // b2 held back, but read on day 37 (past its label TTL): nothing stands.
    const late = applyFlag(blocked(), b2, T0 + 37 * DAY);
    expect(late.changed).toBe(false);
    expect(viewOf(late.state, T0 + 37 * DAY).status).toBe('CLEAR');
  });
});

describe('applyAllowlisted (the number is on the operator allowlist)', () => {
  const now = T0 + 2 * H;

  it('removes a label, a pending verification and a block: CLEAR, nothing active, no view; the history stays', () => {
    for (const records of [[flag()], [block()], [block(), review()]]) {
      const before = run(records, now).state;
      expect(['LABELED', 'PENDING_VERIFICATION', 'BLOCKED']).toContain(before.status);
      const t = applyAllowlisted(before, now);
      expect(t).toMatchObject({ outcome: 'allowlisted', changed: true });
      expect(t.state).toMatchObject({ status: 'CLEAR', active: null, expiresAt: null, verifiedBy: null, updatedAt: now });
      expect(viewOf(t.state, now)).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
      expect(t.state.seen).toEqual(before.seen);
      expect(t.state.reviews).toEqual(before.reviews);
    }
  });

  it('redeliveries stay recognised afterwards: the same flag and the same review are duplicates and relabel nothing', () => {
    const cleared = applyAllowlisted(run([block(), review()], now).state, now).state;
    expect(applyFlag(cleared, block(), now + 1)).toMatchObject({ outcome: 'duplicate', changed: false });
    expect(applyReview(cleared, review(), now + 1)).toMatchObject({ outcome: 'duplicate', changed: false });
    expect(viewOf(cleared, now + 1).status).toBe('CLEAR');
  });

  it('changes nothing for a number with nothing live: never flagged, a WATCH, an expired label, a dismissal (kept)', () => {
    const dismissed = run([block(), review({ decision: 'DISMISSED' })], now).state;
    const cases: Array<[NumberState, number]> = [
      [emptyState(NUMBER), now],
      [run([flag({ severity: 'WATCH' })], now).state, now],
      [run([flag()], now).state, T0 + 8 * DAY],
      [dismissed, now],
    ];
    for (const [state, at] of cases) {
      const t = applyAllowlisted(state, at);
      expect(t).toMatchObject({ outcome: 'allowlisted', changed: false });
      expect(t.state).toBe(state);
    }
    expect(dismissed.dismissal).toMatchObject({ flagId: 'f-block' });
  });
});
