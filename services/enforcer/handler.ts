/**
 * One consumed record → the store: decode, validate, fold into the number's
 * state. Kafka-agnostic (a value and which topic kind it came from), so the
 * consumer stays wiring and this stays testable.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseReviewDecision } from '../../shared/contracts/validate.ts';
import { actsOn, applyAllowlisted, applyFlag, applyReview, type MachineOptions, type Outcome } from './machine.ts';
import { parseFlagEvent } from '../../shared/contracts/flag.ts';
import { BadInputError, decodeValue } from './decode.ts';
import type { EnforcementStore } from './store.ts';
import type { Allowlist } from './allowlist.ts';

/** Which contract topic a record came from. */
export type RecordKind = 'flag' | 'review';

/** What became of one record. */
export type HandleResult = { ok: true; number: string; outcome: Outcome } | { ok: false; error: string };

/** Handles one record value; bad input comes back as `{ ok: false }`, outages are thrown. */
export type RecordHandler = (kind: RecordKind, value: Buffer | null) => Promise<HandleResult>;

/** The machine's tunables and the handler's own check of record times. */
export interface HandlerOptions extends MachineOptions {
  /**
   * How far ahead of processing time (the store's clock) a record's time may
   * be, ms (`CALLGUARD_ENFORCER_MAX_FUTURE_MS`, default 5 min): a review
   * decided, or a flag detected or whose evidence ends, later than that is
   * bad input (DLQ). A decision from the future would outrank every real
   * later one (decisions apply in decision order) and block until its date
   * plus the block TTL; a flag from the future would label for as long.
   */
  maxFutureMs: number;
}

/** A record dated too far ahead of processing time (thrown from the store step, returned as bad input). */
class FutureRecordError extends Error {}

/** Throws {@link FutureRecordError} when `at` is more than `maxFutureMs` after `now`. */
function notFuture(what: string, field: string, at: number, now: number, maxFutureMs: number): void {
  if (at - now > maxFutureMs) {
    throw new FutureRecordError(
      `${what} ${field} ${new Date(at).toISOString()} is ${at - now} ms ahead of processing time ${new Date(now).toISOString()} (at most ${maxFutureMs} ms allowed, CALLGUARD_ENFORCER_MAX_FUTURE_MS)`,
    );
  }
}

/**
 * Creates the handler over a registry (for decoding) and the store. With an `allowlist` (the enforcer's polled copy,
 * allowlist.ts), a FlagEvent for an allowlisted number changes nothing but removing a label, pending verification or
 * block the number still has (outcome `allowlisted`); a ReviewDecision is recorded as ever, but what it would label
 * or block is removed in the same write (outcome `allowlisted`).
 */
export function createRecordHandler(registry: SchemaRegistry, store: EnforcementStore, options: HandlerOptions, allowlist?: Allowlist): RecordHandler {
  const { maxFutureMs, ...machine } = options;
  // The times are checked inside the store's step, against the same processing clock the machine is given.
  // The allowlist is consulted inside the step too (each compare-and-set attempt reads it afresh). A number
  // allowlisted after the step's last look and before its write gets here unlabelled after the write: the poller's
  // own update may have read the state before this write, seen nothing to remove and left the label standing.
  const guarded = async (number: string, step: Parameters<EnforcementStore['update']>[1]): Promise<HandleResult> => {
    try {
      let looked = false;
      let at = 0;
      const t = await store.update(number, (s, now) => {
        looked = allowlist?.has(number) ?? false;
        at = now;
        const next = step(s, now);
        if (!looked) return next;
        // What the record did, unless it left something to remove (a review's outcome stays when nothing is).
        const a = applyAllowlisted(next.state, now);
        return a.changed ? a : next;
      });
      if (!looked && allowlist?.has(number) && actsOn(t.state, at)) {
        await store.update(number, (s, now) => applyAllowlisted(s, now));
        return { ok: true, number, outcome: 'allowlisted' };
      }
      return { ok: true, number, outcome: t.outcome };
    } catch (err) {
      if (err instanceof FutureRecordError) return { ok: false, error: err.message };
      throw err;
    }
  };
  return async (kind, value) => {
    let decoded: unknown;
    try {
      decoded = await decodeValue(registry, value);
    } catch (err) {
      if (err instanceof BadInputError) return { ok: false, error: err.message };
      throw err;
    }
    if (kind === 'flag') {
      const flag = parseFlagEvent(decoded);
      if (!flag.ok) return { ok: false, error: `invalid FlagEvent: ${flag.error}` };
      const f = flag.value;
      return guarded(f.number, (s, now) => {
        notFuture('FlagEvent', 'detectedAt', f.detectedAt, now, maxFutureMs);
        notFuture('FlagEvent', 'windowEnd', f.windowEnd, now, maxFutureMs);
        // An allowlisted number's flag is not applied at all (not even remembered): nothing to label, hold or block.
        if (allowlist?.has(f.number)) return { state: s, outcome: 'allowlisted', changed: false };
        return applyFlag(s, f, now, machine);
      });
    }
    const review = parseReviewDecision(decoded);
    if (!review.ok) return { ok: false, error: `invalid ReviewDecision: ${review.error}` };
    const r = review.value;
    return guarded(r.number, (s, now) => {
      notFuture('ReviewDecision', 'decidedAt', r.decidedAt, now, maxFutureMs);
      return applyReview(s, r, now, machine);
    });
  };
}
