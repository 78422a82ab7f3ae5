/**
 * The aggregates of one partition pair (calls p, complaints p): number
 * minutes from calls, number minutes from complaints (their own src), and
 * provider hours from calls, fed in processing order.
 */
import type { NumberMinuteRow, ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import type { CallEvent, ComplaintReport, FlagEvent } from '../../../shared/contracts/records.ts';
import { NumberMinuteAggregate } from './number-minute.ts';
import { ProviderHourAggregate, type UndecidedFlag } from './provider-hour.ts';

/** Rows changed since the last take. */
export interface AggregateRows {
  numberMinute: NumberMinuteRow[];
  providerHour: ProviderHourRow[];
}

/** Everything one partition aggregates. */
export class PartitionAggregates {
  private readonly callMinutes: NumberMinuteAggregate;
  private readonly complaintMinutes: NumberMinuteAggregate;
  private readonly providerHours: ProviderHourAggregate;

  /** @param src the `src` values: calls partition and complaints partition (with their epochs). */
  constructor(src: { calls: string; complaints: string }) {
    this.callMinutes = new NumberMinuteAggregate(src.calls);
    this.complaintMinutes = new NumberMinuteAggregate(src.complaints);
    this.providerHours = new ProviderHourAggregate(src.calls);
  }

  /** Cells held, for metrics. */
  get size(): number {
    return this.callMinutes.size + this.complaintMinutes.size + this.providerHours.size;
  }

  /** An accepted call at `offset` of the calls partition. */
  onCall(e: CallEvent, offset: number): void {
    this.callMinutes.addCall(e, offset);
    this.providerHours.addCall(e.caller, e.accessProvider, e.startTime, offset);
  }

  /** An accepted complaint at `offset` of the complaints partition. */
  onComplaint(c: ComplaintReport, offset: number): void {
    this.complaintMinutes.addComplaint(c.reported, c.reportTime, offset);
  }

  /**
   * A flag the engine raised (suppressed re-emissions included: they rebuild
   * the same state): undecided until the flag lane tells whether it was
   * kept or dropped as dismissed ({@link decideFlags}).
   */
  onFlag(f: FlagEvent): void {
    this.providerHours.noteUndecided(f);
  }

  /** The flag lane's word on flags: those kept (emitted, or already on the topic) and those dropped as dismissed. */
  decideFlags(kept: readonly string[], dismissed: readonly string[]): void {
    for (const id of kept) this.providerHours.decide(id, true);
    for (const id of dismissed) this.providerHours.decide(id, false);
  }

  /** Flags noted and not decided yet. */
  undecidedFlags(): UndecidedFlag[] {
    return this.providerHours.undecidedFlags();
  }

  /** Calls waiting in their provider_hour cells for the lane's word on flags (and those behind them). */
  get waitingCalls(): number {
    return this.providerHours.waiting;
  }

  /** How many flags are noted and not decided yet. */
  get undecidedCount(): number {
    return this.providerHours.undecidedCount;
  }

  /** provider_hour rows changed since the last take (the number_minute ones stay for the next). */
  takeProviderRows(): ProviderHourRow[] {
    return this.providerHours.takeChanged();
  }

  /** Rows changed since the last take. */
  takeChanged(): AggregateRows {
    return {
      numberMinute: [...this.callMinutes.takeChanged(), ...this.complaintMinutes.takeChanged()],
      providerHour: this.providerHours.takeChanged(),
    };
  }

  /**
   * Releases closed, already-taken cells: calls' cells behind the watermark, complaints' cells behind
   * `complaintsHorizonMs` (the engine accepts a complaint up to the complaints window behind the watermark,
   * and its minute's cell must still be there then).
   */
  evict(watermarkMs: number, complaintsHorizonMs: number): void {
    this.callMinutes.evict(watermarkMs);
    this.complaintMinutes.evict(complaintsHorizonMs);
    this.providerHours.evict(watermarkMs);
  }

  /** Events not counted because their minute or hour had already been closed (the horizon moved back). */
  get closedDropped(): number {
    return this.callMinutes.closedDropped + this.complaintMinutes.closedDropped + this.providerHours.closedDropped;
  }

  /** JSON-safe state for snapshots. */
  exportState(): unknown {
    return { calls: this.callMinutes.exportState(), complaints: this.complaintMinutes.exportState(), providers: this.providerHours.exportState() };
  }

  /** Restores {@link exportState}'s output. */
  importState(s: unknown): void {
    const st = s as {
      calls: Parameters<NumberMinuteAggregate['importState']>[0];
      complaints: Parameters<NumberMinuteAggregate['importState']>[0];
      providers: Parameters<ProviderHourAggregate['importState']>[0];
    };
    this.callMinutes.importState(st.calls);
    this.complaintMinutes.importState(st.complaints);
    this.providerHours.importState(st.providers);
  }
}
