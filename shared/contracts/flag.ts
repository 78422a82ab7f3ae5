/**
 * Validation of a FlagEvent as decoded from Avro (or read from JSON): the
 * Avro schema guarantees field types, not meanings, and a JSON producer
 * guarantees neither. The number is normalised to E.164; the rule name is
 * kept as any non-empty string (the contract may add rules).
 */
import { normalizeOrError } from '../numbers/index.ts';
import { NUMBER_CLASSES, SEVERITIES, type FlagEvent, type FlagReason, type NumberClass, type RuleName, type Severity } from './records.ts';
import type { Result } from './validate.ts';

type Obj = Record<string, unknown>;

class Invalid {
  constructor(readonly message: string) {}
}

/** Validates a FlagEvent; the error names the offending field. */
export function parseFlagEvent(input: unknown): Result<FlagEvent> {
  try {
    const o = obj(input, 'record');
    const windowStart = time(o, 'windowStart');
    const windowEnd = time(o, 'windowEnd');
    if (windowEnd < windowStart) throw new Invalid(`windowEnd: ${windowEnd} is before windowStart ${windowStart}`);
    const score = num(o, 'score');
    if (!Number.isInteger(score) || score < 0 || score > 100) throw new Invalid(`score: ${score} is not an integer in 0..100`);
    const n = normalizeOrError(str(o, 'number'));
    if (!n.ok) throw new Invalid(`number: ${n.error}`);
    const numberClass = str(o, 'numberClass');
    const value: FlagEvent = {
      flagId: str(o, 'flagId'),
      number: n.value,
      severity: oneOf(o, 'severity', SEVERITIES) as Severity,
      score,
      reasons: reasons(o.reasons),
      windowStart,
      windowEnd,
      detectedAt: time(o, 'detectedAt'),
      emittedAt: time(o, 'emittedAt'),
      numberClass: ((NUMBER_CLASSES as readonly string[]).includes(numberClass) ? numberClass : 'UNKNOWN') as NumberClass,
      accessProvider: o.accessProvider === null || o.accessProvider === undefined ? null : str(o, 'accessProvider'),
      evidence: evidence(o.evidence),
    };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

function reasons(v: unknown): FlagReason[] {
  if (!Array.isArray(v)) throw new Invalid('reasons: expected an array');
  return v.map((item, i) => {
    const r = obj(item, `reasons[${i}]`);
    return {
      rule: str(r, 'rule', `reasons[${i}].`) as RuleName,
      window: typeof r.window === 'string' ? r.window : '',
      value: num(r, 'value', `reasons[${i}].`),
      threshold: num(r, 'threshold', `reasons[${i}].`),
    };
  });
}

function evidence(v: unknown): Record<string, number> {
  const o = obj(v ?? {}, 'evidence');
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Invalid(`evidence.${k}: expected a finite number`);
    out[k] = x;
  }
  return out;
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Invalid(`${what}: expected an object`);
  return v as Obj;
}

function str(o: Obj, k: string, path = ''): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) throw new Invalid(`${path}${k}: expected a non-empty string`);
  return v;
}

function num(o: Obj, k: string, path = ''): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${path}${k}: expected a finite number`);
  return v;
}

function time(o: Obj, k: string): number {
  const v = num(o, k);
  if (!Number.isInteger(v) || v < 0) throw new Invalid(`${k}: expected ms since the epoch`);
  return v;
}

function oneOf(o: Obj, k: string, allowed: readonly string[]): string {
  const v = o[k];
  if (typeof v !== 'string' || !allowed.includes(v)) throw new Invalid(`${k}: expected one of ${allowed.join(', ')}`);
  return v;
}
