/**
 * Public surface of the detection engine. The engine is pure: no I/O and no
 * clock of its own (wall-clock time for `emittedAt` is injected). The same
 * engine runs in `callguard replay` and in the streaming detector.
 *
 * Inputs must already be validated and their numbers normalised to E.164
 * (see shared/numbers and shared/contracts/validate).
 */
import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent, RuleName, Severity } from '../contracts/records.ts';

/** What the engine did with one input. */
export type Accepted = 'accepted' | 'duplicate' | 'late';

export interface EngineStats {
  calls: number;
  complaints: number;
  consents: number;
  duplicates: number;
  late: number;
  trackedNumbers: number;
  evictedNumbers: number;
  flags: number;
  flagsBySeverity: Record<Severity, number>;
  flagsByRule: Partial<Record<RuleName, number>>;
  /** Current watermark (ms event time), or null before the first event. */
  watermark: number | null;
}

export interface Engine {
  onCall(e: CallEvent): Accepted;
  /** `onCall` of each of `events[from..to)` in order, with their state lines prefetched a group at a time; returns how many were accepted. */
  onCalls(events: readonly CallEvent[], from?: number, to?: number): number;
  /** A hint with no effect on results: loads the state lines these calls will touch, so that their cache misses overlap. */
  prefetchCalls(events: readonly CallEvent[], from?: number, to?: number): void;
  onComplaint(c: ComplaintReport): Accepted;
  onConsent(c: ConsentRecord): void;
  /** Allowlisted numbers are never flagged; checked before any rule. */
  allow(number: string): void;
  /** Replaces the allowlist (a restored snapshot's included) by these numbers: those left out are judged again. */
  setAllowlist(numbers: Iterable<string>): void;
  /** Move event time forward without an event (idle partitions must not freeze time). */
  advanceTo(eventTimeMs: number): void;
  /** Flags produced since the last drain, in emission order. */
  drainFlags(): FlagEvent[];
  /** End of input: close every open window and evaluate what is pending. */
  finish(): void;
  stats(): EngineStats;
  /** Bytes its tables (typed arrays) hold in use, by table: resident memory that grows with the population, up to each table's bound. */
  memory(): { numbers: number; index: number; pairs: number; dedup: number; swarms: number };
  /** The whole state as binary parts, for checkpoints beside input offsets. */
  snapshot(): import('./snapshot.ts').EngineSnapshot;
  /** Contact knowledge from another partition: `callee` has called `caller`. */
  noteCallBack(caller: string, callee: string, t: number): void;
}
