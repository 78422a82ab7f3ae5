/**
 * Validation of contract records from any source (JSON Lines files, decoded
 * Avro, HTTP bodies), independent of the format. Each parser checks required
 * fields and their types, enums and timestamp ranges, normalises every phone
 * number to E.164, and returns a fresh record of a fixed shape or an error
 * naming the field. Unknown extra fields are ignored (the contract grows by
 * optional fields). A nullable field may be `null` or absent.
 *
 * Hand-written rather than a schema library: it runs once per call event on
 * the hot path (see docs/replay.md for the measured cost).
 */
import { normalizeOrError } from '../numbers/normalize.ts';
import {
  CALL_OUTCOMES,
  COMPLAINT_CATEGORIES,
  REVIEW_DECISIONS,
  type CallEvent,
  type CallOutcome,
  type ComplaintCategory,
  type ComplaintReport,
  type ConsentRecord,
  type ReviewDecision,
  type ReviewDecisionKind,
} from './records.ts';

/** Either a valid value or an error message naming the offending field. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Earliest accepted timestamp: 2000-01-01T00:00:00Z. */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
/** First rejected timestamp: 2100-01-01T00:00:00Z. */
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);
/**
 * The longest call attempt accepted, start to release: 24 h. A longer one is a clock error (an end time dated
 * years ahead), and its talk time would otherwise go into every sum of talk seconds (number_minute) and the
 * engine's talk tests as decades of conversation.
 */
export const MAX_CALL_MS = 86_400_000;

/** Thrown inside this module only (a plain object: no stack trace to capture). */
class Invalid {
  constructor(readonly message: string) {}
}

type Obj = Record<string, unknown>;

/** Validates a CallEvent: endTime within 24 h of startTime (MAX_CALL_MS); answerTime present exactly when ANSWERED and within [startTime, endTime]. */
export function parseCallEvent(input: unknown): Result<CallEvent> {
  try {
    const o = object(input);
    const startTime = time(o, 'startTime');
    const endTime = time(o, 'endTime');
    if (endTime < startTime) throw new Invalid(`endTime: ${endTime} is before startTime ${startTime}`);
    if (endTime - startTime > MAX_CALL_MS) throw new Invalid(`endTime: ${endTime} is more than 24 h after startTime ${startTime} (no call lasts that long: a clock error)`);
    const outcome = oneOf<CallOutcome>(o, 'outcome', CALL_OUTCOMES);
    const answerTime = optionalTime(o, 'answerTime');
    if (outcome === 'ANSWERED') {
      if (answerTime === null) throw new Invalid('answerTime: required when outcome is ANSWERED');
      if (answerTime < startTime || answerTime > endTime) {
        throw new Invalid(`answerTime: ${answerTime} is outside [startTime ${startTime}, endTime ${endTime}]`);
      }
    } else if (answerTime !== null) {
      throw new Invalid(`answerTime: must be null when outcome is ${outcome}`);
    }
    const value: CallEvent = {
      eventId: id(o, 'eventId'),
      probeId: str(o, 'probeId'),
      caller: phone(o, 'caller'),
      callee: phone(o, 'callee'),
      startTime,
      answerTime,
      endTime,
      outcome,
      releaseCause: optionalInt(o, 'releaseCause'),
      accessProvider: optionalStr(o, 'accessProvider'),
    };
    return { ok: true, value };
  } catch (e) {
    return failure(e);
  }
}

/** Validates a ComplaintReport. */
export function parseComplaint(input: unknown): Result<ComplaintReport> {
  try {
    const o = object(input);
    const value: ComplaintReport = {
      reportId: id(o, 'reportId'),
      reporter: phone(o, 'reporter'),
      reported: phone(o, 'reported'),
      reportTime: time(o, 'reportTime'),
      category: oneOf<ComplaintCategory>(o, 'category', COMPLAINT_CATEGORIES),
      channel: optionalStr(o, 'channel'),
    };
    return { ok: true, value };
  } catch (e) {
    return failure(e);
  }
}

/** Validates a ConsentRecord: revokedAt, when present, is not before grantedAt. */
export function parseConsent(input: unknown): Result<ConsentRecord> {
  try {
    const o = object(input);
    const grantedAt = time(o, 'grantedAt');
    const revokedAt = optionalTime(o, 'revokedAt');
    if (revokedAt !== null && revokedAt < grantedAt) {
      throw new Invalid(`revokedAt: ${revokedAt} is before grantedAt ${grantedAt}`);
    }
    const value: ConsentRecord = { caller: phone(o, 'caller'), callee: phone(o, 'callee'), grantedAt, revokedAt };
    return { ok: true, value };
  } catch (e) {
    return failure(e);
  }
}

/** Validates a ReviewDecision. */
export function parseReviewDecision(input: unknown): Result<ReviewDecision> {
  try {
    const o = object(input);
    const value: ReviewDecision = {
      number: phone(o, 'number'),
      flagId: optionalId(o, 'flagId'),
      decision: oneOf<ReviewDecisionKind>(o, 'decision', REVIEW_DECISIONS),
      reviewer: id(o, 'reviewer'),
      note: optionalStr(o, 'note'),
      decidedAt: time(o, 'decidedAt'),
    };
    return { ok: true, value };
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): { ok: false; error: string } {
  if (e instanceof Invalid) return { ok: false, error: e.message };
  throw e;
}

function object(input: unknown): Obj {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Invalid(`record: expected an object, got ${describe(input)}`);
  }
  return input as Obj;
}

function missing(k: string): Invalid {
  return new Invalid(`${k}: required`);
}

function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) throw missing(k);
  throw new Invalid(`${k}: expected a string, got ${describe(v)}`);
}

/** A non-empty string (identifiers, reviewer names). */
function id(o: Obj, k: string): string {
  const v = str(o, k);
  if (v.length === 0) throw new Invalid(`${k}: must not be empty`);
  return v;
}

function optionalStr(o: Obj, k: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  throw new Invalid(`${k}: expected a string or null, got ${describe(v)}`);
}

function optionalId(o: Obj, k: string): string | null {
  const v = optionalStr(o, k);
  if (v === '') throw new Invalid(`${k}: must not be empty (use null)`);
  return v;
}

function optionalInt(o: Obj, k: string): number | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new Invalid(`${k}: expected an integer or null, got ${describe(v)}`);
}

function checkTime(k: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new Invalid(`${k}: expected an integer (ms since the Unix epoch), got ${describe(v)}`);
  }
  if (v < MIN_TIME_MS || v >= MAX_TIME_MS) {
    throw new Invalid(`${k}: ${v} is outside the years 2000–2099 (ms since the Unix epoch expected)`);
  }
  return v;
}

function time(o: Obj, k: string): number {
  const v = o[k];
  if (v === undefined || v === null) throw missing(k);
  return checkTime(k, v);
}

function optionalTime(o: Obj, k: string): number | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  return checkTime(k, v);
}

function oneOf<T extends string>(o: Obj, k: string, allowed: readonly T[]): T {
  const v = str(o, k);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new Invalid(`${k}: expected one of ${allowed.join(', ')}, got ${describe(v)}`);
}

function phone(o: Obj, k: string): string {
  const v = str(o, k);
  const r = normalizeOrError(v);
  if (r.ok) return r.value;
  throw new Invalid(`${k}: not a phone number ${describe(v)} (${r.error})`);
}

/** A short, safe rendering of a value for error messages. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return `a ${typeof v}`; // a symbol or a function
}
