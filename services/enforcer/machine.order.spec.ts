/**
 * The state machine against delivery order: the same flags and decisions for
 * one number, applied in many orders (seeded, deterministic), must end in
 * the same call-setup outcome when each topic keeps its own order, and must
 * never break the safety rules in any order at all.
 */
import { describe, expect, it } from 'vitest';
import { SEVERITY_RANK, type FlagEvent, type ReviewDecision, type Severity } from '../../shared/contracts/records.ts';
import { Rng } from '../simulator/prng.ts';
import { applyFlag, applyReview, coveredByDismissal, DECISION_CLOCK_SKEW_MS, emptyState, type NumberState } from './machine.ts';
import { viewOf } from './view.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const NOW = T0 + 20 * H;
const NUMBER = '+8613800138000';
type Rec = FlagEvent | ReviewDecision;
const isFlag = (r: Rec): r is FlagEvent => 'severity' in r;
const at = (r: Rec) => (isFlag(r) ? r.detectedAt : r.decidedAt);

function flag(i: number, severity: Severity, windowStart: number, windowEnd: number, detectedAt = windowEnd): FlagEvent {
  return {
    flagId: `f${i}`,
    number: NUMBER,
    severity,
    score: 60 + 10 * SEVERITY_RANK[severity],
    reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 9, threshold: 3 }],
    windowStart,
    windowEnd,
    detectedAt,
    emittedAt: detectedAt,
    numberClass: 'MOBILE',
    accessProvider: 'CMCC',
    evidence: { calls: 10 },
  };
}

function review(i: number, flagId: string | null, decision: ReviewDecision['decision'], decidedAt: number): ReviewDecision {
  return { number: NUMBER, flagId, decision, reviewer: `inv-${i}`, note: null, decidedAt };
}

/** A small random history: overlapping windows on an hour grid, decisions after every detection. */
function history(rng: Rng, nulls: boolean): { flags: FlagEvent[]; reviews: ReviewDecision[] } {
  const severities: Severity[] = ['WATCH', 'LABEL', 'LABEL', 'BLOCK_RECOMMENDED', 'BLOCK_RECOMMENDED'];
  const flags = Array.from({ length: rng.int(1, 4) }, (_, i) => {
    const start = T0 + rng.int(0, 6) * H;
    const end = start + rng.int(1, 6) * H;
    return flag(i, severities[rng.int(0, 4)], start, end, end + rng.int(0, 2) * H);
  }).sort((a, b) => a.detectedAt - b.detectedAt);
  const reviews: ReviewDecision[] = [];
  let t = T0 + 14 * H;
  for (let i = rng.int(0, 3); i > 0; i--) {
    t += rng.int(1, 3) * (H / 4);
    const target = nulls && rng.chance(0.15) ? null : flags[rng.int(0, flags.length - 1)].flagId;
    reviews.push(review(reviews.length, target, rng.chance(0.5) ? 'CONFIRMED' : 'DISMISSED', t));
  }
  return { flags, reviews };
}

function run(records: Rec[], now = NOW): NumberState {
  let state = emptyState(NUMBER);
  for (const r of records) state = (isFlag(r) ? applyFlag(state, r, now) : applyReview(state, r, now)).state;
  return state;
}

/** What call setup acts on. */
function outcome(state: NumberState) {
  const v = viewOf(state, NOW);
  return { status: v.status, label: v.label, blocked: v.blocked, severity: v.severity, windowEnd: v.windowEnd, expiresAt: v.expiresAt };
}

const describeOrder = (records: Rec[]) =>
  records.map((r) => (isFlag(r) ? `${r.flagId}:${r.severity}[${(r.windowStart - T0) / H},${(r.windowEnd - T0) / H}]` : `${r.decision}(${r.flagId})@${(r.decidedAt - T0) / H}`)).join(' ');

/** Every merge of the two topics' sequences, each in its own order. */
function interleavings(a: Rec[], b: Rec[]): Rec[][] {
  if (a.length === 0) return [b];
  if (b.length === 0) return [a];
  return [...interleavings(a.slice(1), b).map((x) => [a[0], ...x]), ...interleavings(a, b.slice(1)).map((x) => [b[0], ...x])];
}

