/**
 * One consumed record → the store: decode, validate, fold into the number's
 * state. Kafka-agnostic (a value and which topic kind it came from), so the
 * consumer stays wiring and this stays testable.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseReviewDecision } from '../../shared/contracts/validate.ts';
import { applyFlag, applyReview, type MachineOptions, type Outcome } from './machine.ts';
import { parseFlagEvent } from '../../shared/contracts/flag.ts';
import { BadInputError, decodeValue } from './decode.ts';
import type { EnforcementStore } from './store.ts';

/** Which contract topic a record came from. */
export type RecordKind = 'flag' | 'review';

/** What became of one record. */
export type HandleResult = { ok: true; number: string; outcome: Outcome } | { ok: false; error: string };

/** Handles one record value; bad input comes back as `{ ok: false }`, outages are thrown. */
export type RecordHandler = (kind: RecordKind, value: Buffer | null) => Promise<HandleResult>;

/** Creates the handler over a registry (for decoding) and the store. */
export function createRecordHandler(registry: SchemaRegistry, store: EnforcementStore, machine: MachineOptions): RecordHandler {
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
      const t = await store.update(flag.value.number, (s, now) => applyFlag(s, flag.value, now, machine));
      return { ok: true, number: flag.value.number, outcome: t.outcome };
    }
    const review = parseReviewDecision(decoded);
    if (!review.ok) return { ok: false, error: `invalid ReviewDecision: ${review.error}` };
    const t = await store.update(review.value.number, (s, now) => applyReview(s, review.value, now, machine));
    return { ok: true, number: review.value.number, outcome: t.outcome };
  };
}
