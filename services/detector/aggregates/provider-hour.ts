/**
 * `provider_hour` rows, computed from the calls a partition consumes: per
 * access provider per hour of event time (UTC), calls, calls made by
 * numbers flagged at LABEL or above, and how many such numbers called.
 *
 * "Flagged" means: this partition's engine flagged the caller at LABEL or
 * above no more than `flaggedForMs` of event time before the call, in
 * processing order (the flag raised by a call counts from the next call
 * on), and not after it: a call placed before the flag but delivered after
 * it (within the allowed lateness) is not a flagged call. Rows are cumulative for (access_provider, hour, src) with the
 * highest source offset as version, like number_minute (see
 * schemas/clickhouse/003_provider_hour.sql). A null provider is ''. An
 * hour once closed by {@link ProviderHourAggregate.evict} stays closed: a call
 * for it that still arrives (the watermark moved back, e.g. the allowed
 * lateness was raised) is not counted, since a new cell holding only it would
 * replace the fuller row already written.
 */
import { ClosedHorizon, evictClosed } from './buckets.ts';
import type { ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import type { Severity } from '../../../shared/contracts/records.ts';

const HOUR_MS = 3_600_000;

interface Cell {
  provider: string;
  /** Start of the hour, epoch seconds. */
  hour: number;
  calls: number;
  flaggedCalls: number;
  flaggedNumbers: Set<string> | null;
  version: number;
  changed: boolean;
}

type CellState = Omit<Cell, 'flaggedNumbers' | 'changed'> & { flaggedNumbers: string[] };

/** Cumulative per-(provider, hour) counts of one source (a calls topic partition). */
export class ProviderHourAggregate {
  /** hour (epoch s) → provider → cell. */
  private readonly hours = new Map<number, Map<string, Cell>>();
  private changed: Cell[] = [];
  private cells = 0;
  /** Flagged number → event times of its LABEL-or-above flags still within `flaggedForMs` of the watermark (a few). */
  private readonly flagged = new Map<string, number[]>();
  /** The cell of the latest call (most calls fall into the hour and provider of the one before). */
  private last: Cell | null = null;
  private readonly closed = new ClosedHorizon();

  /**
   * @param src the `src` column (source topic partition and epoch).
   * @param flaggedForMs how long after a flag the number's calls count as flagged calls (default 24 h).
   */
  constructor(
    readonly src: string,
    private readonly flaggedForMs = 24 * HOUR_MS,
  ) {}

  /** Number of cells held. */
  get size(): number {
    return this.cells;
  }

  /** Calls not counted because their hour was already closed. */
  get closedDropped(): number {
    return this.closed.dropped;
  }

  /** Notes a flag the engine raised; WATCH flags do not make a number flagged. */
  noteFlag(number: string, severity: Severity, detectedAt: number): void {
    if (severity === 'WATCH') return;
    const times = this.flagged.get(number);
    if (times === undefined) this.flagged.set(number, [detectedAt]);
    else if (!times.includes(detectedAt)) times.push(detectedAt);
  }

  /** Counts an accepted call. */
  addCall(caller: string, provider: string | null, startTime: number, offset: number): void {
    const p = provider ?? '';
    const hour = Math.floor(startTime / HOUR_MS) * 3600;
    if (this.closed.refuses(hour, HOUR_MS)) return;
    let c = this.last;
    if (c === null || c.hour !== hour || c.provider !== p) {
      let m = this.hours.get(hour);
      if (!m) this.hours.set(hour, (m = new Map()));
      c = m.get(p) ?? null;
      if (c === null) {
        c = { provider: p, hour, calls: 0, flaggedCalls: 0, flaggedNumbers: null, version: 0, changed: false };
        m.set(p, c);
        this.cells++;
      }
      this.last = c;
    }
    c.calls++;
    if (this.flagged.size > 0) {
      const times = this.flagged.get(caller);
      if (times !== undefined && times.some((f) => f <= startTime && startTime - f <= this.flaggedForMs)) {
        c.flaggedCalls++;
        (c.flaggedNumbers ??= new Set()).add(caller);
      }
    }
    if (offset > c.version) c.version = offset;
    if (!c.changed) {
      c.changed = true;
      this.changed.push(c);
    }
  }

  /** Rows changed since the last call, as they stand now. */
  takeChanged(): ProviderHourRow[] {
    const rows: ProviderHourRow[] = this.changed.map((c) => {
      c.changed = false;
      return {
        access_provider: c.provider,
        hour: c.hour,
        src: this.src,
        calls: c.calls,
        flagged_calls: c.flaggedCalls,
        flagged_numbers: c.flaggedNumbers?.size ?? 0,
        version: c.version,
      };
    });
    this.changed = [];
    return rows;
  }

  /** Drops closed hours already taken, and flags too old to matter at `watermarkMs`; returns cells dropped. */
  evict(watermarkMs: number): number {
    const n = evictClosed(this.hours, HOUR_MS, this.closed.raise(watermarkMs));
    this.cells -= n;
    if (n > 0) this.last = null; // it may have been dropped
    for (const [num, times] of this.flagged) {
      const live = times.filter((t) => watermarkMs - t <= this.flaggedForMs);
      if (live.length === 0) this.flagged.delete(num);
      else if (live.length < times.length) this.flagged.set(num, live);
    }
    return n;
  }

  /** JSON-safe copy of the state. */
  exportState(): { cells: CellState[]; changed: number[]; flagged: [string, number[]][]; closedBefore: number | null } {
    const cells: CellState[] = [];
    const changed: number[] = [];
    for (const m of this.hours.values()) {
      for (const c of m.values()) {
        if (c.changed) changed.push(cells.length);
        cells.push({ provider: c.provider, hour: c.hour, calls: c.calls, flaggedCalls: c.flaggedCalls, flaggedNumbers: c.flaggedNumbers ? [...c.flaggedNumbers] : [], version: c.version });
      }
    }
    return { cells, changed, flagged: [...this.flagged].map(([n, times]) => [n, [...times]]), closedBefore: this.closed.exportState() };
  }

  /** Replaces the state with a snapshot's (older snapshots hold one flag time per number). */
  importState(s: { cells: CellState[]; changed: number[]; flagged: [string, number | number[]][]; closedBefore?: number | null }): void {
    this.hours.clear();
    this.closed.importState(s.closedBefore);
    this.changed = [];
    this.cells = 0;
    this.last = null;
    this.flagged.clear();
    const list: Cell[] = s.cells.map((c) => ({ ...c, flaggedNumbers: c.flaggedNumbers.length > 0 ? new Set(c.flaggedNumbers) : null, changed: false }));
    for (const c of list) {
      let m = this.hours.get(c.hour);
      if (!m) this.hours.set(c.hour, (m = new Map()));
      m.set(c.provider, c);
      this.cells++;
    }
    for (const i of s.changed) {
      const c = list[i];
      if (c && !c.changed) {
        c.changed = true;
        this.changed.push(c);
      }
    }
    for (const [num, t] of s.flagged) this.flagged.set(num, Array.isArray(t) ? [...t] : [t]);
  }
}
