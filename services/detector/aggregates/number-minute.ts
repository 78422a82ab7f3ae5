/**
 * `number_minute` rows, computed from the events a partition consumes: per
 * number per minute of event time (UTC), calls, answered, rejected, distinct
 * callees, talk seconds and complaints.
 *
 * Rows are cumulative for (number, minute, src) and carry as version the
 * highest source offset folded in (see schemas/clickhouse/002_number_minute.sql):
 * the same events in the same order give the same rows, so a retry or a
 * replay after a crash replaces rows instead of adding to them. A cell is
 * kept until the watermark has passed its minute (no event can reach it any
 * more) and its last change has been taken.
 */
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
  callees: Set<string>;
  talkSeconds: number;
  complaints: number;
  version: number;
}

/** JSON form of a cell in a snapshot. */
type CellState = Omit<Cell, 'callees'> & { callees: string[] };

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
  private readonly cells = new Map<string, Cell>();
  private readonly changed = new Set<Cell>();

  /** @param src the `src` column: the source topic partition (and epoch) whose events build the rows. */
  constructor(readonly src: string) {}

  /** Number of cells held. */
  get size(): number {
    return this.cells.size;
  }

  /** Counts an accepted call against its caller's minute. */
  addCall(e: MinuteCall, offset: number): void {
    const c = this.cell(e.caller, e.startTime);
    c.calls++;
    if (e.outcome === 'ANSWERED') {
      c.answered++;
      if (e.answerTime !== null) c.talkSeconds += (e.endTime - e.answerTime) / 1000;
    } else if (e.outcome === 'REJECTED') {
      c.rejected++;
    }
    c.callees.add(e.callee);
    this.touch(c, offset);
  }

  /** Counts an accepted complaint against the reported number's minute. */
  addComplaint(reported: string, reportTime: number, offset: number): void {
    const c = this.cell(reported, reportTime);
    c.complaints++;
    this.touch(c, offset);
  }

  /** Rows changed since the last call, as they stand now. */
  takeChanged(): NumberMinuteRow[] {
    const rows: NumberMinuteRow[] = [];
    for (const c of this.changed) {
      rows.push({
        number: c.number,
        minute: c.minute,
        src: this.src,
        calls: c.calls,
        answered: c.answered,
        rejected: c.rejected,
        distinct_callees: c.callees.size,
        talk_seconds: c.talkSeconds,
        complaints: c.complaints,
        version: c.version,
      });
    }
    this.changed.clear();
    return rows;
  }

  /** Drops cells whose minute ended at or before `watermarkMs` and whose last change was taken; returns how many. */
  evict(watermarkMs: number): number {
    let n = 0;
    for (const [k, c] of this.cells) {
      if (c.minute * 1000 + MINUTE_MS <= watermarkMs && !this.changed.has(c)) {
        this.cells.delete(k);
        n++;
      }
    }
    return n;
  }

  /** JSON-safe copy of the cells (changed marks included). */
  exportState(): { cells: CellState[]; changed: number[] } {
    const cells: CellState[] = [];
    const changed: number[] = [];
    for (const c of this.cells.values()) {
      if (this.changed.has(c)) changed.push(cells.length);
      cells.push({ ...c, callees: [...c.callees] });
    }
    return { cells, changed };
  }

  /** Replaces the cells with a snapshot's. */
  importState(s: { cells: CellState[]; changed: number[] }): void {
    this.cells.clear();
    this.changed.clear();
    const list: Cell[] = s.cells.map((c) => ({ ...c, callees: new Set(c.callees) }));
    for (const c of list) this.cells.set(key(c.number, c.minute), c);
    for (const i of s.changed) if (list[i]) this.changed.add(list[i]);
  }

  private cell(number: string, t: number): Cell {
    const minute = Math.floor(t / MINUTE_MS) * 60;
    const k = key(number, minute);
    let c = this.cells.get(k);
    if (!c) {
      c = { number, minute, calls: 0, answered: 0, rejected: 0, callees: new Set(), talkSeconds: 0, complaints: 0, version: 0 };
      this.cells.set(k, c);
    }
    return c;
  }

  private touch(c: Cell, offset: number): void {
    if (offset > c.version) c.version = offset;
    this.changed.add(c);
  }
}

function key(number: string, minute: number): string {
  return `${number}|${minute}`;
}
