/**
 * One engine per partition number: the calls of partition p (keyed by
 * caller) and the complaints of partition p (keyed by reported number) go
 * through one event-time merge into one engine, and the aggregates of the
 * same partition are fed in the same order. No I/O here: the task takes
 * decoded batches and leaves its outputs (flags, DLQ records, changed rows)
 * for the next checkpoint to take with {@link PartitionTask.cut}.
 *
 * Positions: `expected` is the next offset the source should deliver;
 * `positions()` is the next offset not yet folded into the state (held
 * items are not), which is what checkpoints commit and snapshots record.
 *
 * Re-emission: a flag triggered by an event below `suppressBelow` (the
 * group's committed offset when the task started) went through the flag
 * lane before that offset was committed, so it is recomputed but not
 * emitted again.
 *
 * The aggregates count a number's calls as flagged calls only by flags that
 * went out: every flag is noted undecided, and the flag lane's word on it
 * ({@link PartitionTask.decideFlags}: kept, or dropped as dismissed evidence)
 * decides. Flags to emit get that word when the lane handles them; a flag
 * not emitted again (below `suppressBelow`), or one a restored snapshot
 * holds undecided, is handed to the lane as a *lookup*
 * ({@link PartitionTask.takeLookups}): its fate the first time, read back
 * from Redis (the `d` mark the lane wrote when it dropped the flag as
 * dismissed), so the aggregates come out as they did then.
 */