function shuffled<T>(rng: Rng, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** At-least-once delivery: a record already handled comes again later in its topic. */
function redelivered(rng: Rng, order: Rec[]): Rec[] {
  const out = [...order];
  const i = rng.int(0, out.length - 1);
  out.splice(rng.int(i + 1, out.length), 0, out[i]);
  return out;
}

/** The safety rules, whatever the order. Returns what is broken, or null. */
function broken(state: NumberState, records: Rec[]): string | null {
  const flags = new Map(records.filter(isFlag).map((f) => [f.flagId, f]));
  const reviews = records.filter((r): r is ReviewDecision => !isFlag(r));
  if (state.status === 'BLOCKED') {
    const a = state.active;
    if (a?.severity !== 'BLOCK_RECOMMENDED') return `blocked on ${a?.severity ?? 'nothing'}`;
    const by = state.verifiedBy;
    if (!by || by.decision !== 'CONFIRMED' || !reviews.some((r) => r.decision === 'CONFIRMED' && r.decidedAt === by.decidedAt && (r.flagId === a.flagId || (r.flagId === null && a.detectedAt <= r.decidedAt + DECISION_CLOCK_SKEW_MS)))) {
      return `blocked on ${a.flagId} without a CONFIRMED decision of it`;
    }
  }
  const a = state.active;
  // With several dismissals only the widest window is kept (docs/enforcer.md), so this is checked for one.
  if (a && state.status !== 'DISMISSED' && state.status !== 'CLEAR' && reviews.filter((r) => r.decision === 'DISMISSED').length === 1) {
    for (const d of reviews) {
      const target = d.decision === 'DISMISSED' && d.flagId !== null ? flags.get(d.flagId) : undefined;
      if (!target) continue;
      const covered = coveredByDismissal(a, { ...target, reviewer: d.reviewer, decidedAt: d.decidedAt, note: null });
      const confirmedAfter = reviews.some((c) => c.decision === 'CONFIRMED' && c.flagId === a.flagId && c.decidedAt > d.decidedAt);
      if (covered && !confirmedAfter) return `${a.flagId} acted on though ${d.flagId}'s dismissal covers it and nothing confirmed it since`;
    }
  }
  return null;
}

describe('delivery order', () => {
  it('each topic in order, merged in every way and with redeliveries: the same call-setup outcome as in decision order', () => {
    let orders = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const rng = new Rng(`enforcer-order-${seed}`);
      const { flags, reviews } = history(rng, false);
      const reference = [...flags, ...reviews].sort((x, y) => at(x) - at(y));
      const expected = outcome(run(reference));
      for (const order of interleavings(flags, reviews)) {
        for (const records of [order, redelivered(rng, order)]) {
          orders++;
          expect(outcome(run(records)), `seed ${seed}: ${describeOrder(records)}`).toEqual(expected);
        }
      }
    }
    expect(orders).toBeGreaterThan(10_000);
  });

  it('decisions from several consoles out of decision order too (each reviews order, merged in every way): the same call-setup outcome as in decision order', () => {
    let orders = 0;
    let reordered = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const rng = new Rng(`enforcer-review-order-${seed}`);
      const { flags, reviews } = history(rng, false);
      const reference = [...flags, ...reviews].sort((x, y) => at(x) - at(y));
      const expected = outcome(run(reference));
      const reviewOrders = [shuffled(rng, reviews), shuffled(rng, reviews)];
      for (const reviewOrder of reviewOrders) {
        if (reviewOrder.some((r, i) => i > 0 && r.decidedAt < reviewOrder[i - 1].decidedAt)) reordered++;
        for (const order of interleavings(flags, reviewOrder)) {
          orders++;
          expect(outcome(run(order)), `seed ${seed}: ${describeOrder(order)}`).toEqual(expected);
        }
      }
    }
    expect(orders).toBeGreaterThan(10_000);
    expect(reordered).toBeGreaterThan(500);
  });

  it('flags in any order, merged anyhow with the decisions (null flag ids too, records duplicated): never blocked without a CONFIRMED of a BLOCK_RECOMMENDED flag, dismissed evidence never acted on again unconfirmed', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const rng = new Rng(`enforcer-any-order-${seed}`);
      const { flags, reviews } = history(rng, true);
      const records = [...flags, ...reviews];
      for (let k = 0; k < 12; k++) {
        // Flags in any order, decisions too (several consoles), merged anyhow.
        const merged: Rec[] = shuffled(rng, flags);
        let from = 0;
        for (const r of shuffled(rng, reviews)) {
          from = rng.int(from, merged.length);
          merged.splice(from++, 0, r);
        }
        const order = rng.chance(0.5) ? redelivered(rng, merged) : merged;
        // Processing time moves on as records are handled, as it does live.
        let state = emptyState(NUMBER);
        order.forEach((r, i) => {
          const now = NOW + i * 60_000;
          state = (isFlag(r) ? applyFlag(state, r, now) : applyReview(state, r, now)).state;
        });
        expect(broken(state, records), `seed ${seed}: ${describeOrder(order)} → ${state.status} ${state.active?.flagId}`).toBeNull();
      }
    }
  });
});

