/**
 * `number_minute` rows, computed from the events a partition consumes: per
 * number per minute of event time (UTC), calls, answered, rejected, distinct
 * callees, talk seconds and complaints.
 *
 * Rows are cumulative for (number, minute, src) and carry as version the
 * highest source offset folded in (see schemas/clickhouse/002_number_minute.sql):
 * the same events in the same order give the same rows, so a retry or a
 * replay after a crash replaces rows instead of adding to them. A cell is
 * kept until the owner's eviction horizon has passed its minute (for calls the
 * watermark, for complaints the watermark minus the complaints window: no
 * event the engine accepts can reach it any more) and its last change has been
 * taken. A minute once closed stays closed: an event for it that still arrives
 * (the horizon moved back, e.g. the allowed lateness was raised) is not
 * counted ({@link NumberMinuteAggregate.closedDropped}), since a new cell
 * holding only it would replace the fuller row already written.
 *
 * Cells are kept in typed-array columns, not as objects (minute-cells.ts):
 * numbers are held as their E.164 digits (shared/numbers/key.ts), so the
 * inputs must be normalised, as the detector's decoder makes them.
 */
import { ClosedHorizon } from './buckets.ts';
import { CellColumns, MinuteIndex } from './minute-cells.ts';
import type { NumberMinuteRow } from '../../../shared/clickhouse/index.ts';
import type { CallOutcome } from '../../../shared/contracts/records.ts';
import { fromNumberKey, numberKey } from '../../../shared/numbers/key.ts';

const MINUTE_MS = 60_000;

/** JSON form of a cell in a snapshot. */
interface CellState {
  number: string;
  minute: number;
  calls: number;
  answered: number;
  rejected: number;
  callees: string[];
  talkSeconds: number;
  complaints: number;
  version: number;
}

/** The facts of a call that the minute rows need (numbers normalised to E.164). */
export interface MinuteCall {
  caller: string;
  callee: string;
  startTime: number;
  answerTime: number | null;
  endTime: number;
  outcome: CallOutcome;
}

/** Cumulative per-(number, minute) counts of one source (a topic partition). */
export class NumberMinuteAggregate {
  /** The cells' fields (minute-cells.ts: columns, not objects). */
  private readonly col = new CellColumns();
  /** minute (epoch s) → its cells. */
  private readonly minutes = new Map<number, MinuteIndex>();
  /** Cells changed since the last take, in the order of their first change. */
  private changed: number[] = [];
  private cells = 0;
  private lastMinute = -1;
  private lastIndex: MinuteIndex | null = null;
  private readonly closed = new ClosedHorizon();

  /** @param src the `src` column: the source topic partition (and epoch) whose events build the rows. */
  constructor(readonly src: string) {}

  /** Events not counted because their minute was already closed. */
  get closedDropped(): number {
    return this.closed.dropped;
  }

  /** Number of cells held. */
  get size(): number {
    return this.cells;
  }

  /** Counts an accepted call against its caller's minute. */
  addCall(e: MinuteCall, offset: number): void {
    const c = this.cell(numberKey(e.caller), e.startTime);
    if (c < 0) return;
    const col = this.col;
    col.calls[c]++;
    if (e.outcome === 'ANSWERED') {
      col.answered[c]++;
      if (e.answerTime !== null) col.talkSeconds[c] += (e.endTime - e.answerTime) / 1000;
    } else if (e.outcome === 'REJECTED') {
      col.rejected[c]++;
    }
    col.addCallee(c, numberKey(e.callee));
    this.touch(c, offset);
  }

  /** Counts an accepted complaint against the reported number's minute. */
  addComplaint(reported: string, reportTime: number, offset: number): void {
    const c = this.cell(numberKey(reported), reportTime);
    if (c < 0) return;
    this.col.complaints[c]++;
    this.touch(c, offset);
  }

  /** Rows changed since the last call, as they stand now. */
  takeChanged(): NumberMinuteRow[] {
    const col = this.col;
    const rows: NumberMinuteRow[] = new Array<NumberMinuteRow>(this.changed.length);
    for (let i = 0; i < this.changed.length; i++) {
      const c = this.changed[i];
      col.changed[c] = 0;
      rows[i] = {
        number: fromNumberKey(col.key[c]),
        minute: col.minute[c],
        src: this.src,
        calls: col.calls[c],
        answered: col.answered[c],
        rejected: col.rejected[c],
        distinct_callees: col.distinctCallees(c),
        talk_seconds: col.talkSeconds[c],
        complaints: col.complaints[c],
        version: col.version[c],
      };
    }
    this.changed = [];
    return rows;
  }

