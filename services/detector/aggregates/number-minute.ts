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
 */
import { ClosedHorizon, evictClosed } from './buckets.ts';
import type { NumberMinuteRow } from '../../../shared/clickhouse/index.ts';
import type { CallOutcome } from '../../../shared/contracts/records.ts';

const MINUTE_MS = 60_000;

interface Cell {
  number: string;
  /** Start of the minute, epoch seconds. */
  minute: number;
  calls: number;
  answered: number;
  rejected: number;
  /** The first callee, and a set only once a second distinct one appears (most cells have one). */
  callee: string | null;
  callees: Set<string> | null;
  talkSeconds: number;
  complaints: number;
  version: number;
  changed: boolean;
}

/** JSON form of a cell in a snapshot. */
type CellState = Omit<Cell, 'callees' | 'callee' | 'changed'> & { callees: string[] };

/** The facts of a call that the minute rows need (numbers normalised). */
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
  /** minute (epoch s) → number → cell. */
  private readonly minutes = new Map<number, Map<string, Cell>>();
  private changed: Cell[] = [];
  private cells = 0;
  private lastMinute = -1;
  private lastMap: Map<string, Cell> | null = null;
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
    const c = this.cell(e.caller, e.startTime);
    if (c === null) return;
    c.calls++;
    if (e.outcome === 'ANSWERED') {
      c.answered++;
      if (e.answerTime !== null) c.talkSeconds += (e.endTime - e.answerTime) / 1000;
    } else if (e.outcome === 'REJECTED') {
      c.rejected++;
    }
    if (c.callee === null) c.callee = e.callee;
    else if (c.callee !== e.callee) (c.callees ??= new Set([c.callee])).add(e.callee);
    this.touch(c, offset);
  }

  /** Counts an accepted complaint against the reported number's minute. */
  addComplaint(reported: string, reportTime: number, offset: number): void {
    const c = this.cell(reported, reportTime);
    if (c === null) return;
    c.complaints++;
    this.touch(c, offset);
  }

  /** Rows changed since the last call, as they stand now. */
  takeChanged(): NumberMinuteRow[] {
    const rows: NumberMinuteRow[] = new Array(this.changed.length);
    for (let i = 0; i < this.changed.length; i++) {
      const c = this.changed[i];
      c.changed = false;
      rows[i] = {
        number: c.number,
        minute: c.minute,
        src: this.src,
        calls: c.calls,
        answered: c.answered,
        rejected: c.rejected,
        distinct_callees: distinct(c),
        talk_seconds: c.talkSeconds,
        complaints: c.complaints,
        version: c.version,
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
    const n = evictClosed(this.minutes, MINUTE_MS, this.closed.raise(horizonMs), (minute) => {
      if (minute === this.lastMinute) this.lastMap = null;
    });
    this.cells -= n;
    return n;
  }

  /** JSON-safe copy of the cells (changed marks included). */
  exportState(): { cells: CellState[]; changed: number[]; closedBefore: number | null } {
    const cells: CellState[] = [];
    const changed: number[] = [];
    for (const m of this.minutes.values()) {
      for (const c of m.values()) {
        if (c.changed) changed.push(cells.length);
        cells.push({
          number: c.number,
          minute: c.minute,
          calls: c.calls,
          answered: c.answered,
          rejected: c.rejected,
          callees: c.callees ? [...c.callees] : c.callee === null ? [] : [c.callee],
          talkSeconds: c.talkSeconds,
          complaints: c.complaints,
          version: c.version,
        });
      }
    }
    return { cells, changed, closedBefore: this.closed.exportState() };
  }

  /** Replaces the cells with a snapshot's. */
  importState(s: { cells: CellState[]; changed: number[]; closedBefore?: number | null }): void {
    this.minutes.clear();
    this.closed.importState(s.closedBefore);
    this.changed = [];
    this.cells = 0;
    this.lastMinute = -1;
    this.lastMap = null;
    const list: Cell[] = s.cells.map((c) => ({
      ...c,
      callee: c.callees[0] ?? null,
      callees: c.callees.length > 1 ? new Set(c.callees) : null,
      changed: false,
    }));
    for (const c of list) {
      let m = this.minutes.get(c.minute);
      if (!m) this.minutes.set(c.minute, (m = new Map()));
      m.set(c.number, c);
      this.cells++;
    }
    for (const i of s.changed) {
      const c = list[i];
      if (c && !c.changed) {
        c.changed = true;
        this.changed.push(c);
      }
    }
  }

  /** The cell of `number` at `t`, created when missing; null when that minute is closed. */
  private cell(number: string, t: number): Cell | null {
    const minute = Math.floor(t / MINUTE_MS) * 60;
    if (this.closed.refuses(minute, MINUTE_MS)) return null;
    let m = minute === this.lastMinute ? this.lastMap : null;
    if (m === null) {
      m = this.minutes.get(minute) ?? null;
      if (m === null) this.minutes.set(minute, (m = new Map()));
      this.lastMinute = minute;
      this.lastMap = m;
    }
    let c = m.get(number);
    if (!c) {
      c = { number, minute, calls: 0, answered: 0, rejected: 0, callee: null, callees: null, talkSeconds: 0, complaints: 0, version: 0, changed: false };
      m.set(number, c);
      this.cells++;
    }
    return c;
  }

  private touch(c: Cell, offset: number): void {
    if (offset > c.version) c.version = offset;
    if (!c.changed) {
      c.changed = true;
      this.changed.push(c);
    }
  }
}

function distinct(c: Cell): number {
  return c.callees ? c.callees.size : c.callee === null ? 0 : 1;
}