import type { CallEvent, ComplaintReport, FlagEvent } from '../../../shared/contracts/records.ts';
import type { ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import type { Engine } from '../../../shared/engine/index.ts';
import { PartitionAggregates, type AggregateRows, type UndecidedFlag } from '../aggregates/index.ts';
import type { SourceMessage } from '../kafka/source.ts';
import type { PartitionPosition, PartitionSnapshot } from '../state/snapshot-codec.ts';
import type { InputItem } from './input.ts';
import { TwoWayMerge, type Side } from './merge.ts';

/** The engine as the task uses it: the Engine API plus its current watermark. */
export type TaskEngine = Engine & { readonly watermark: number; readonly complaintHorizon: number };

/** A record that goes to the DLQ, with where it came from and why. */
export interface DlqEntry {
  side: Side;
  partition: number;
  message: SourceMessage;
  error: string;
}

/** What a checkpoint takes from a task. */
export interface TaskCut {
  partition: number;
  flags: FlagEvent[];
  /** Flags not to emit whose fate the lane is to look up for the aggregates (see {@link PartitionTask.takeLookups}). */
  lookups: UndecidedFlag[];
  dlq: DlqEntry[];
  rows: AggregateRows;
  positions: PartitionPosition;
}

/** Running counts of one task (the metrics module reads deltas). */
export interface TaskStats {
  accepted: [number, number];
  duplicate: [number, number];
  late: [number, number];
  invalid: [number, number];
  flags: number;
  suppressed: number;
}

/** How a task starts. */
export interface TaskInit {
  partition: number;
  engine: TaskEngine;
  /** Where processing starts (next offsets), per stream. */
  positions: PartitionPosition;
  /** Offsets where this state's history began (in the rows' src). */
  epochs: PartitionPosition;
  /** Flags triggered below these offsets were already emitted. */
  suppressBelow: PartitionPosition;
  /** Source topic names, for the rows' src. */
  topics: { calls: string; complaints: string };
  aggregates?: unknown;
  lastEventTime: number | null;
  /** The task starts from the empty state at `positions` (which then equal `epochs`): {@link PartitionTask.freshSnapshot} describes it. */
  fresh?: boolean;
  /** Contact knowledge for other partitions: `callee` was called by `caller` at `t`. */
  contact?: (callee: string, caller: string, t: number) => void;
}

/** Builds the `src` of a partition's rows: topic/partition, plus @epoch when its history did not start at offset 0. */
export function rowSource(topic: string, partition: number, epoch: number): string {
  return epoch === 0 ? `${topic}/${partition}` : `${topic}/${partition}@${epoch}`;
}

/** The engine, merge and aggregates of one partition number. */
export class PartitionTask {
  readonly partition: number;
  readonly epochs: PartitionPosition;
  readonly stats: TaskStats = { accepted: [0, 0], duplicate: [0, 0], late: [0, 0], invalid: [0, 0], flags: 0, suppressed: 0 };
  private engineRef: TaskEngine;
  private readonly merge: TwoWayMerge<InputItem<CallEvent>, InputItem<ComplaintReport>>;
  private readonly aggregates: PartitionAggregates;
  private readonly next: [number, number];
  private readonly suppressBelow: [number, number];
  private readonly contact?: (callee: string, caller: string, t: number) => void;
  private flags: FlagEvent[] = [];
  private lookups: UndecidedFlag[] = [];
  private dlq: DlqEntry[] = [];
  private lastEventTime: number | null;
  /** Wall ms when the current caught-up quiet stretch began, and the event time it advances from. */
  private idleFrom: number | null = null;
  private idleBase: number | null = null;
  private idleReached: number | null = null;
  /** Events folded in since the last cut (for backpressure). */
  private sinceCut = 0;
  /** Whether the task started from the empty state at its epochs. */
  private readonly fresh: boolean;

  constructor(init: TaskInit) {
    this.partition = init.partition;
    this.engineRef = init.engine;
    this.epochs = init.epochs;
    this.next = [init.positions.calls, init.positions.complaints];
    this.suppressBelow = [init.suppressBelow.calls, init.suppressBelow.complaints];
    this.merge = new TwoWayMerge();
    this.aggregates = new PartitionAggregates({
      calls: rowSource(init.topics.calls, init.partition, init.epochs.calls),
      complaints: rowSource(init.topics.complaints, init.partition, init.epochs.complaints),
    });
    if (init.aggregates !== undefined) {
      this.aggregates.importState(init.aggregates);
      // Flags the lane had not decided when the snapshot was taken (it has since): their fate is looked up.
      this.lookups = this.aggregates.undecidedFlags();
    }
    this.lastEventTime = init.lastEventTime;
    this.contact = init.contact;
    this.fresh = init.fresh === true;
  }

  /** The engine (replaced when live thresholds change). */
  get engine(): TaskEngine {
    return this.engineRef;
  }

  /** Swaps in an engine holding the same state (e.g. rebuilt with new thresholds). */
  replaceEngine(engine: TaskEngine): void {
    this.engineRef = engine;
  }

  /** The next offset the source should deliver on `side`. */
  expected(side: Side): number {
    return this.next[side];
  }

  /** Next offsets not yet folded into the state, per stream. */
  positions(): PartitionPosition {
    return { calls: this.merge.firstOffset(0) ?? this.next[0], complaints: this.merge.firstOffset(1) ?? this.next[1] };
  }

  /**
   * Records held in the merge plus outputs waiting for a checkpoint: events
   * since the last cut, DLQ records, and calls waiting in their
   * provider_hour cells for the lane's word on flags. The waiting calls are
   * not reset by a cut (they stay until the word comes), so a lane that
   * never decides shows here, and backpressure pauses the input, instead of
   * them growing unseen.
   */
  get pending(): number {
    return this.merge.size(0) + this.merge.size(1) + this.sinceCut + this.dlq.length + this.aggregates.waitingCalls;
  }

  /** Calls waiting in their provider_hour cells for the lane's word on flags (and those behind them). */
  get waitingCalls(): number {
    return this.aggregates.waitingCalls;
  }

  /** Flags the lane has not decided yet (kept or dismissed) for the aggregates. */
  get undecidedFlags(): number {
    return this.aggregates.undecidedCount;
  }

  /** Items held on `side`, waiting for the other stream. */
  held(side: Side): number {
    return this.merge.size(side);
  }

  /** The stream the merge waits for (its input pending upstream) and since when, or null. */
  blocked(): { side: Side; since: number } | null {
    return this.merge.blocked();
  }

  /** Whether more input is known to exist upstream of `side`. */
  setPending(side: Side, pending: boolean): void {
    this.merge.setPending(side, pending);
  }

  /**
   * Takes decoded items (offsets ≥ `expected(side)`, in order). `nextOffset`
   * is where the source continues; `morePending` whether the partition has
   * more input than was fetched.
   */
  accept(side: Side, items: InputItem<CallEvent>[] | InputItem<ComplaintReport>[], nextOffset: number, morePending: boolean): void {
    if (side === 0) this.merge.push(0, items as InputItem<CallEvent>[], morePending);
    else this.merge.push(1, items as InputItem<ComplaintReport>[], morePending);
    if (nextOffset > this.next[side]) this.next[side] = nextOffset;
    if (items.length > 0) this.idleFrom = this.idleBase = this.idleReached = null;
  }

  /** Feeds the engine whatever the merge releases, at most `max` records; returns how many were released. */
  release(now: number, max = Infinity): number {
    return this.merge.drain(
      now,
      (side, item) => {
        if (side === 0) this.onCall(item as InputItem<CallEvent>);
        else this.onComplaint(item as InputItem<ComplaintReport>);
      },
      max,
    );
  }

  /** Nothing held in the merge and neither stream known to have input beyond what was fetched. */
  caughtUp(): boolean {
    return this.merge.size(0) + this.merge.size(1) === 0 && !this.merge.isPending(0) && !this.merge.isPending(1);
  }

  /**
   * Event time of an idle partition follows the wall clock, but only while
   * it is caught up ({@link caughtUp}, and `fetching`: the caller's word
   * that neither stream is paused and the consumer is fetching): after
   * `idleMs` of such a quiet stretch the engine advances to the event time
   * at its start plus the wall-clock time since. Any lag ends the stretch
   * (a paused or lagging partition's input would otherwise become late);
   * the next stretch goes on from the point reached.
   */
  advanceIdle(now: number, idleMs: number, fetching: boolean): void {
    if (this.lastEventTime === null || !fetching || !this.caughtUp()) {
      if (this.idleFrom !== null) {
        this.idleBase = this.idleReached ?? this.idleBase;
        this.idleFrom = null;
      }
      return;
    }
    this.idleFrom ??= now;
    this.idleBase ??= this.lastEventTime;
    const quiet = now - this.idleFrom;
    if (quiet < idleMs) return;
    this.idleReached = this.idleBase + quiet;
    this.engineRef.advanceTo(this.idleReached);
  }

  /** Takes the flags raised since the last take (for immediate emission). */
  takeFlags(): FlagEvent[] {
    const out = this.flags;
    if (out.length > 0) this.flags = [];
    return out;
  }

  /**
   * Takes the flags whose fate the lane is to look up without emitting them
   * (hand them to it with the flags of {@link takeFlags}): flags recomputed
   * below `suppressBelow`, and undecided flags of a restored snapshot.
   */
  takeLookups(): UndecidedFlag[] {
    const out = this.lookups;
    if (out.length > 0) this.lookups = [];
    return out;
  }

  /**
   * The flag lane's word on flags of this partition: `kept` went out (or
   * were on the topic already), `dismissed` were dropped as evidence an
   * investigator dismissed. Only kept flags make a number's calls flagged
   * calls in provider_hour; calls waiting for the word are counted now.
   */
  decideFlags(kept: readonly string[], dismissed: readonly string[]): void {
    this.aggregates.decideFlags(kept, dismissed);
  }

  /** Flags raised and not yet taken. */
  get flagsWaiting(): number {
    return this.flags.length;
  }

  /**
   * provider_hour rows changed since the last cut or take: a checkpoint takes
   * those its lane drain completed (calls that waited for the lane's word).
   */
  takeProviderRows(): ProviderHourRow[] {
    return this.aggregates.takeProviderRows();
  }

  /** Takes the outputs produced so far, with the positions they cover. */
  cut(): TaskCut {
    const out: TaskCut = { partition: this.partition, flags: this.flags, lookups: this.lookups, dlq: this.dlq, rows: this.aggregates.takeChanged(), positions: this.positions() };
    this.flags = [];
    this.lookups = [];
    this.dlq = [];
    this.sinceCut = 0;
    // Complaints' cells stay until the engine's complaint horizon: it accepts one that far behind the watermark.
    this.aggregates.evict(this.engineRef.watermark, this.engineRef.complaintHorizon);
    return out;
  }

  /** A copy of the state as of {@link positions} (call right after {@link cut} so pending changes are accounted). */
  snapshot(now: number): PartitionSnapshot {
    return {
      partition: this.partition,
      positions: this.positions(),
      epochs: this.epochs,
      lastEventTime: this.lastEventTime,
      engine: this.engineRef.snapshot(),
      aggregates: this.aggregates.exportState(),
      takenAt: now,
    };
  }

  /**
   * A snapshot of where this task started, when it started from the empty
   * state (null otherwise): valid at any time, since it records the state at
   * the task's epochs, and nearly free to take and store (no engine copy).
   * It lets a fresh partition's offsets be committed before its first full
   * snapshot; a restart from it reads the partition again from the epochs.
   */
  freshSnapshot(now: number): PartitionSnapshot | null {
    if (!this.fresh) return null;
    return { partition: this.partition, positions: { ...this.epochs }, epochs: this.epochs, lastEventTime: null, engine: null, aggregates: null, takenAt: now };
  }

  private onCall(item: InputItem<CallEvent>): void {
    const e = item.record;
    if (e === null) {
      this.stats.invalid[0]++;
      this.dlq.push({ side: 0, partition: this.partition, message: item.message, error: item.error ?? 'unusable' });
      return;
    }
    const r = this.engineRef.onCall(e);
    if (r === 'accepted') {
      this.stats.accepted[0]++;
      this.sinceCut++;
      if (this.lastEventTime === null || e.startTime > this.lastEventTime) this.lastEventTime = e.startTime;
      this.aggregates.onCall(e, item.offset);
      this.contact?.(e.callee, e.caller, e.startTime);
    } else if (r === 'late') {
      this.stats.late[0]++;
      this.dlq.push({ side: 0, partition: this.partition, message: item.message, error: lateError(e.startTime, this.engineRef.watermark) });
    } else {
      this.stats.duplicate[0]++;
    }
    this.collectFlags(0, item.offset);
  }

  private onComplaint(item: InputItem<ComplaintReport>): void {
    const c = item.record;
    if (c === null) {
      this.stats.invalid[1]++;
      this.dlq.push({ side: 1, partition: this.partition, message: item.message, error: item.error ?? 'unusable' });
      return;
    }
    const r = this.engineRef.onComplaint(c);
    if (r === 'accepted') {
      this.stats.accepted[1]++;
      this.sinceCut++;
      if (this.lastEventTime === null || c.reportTime > this.lastEventTime) this.lastEventTime = c.reportTime;
      this.aggregates.onComplaint(c, item.offset);
    } else if (r === 'late') {
      this.stats.late[1]++;
      this.dlq.push({ side: 1, partition: this.partition, message: item.message, error: lateError(c.reportTime, this.engineRef.watermark, 'complaint') });
    } else {
      this.stats.duplicate[1]++;
    }
    this.collectFlags(1, item.offset);
  }

  private collectFlags(side: Side, offset: number): void {
    const flags = this.engineRef.drainFlags();
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i];
      this.aggregates.onFlag(f);
      if (offset >= this.suppressBelow[side]) {
        this.flags.push(f);
        this.stats.flags++;
      } else {
        // Not emitted again; whether it went out the first time (or was dropped as dismissed) is looked up.
        if (f.severity !== 'WATCH') this.lookups.push(f);
        this.stats.suppressed++;
      }
    }
  }
}

function lateError(t: number, watermark: number, what: 'call' | 'complaint' = 'call'): string {
  const by = what === 'call' ? '' : ' by more than the complaints window';
  return `late: event time ${new Date(t).toISOString()} is behind the partition watermark ${new Date(watermark).toISOString()} (max event time minus allowed lateness)${by}`;
}