  /**
   * Closes the minutes that ended at or before `horizonMs` (no accepted event can reach them any more) and drops
   * their cells whose last change was taken; returns how many.
   */
  evict(horizonMs: number): number {
    const horizon = this.closed.raise(horizonMs);
    const col = this.col;
    let n = 0;
    for (const [minute, index] of this.minutes) {
      if (minute * 1000 + MINUTE_MS > horizon) continue;
      let changed = 0;
      for (const c of index.cells) if (col.changed[c] !== 0) changed++;
      if (changed === 0) {
        // The usual case (rows are taken right before eviction): the minute goes whole.
        for (const c of index.cells) col.release(c);
        n += index.cells.length;
        this.minutes.delete(minute);
        if (minute === this.lastMinute) this.lastIndex = null;
        continue;
      }
      const before = index.cells.length;
      for (const c of index.cells) if (col.changed[c] === 0) col.release(c);
      index.retain((c) => col.changed[c] !== 0, col.key);
      n += before - index.cells.length;
    }
    this.cells -= n;
    return n;
  }

  /** JSON-safe copy of the cells (changed marks included). */
  exportState(): { cells: CellState[]; changed: number[]; closedBefore: number | null } {
    const col = this.col;
    const cells: CellState[] = [];
    const changed: number[] = [];
    for (const index of this.minutes.values()) {
      for (const c of index.cells) {
        if (col.changed[c] !== 0) changed.push(cells.length);
        cells.push({
          number: fromNumberKey(col.key[c]),
          minute: col.minute[c],
          calls: col.calls[c],
          answered: col.answered[c],
          rejected: col.rejected[c],
          callees: col.calleeKeys(c).map(fromNumberKey),
          talkSeconds: col.talkSeconds[c],
          complaints: col.complaints[c],
          version: col.version[c],
        });
      }
    }
    return { cells, changed, closedBefore: this.closed.exportState() };
  }

  /** Replaces the cells with a snapshot's. */
  importState(s: { cells: CellState[]; changed: number[]; closedBefore?: number | null }): void {
    const col = this.col;
    this.minutes.clear();
    col.clear();
    this.closed.importState(s.closedBefore);
    this.changed = [];
    this.cells = 0;
    this.lastMinute = -1;
    this.lastIndex = null;
    const ids = s.cells.map((x) => {
      const c = this.cellAt(numberKey(x.number), x.minute); // closed minutes too: their changed cells stay until taken
      col.calls[c] = x.calls;
      col.answered[c] = x.answered;
      col.rejected[c] = x.rejected;
      for (const callee of x.callees) col.addCallee(c, numberKey(callee));
      col.talkSeconds[c] = x.talkSeconds;
      col.complaints[c] = x.complaints;
      col.version[c] = x.version;
      return c;
    });
    for (const i of s.changed) {
      const c = ids[i];
      if (c !== undefined && col.changed[c] === 0) {
        col.changed[c] = 1;
        this.changed.push(c);
      }
    }
  }

  /** The cell of `key` at `t`, created when missing; -1 when that minute is closed. */
  private cell(key: number, t: number): number {
    const minute = Math.floor(t / MINUTE_MS) * 60;
    if (this.closed.refuses(minute, MINUTE_MS)) return -1;
    return this.cellAt(key, minute);
  }

  /** The cell of `key` at `minute` (epoch s), created when missing. */
  private cellAt(key: number, minute: number): number {
    let index = minute === this.lastMinute ? this.lastIndex : null;
    if (index === null) {
      index = this.minutes.get(minute) ?? null;
      if (index === null) this.minutes.set(minute, (index = new MinuteIndex()));
      this.lastMinute = minute;
      this.lastIndex = index;
    }
    const col = this.col;
    let c = index.find(key, col.key);
    if (c < 0) {
      c = col.alloc(key, minute);
      index.insert(c, col.key);
      this.cells++;
    }
    return c;
  }

  private touch(c: number, offset: number): void {
    const col = this.col;
    if (offset > col.version[c]) col.version[c] = offset;
    if (col.changed[c] === 0) {
      col.changed[c] = 1;
      this.changed.push(c);
    }
  }
}
