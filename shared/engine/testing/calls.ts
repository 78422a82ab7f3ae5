/**
 * Test helper: builds sequences of CallEvents, ComplaintReports and
 * ConsentRecords with E.164 numbers, delivers them in event-time order (or
 * deliberately out of order) to an engine, and collects its flags. Used by
 * the engine's specs only; nothing here is part of the engine.
 */
import type { CallEvent, CallOutcome, ComplaintCategory, ComplaintReport, ConsentRecord, FlagEvent, RuleName, Severity } from '../../contracts/records.ts';
import type { Accepted, Engine } from '../api.ts';

export const SEC = 1_000;
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** 10:00 Asia/Shanghai on Monday 3 March 2025 (02:00 UTC): a working morning, far from any window edge of the UTC day. */
export const T0 = Date.UTC(2025, 2, 3, 2, 0, 0);

/** A mobile number `+86 <prefix> nnnn nnnn`; consecutive `n` are consecutive numbers. */
export function mobile(n: number, prefix = '139'): string {
  return `+86${prefix}${String(n % 100_000_000).padStart(8, '0')}`;
}

/**
 * The `n`th of a set of strangers: mobiles scattered over the number space
 * so that consecutive `n` are far apart (no accidental sequential dialling).
 */
export function stranger(n: number, prefix = '158'): string {
  return mobile((n * 7_654_321 + 1_234_567) % 100_000_000, prefix);
}

/** Seeded PRNG (mulberry32): deterministic "random" traffic. Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One input to the engine. */
export type Input =
  | { kind: 'call'; event: CallEvent }
  | { kind: 'complaint'; report: ComplaintReport }
  | { kind: 'consent'; record: ConsentRecord };

export interface CallOptions {
  outcome?: CallOutcome;
  /** Ringing time before answer or release (default 5 s; CANCELLED/REJECTED/NO_ANSWER end after it). */
  ringMs?: number;
  /** Talk time of an ANSWERED call (default 60 s). */
  talkMs?: number;
  provider?: string | null;
  /** Explicit eventId (to deliver a duplicate); otherwise unique. */
  eventId?: string;
  /** Delivered this long after its event time, i.e. after later events (out of order). */
  delayMs?: number;
}

export interface ComplaintOptions {
  reportId?: string;
  category?: ComplaintCategory;
  delayMs?: number;
}

let scripts = 0;

interface Queued {
  deliverAt: number;
  seq: number;
  input: Input;
}

/**
 * A traffic script. Every method records one input at event time `at`;
 * {@link Traffic.inputs} returns them in delivery order: event time, or
 * event time + `delayMs` for deliberately late deliveries, ties in the order
 * they were written.
 */
export class Traffic {
  private readonly queue: Queued[] = [];
  private seq = 0;

  /** `idPrefix` makes this script's eventIds and reportIds distinct from every other script's. */
  constructor(private readonly idPrefix = `t${++scripts}`) {}

  /** One call attempt starting at `at`. */
  call(at: number, caller: string, callee: string, o: CallOptions = {}): CallEvent {
    const outcome = o.outcome ?? 'ANSWERED';
    const ring = o.ringMs ?? 5 * SEC;
    const answerTime = outcome === 'ANSWERED' ? at + ring : null;
    const endTime = answerTime !== null ? answerTime + (o.talkMs ?? 60 * SEC) : at + ring;
    const event: CallEvent = {
      eventId: o.eventId ?? `${this.idPrefix}-c${this.seq}`,
      probeId: 'probe-1',
      caller,
      callee,
      startTime: at,
      answerTime,
      endTime,
      outcome,
      releaseCause: outcome === 'REJECTED' ? 21 : 16,
      accessProvider: o.provider === undefined ? 'carrier-a' : o.provider,
    };
    this.push(at + (o.delayMs ?? 0), { kind: 'call', event });
    return event;
  }

  /** An answered call with `talkSec` seconds of conversation. */
  answered(at: number, caller: string, callee: string, talkSec: number, o: CallOptions = {}): CallEvent {
    return this.call(at, caller, callee, { ...o, outcome: 'ANSWERED', talkMs: talkSec * SEC });
  }