describe('order cases found by the property above', () => {
  const fresh = flag(1, 'BLOCK_RECOMMENDED', T0 + 6 * H, T0 + 10 * H);
  it('a dismissal that waited for its flag does not overturn a newer decision already applied', () => {
    // Decision order: the dismissal of f1 (covering f0's evidence) at 14:15, then f0 confirmed at 14:30 → f0 blocked.
    const old = flag(0, 'BLOCK_RECOMMENDED', T0 + H, T0 + 2 * H);
    const dismiss = review(0, 'f1', 'DISMISSED', T0 + 14 * H + H / 4);
    const confirm = review(1, 'f0', 'CONFIRMED', T0 + 14 * H + H / 2);
    expect(outcome(run([old, fresh, dismiss, confirm])).status).toBe('BLOCKED');
    // The dismissal overtakes f1 (two topics): it must not lift the block confirmed after it when f1 comes.
    expect(outcome(run([old, dismiss, confirm, fresh]))).toEqual(outcome(run([old, fresh, dismiss, confirm])));
  });

  it('a confirmation that waited for its flag does not overturn a newer dismissal already applied', () => {
    const f0 = flag(0, 'BLOCK_RECOMMENDED', T0 + 2 * H, T0 + 5 * H);
    const f1 = flag(1, 'LABEL', T0, T0 + 8 * H);
    const confirm = review(0, 'f0', 'CONFIRMED', T0 + 14 * H);
    const dismiss = review(1, 'f1', 'DISMISSED', T0 + 15 * H);
    expect(outcome(run([f0, f1, confirm, dismiss])).status).toBe('DISMISSED');
    expect(outcome(run([confirm, f1, dismiss, f0])).status).toBe('DISMISSED');
  });

  it('a dismissal naming no flag is not overturned by an older confirmation read after it (found by a review)', () => {
    // f0 pending verification; confirmed at 14:00 by one console, dismissed at 15:00 (naming no flag) by another.
    const f0 = flag(0, 'BLOCK_RECOMMENDED', T0 + 2 * H, T0 + 5 * H);
    const confirm = review(0, 'f0', 'CONFIRMED', T0 + 14 * H);
    const dismiss = review(1, null, 'DISMISSED', T0 + 15 * H);
    expect(outcome(run([f0, confirm, dismiss])).status).toBe('DISMISSED');
    // Read the other way round: the newer dismissal has the last word all the same (was BLOCKED).
    expect(outcome(run([f0, dismiss, confirm]))).toEqual(outcome(run([f0, confirm, dismiss])));
  });

  it('a LABEL flag confirmed while a pending verification held it back stands verified once that is dismissed', () => {
    const pending = flag(0, 'BLOCK_RECOMMENDED', T0, T0 + 5 * H);
    const label = flag(2, 'LABEL', T0 + 6 * H, T0 + 8 * H);
    const confirm = review(0, 'f2', 'CONFIRMED', T0 + 14 * H);
    const dismiss = review(1, 'f0', 'DISMISSED', T0 + 15 * H);
    const inOrder = outcome(run([pending, label, confirm, dismiss]));
    expect(inOrder).toMatchObject({ status: 'LABELED', label: 'VERIFIED_NUISANCE', windowEnd: label.windowEnd });
    expect(outcome(run([pending, confirm, dismiss, label]))).toEqual(inOrder);
  });

  it('a flag later covered by a dismissal no longer extends the label that stands', () => {
    const first = flag(0, 'LABEL', T0 + 2 * H, T0 + 6 * H);
    const pending = flag(1, 'BLOCK_RECOMMENDED', T0 + 2 * H, T0 + 7 * H);
    const overlapping = flag(2, 'LABEL', T0 + 4 * H, T0 + 9 * H); // covered by the dismissal of f0: overlaps it, no stronger
    const dismiss = review(0, 'f0', 'DISMISSED', T0 + 14 * H);
    const inOrder = run([first, pending, overlapping, dismiss]);
    expect(inOrder.status).toBe('PENDING_VERIFICATION');
    expect(inOrder.expiresAt).toBe(pending.windowEnd + 7 * 24 * H);
    expect(outcome(run([first, pending, dismiss, overlapping]))).toEqual(outcome(inOrder));
  });

  it('a LABEL flag on evidence ending with the verified label\'s does not replace it unverified', () => {
    const f0 = flag(0, 'LABEL', T0 + 4 * H, T0 + 9 * H);
    const f1 = flag(1, 'LABEL', T0 + 3 * H, T0 + 9 * H);
    const confirm = review(0, 'f0', 'CONFIRMED', T0 + 14 * H);
    expect(outcome(run([f0, f1, confirm]))).toMatchObject({ label: 'VERIFIED_NUISANCE' });
    expect(outcome(run([f0, confirm, f1]))).toMatchObject({ label: 'VERIFIED_NUISANCE' });
  });
});