  /** An attempt the callee explicitly declined. */
  rejected(at: number, caller: string, callee: string, o: CallOptions = {}): CallEvent {
    return this.call(at, caller, callee, { ...o, outcome: 'REJECTED' });
  }

  /** An attempt nobody answered. */
  noAnswer(at: number, caller: string, callee: string, o: CallOptions = {}): CallEvent {
    return this.call(at, caller, callee, { ringMs: 30 * SEC, ...o, outcome: 'NO_ANSWER' });
  }

  /** An attempt the caller cancelled after `ringMs` of ringing. */
  cancelled(at: number, caller: string, callee: string, ringMs: number, o: CallOptions = {}): CallEvent {
    return this.call(at, caller, callee, { ...o, outcome: 'CANCELLED', ringMs });
  }

  /** Delivers an already recorded call again (same eventId) at `at`. */
  redeliver(at: number, event: CallEvent): void {
    this.push(at, { kind: 'call', event: { ...event } });
  }

  complaint(at: number, reporter: string, reported: string, o: ComplaintOptions = {}): ComplaintReport {
    const report: ComplaintReport = {
      reportId: o.reportId ?? `${this.idPrefix}-r${this.seq}`,
      reporter,
      reported,
      reportTime: at,
      category: o.category ?? 'MARKETING',
      channel: 'app',
    };
    this.push(at + (o.delayMs ?? 0), { kind: 'complaint', report });
    return report;
  }

  /** A consent record delivered at `at` (the latest record for a pair wins). */
  consent(at: number, caller: string, callee: string, grantedAt: number, revokedAt: number | null = null): ConsentRecord {
    const record: ConsentRecord = { caller, callee, grantedAt, revokedAt };
    this.push(at, { kind: 'consent', record });
    return record;
  }

  /** Every input in delivery order. */
  inputs(): Input[] {
    return [...this.queue].sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq).map((q) => q.input);
  }

  /** The call events in delivery order. */
  calls(): CallEvent[] {
    return this.inputs().flatMap((i) => (i.kind === 'call' ? [i.event] : []));
  }

  get size(): number {
    return this.queue.length;
  }

  private push(deliverAt: number, input: Input): void {
    this.queue.push({ deliverAt, seq: this.seq++, input });
  }
}

/** What feeding a sequence did. */
export interface Played {
  flags: FlagEvent[];
  /** The engine's answer to each call and complaint, in delivery order (consents have none). */
  results: Accepted[];
}

/** Feeds `inputs` in the given order, then drains the flags. */
export function play(engine: Engine, inputs: Iterable<Input>): Played {
  const results: Accepted[] = [];
  for (const i of inputs) {
    if (i.kind === 'call') results.push(engine.onCall(i.event));
    else if (i.kind === 'complaint') results.push(engine.onComplaint(i.report));
    else engine.onConsent(i.record);
  }
  return { flags: engine.drainFlags(), results };
}

const RANK: Record<Severity, number> = { WATCH: 1, LABEL: 2, BLOCK_RECOMMENDED: 3 };

/** Flags of `number`. */
export function flagsOf(flags: readonly FlagEvent[], number: string): FlagEvent[] {
  return flags.filter((f) => f.number === number);
}

/** Flags at `severity` or above. */
export function atLeast(flags: readonly FlagEvent[], severity: Severity): FlagEvent[] {
  return flags.filter((f) => RANK[f.severity] >= RANK[severity]);
}

/** Flags carrying a reason from `rule`. */
export function withRule(flags: readonly FlagEvent[], rule: RuleName): FlagEvent[] {
  return flags.filter((f) => f.reasons.some((r) => r.rule === rule));
}

/** Every rule named in the flags' reasons. */
export function rulesIn(flags: readonly FlagEvent[]): Set<RuleName> {
  return new Set(flags.flatMap((f) => f.reasons.map((r) => r.rule)));
}

/** The highest severity among the flags, or null. */
export function maxSeverity(flags: readonly FlagEvent[]): Severity | null {
  let best: Severity | null = null;
  for (const f of flags) if (best === null || RANK[f.severity] > RANK[best]) best = f.severity;
  return best;
}
