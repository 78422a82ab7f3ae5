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
 *
 * Only flags that went out count. The engine's flags pass the flag lane,
 * which drops those whose evidence an investigator dismissed; such a flag
 * never reaches the flags topic nor the `flags` table, and its number's
 * calls are not flagged calls. So a flag is noted *undecided*
 * ({@link ProviderHourAggregate.noteUndecided}) until the lane says whether it
 * was kept (emitted, or found on the topic) or dismissed
 * ({@link ProviderHourAggregate.decide}). A call whose being flagged depends
 * only on undecided flags waits in its cell, and every later call of that
 * cell waits behind it, until those flags are decided: a cell's counts are
 * always those of a prefix of its calls, each call counted as it finally is,
 * so the row written for a version is the same whenever the decisions come,
 * and after a restart from a snapshot (which holds the undecided flags and
 * the waiting calls) — at most later.
 */
import { ClosedHorizon, evictClosed } from './buckets.ts';
import type { ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import type { FlagEvent, Severity } from '../../../shared/contracts/records.ts';

const HOUR_MS = 3_600_000;

/**
 * How long after a flag's `detectedAt` its number's calls count as flagged
 * calls (docs/detector.md, Aggregates): a call at startTime s is flagged by a
 * flag detected at d when d <= s and s - d <= FLAGGED_FOR_MS. `investigate
 * seed` (services/investigator/seed) folds calls with the same window.
 */
export const FLAGGED_FOR_MS = 24 * HOUR_MS;

/** What the aggregate keeps of a flag the lane has not decided yet: enough to look its fate up again after a restart. */
export type UndecidedFlag = Pick<FlagEvent, 'flagId' | 'number' | 'severity' | 'windowStart' | 'windowEnd' | 'detectedAt'>;

/** A call waiting in its cell: flagged or not, or (`waits`) waiting for the undecided flags it would be flagged by. */
interface Waiting {
  cell: Cell;
  caller: string;
  offset: number;
  flagged: boolean;
  /** Undecided flags that would make it a flagged call; null once known (then `flagged` says). */
  waits: string[] | null;
}

interface Cell {
  provider: string;
  /** Start of the hour, epoch seconds. */
  hour: number;
  calls: number;
  flaggedCalls: number;
  flaggedNumbers: Set<string> | null;
  version: number;
  changed: boolean;
  /** Calls not counted yet, in processing order, the first waiting for undecided flags (null: none). */
  queue: Waiting[] | null;
}

/** A number's flag: its time, and its id while undecided (null: kept). */
interface Noted {
  t: number;
  id: string | null;
}

/** A waiting call in a snapshot: caller, offset, flagged (0/1), undecided flags it waits for (null: known). */
type WaitingState = [string, number, number, string[] | null];
type CellState = Omit<Cell, 'flaggedNumbers' | 'changed' | 'queue'> & { flaggedNumbers: string[]; queue?: WaitingState[] };

/** Cumulative per-(provider, hour) counts of one source (a calls topic partition). */
export class ProviderHourAggregate {
  /** hour (epoch s) → provider → cell. */
  private readonly hours = new Map<number, Map<string, Cell>>();
  private changed: Cell[] = [];
  private cells = 0;
  /** Flagged number → its LABEL-or-above flags still within `flaggedForMs` of the watermark (a few), kept or undecided. */
  private readonly flagged = new Map<string, Noted[]>();
  /** Flags noted but not decided yet, by flagId. */
  private readonly undecided = new Map<string, UndecidedFlag>();
  /** Undecided flagId → the waiting calls it would make flagged calls. */
  private readonly waitingFor = new Map<string, Waiting[]>();
  /** Calls in the cells' queues (kept as a count: the backpressure and the metrics read it every tick). */
  private queued = 0;
  /** The cell of the latest call (most calls fall into the hour and provider of the one before). */
  private last: Cell | null = null;
  private readonly closed = new ClosedHorizon();

  /**
   * @param src the `src` column (source topic partition and epoch).
   * @param flaggedForMs how long after a flag the number's calls count as flagged calls (default {@link FLAGGED_FOR_MS}, 24 h).
   */
  constructor(
    readonly src: string,
    private readonly flaggedForMs = FLAGGED_FOR_MS,
  ) {}

  /** Number of cells held. */
  get size(): number {
    return this.cells;
  }

  /** Calls not counted because their hour was already closed. */
  get closedDropped(): number {
    return this.closed.dropped;
  }

  /** Notes a flag known to have gone out (kept); WATCH flags do not make a number flagged. */
  noteFlag(number: string, severity: Severity, detectedAt: number): void {
    if (severity === 'WATCH') return;
    const noted = this.flagged.get(number);
    if (noted === undefined) this.flagged.set(number, [{ t: detectedAt, id: null }]);
    else if (!noted.some((n) => n.id === null && n.t === detectedAt)) noted.push({ t: detectedAt, id: null });
  }

  /**
   * Notes a flag the engine raised whose fate the flag lane has not told yet
   * ({@link decide}); WATCH flags do not make a number flagged.
   */
  noteUndecided(f: UndecidedFlag): void {
    if (f.severity === 'WATCH' || this.undecided.has(f.flagId)) return;
    this.undecided.set(f.flagId, { flagId: f.flagId, number: f.number, severity: f.severity, windowStart: f.windowStart, windowEnd: f.windowEnd, detectedAt: f.detectedAt });
    const noted = this.flagged.get(f.number);
    if (noted === undefined) this.flagged.set(f.number, [{ t: f.detectedAt, id: f.flagId }]);
    else noted.push({ t: f.detectedAt, id: f.flagId });
  }

  /** The flags noted and not decided yet (to be looked up again after a restart from a snapshot). */
  undecidedFlags(): UndecidedFlag[] {
    return [...this.undecided.values()];
  }

  /**
   * The flag lane's word on a flag: `kept` (it went out, or was already on
   * the topic) or dismissed (dropped as dismissed evidence: it never went
   * out and makes no flagged calls). Calls waiting for it are counted as far
   * as nothing undecided holds them. Unknown or already decided ids are ignored.
   */
  decide(flagId: string, kept: boolean): void {
    const f = this.undecided.get(flagId);
    if (f === undefined) return;
    this.undecided.delete(flagId);
    const noted = this.flagged.get(f.number);
    if (noted !== undefined) {
      const i = noted.findIndex((n) => n.id === flagId);
      if (i >= 0) {
        if (!kept || noted.some((n) => n.id === null && n.t === noted[i].t)) noted.splice(i, 1);
        else noted[i].id = null;
        if (noted.length === 0) this.flagged.delete(f.number);
      }
    }
    const waiting = this.waitingFor.get(flagId);
    if (waiting === undefined) return;
    this.waitingFor.delete(flagId);
    const cells = new Set<Cell>();
    for (const w of waiting) {
      if (w.waits === null) continue;
      if (kept) {
        w.flagged = true;
        w.waits = null;
      } else {
        w.waits = w.waits.filter((id) => id !== flagId);
        if (w.waits.length === 0) w.waits = null;
      }
      if (w.waits === null) cells.add(w.cell);
    }
    for (const c of cells) this.flush(c);
  }

  /** Counts an accepted call. */
  addCall(caller: string, provider: string | null, startTime: number, offset: number): void {
    const p = provider ?? '';
    const hour = Math.floor(startTime / HOUR_MS) * 3600;
    if (this.closed.refuses(hour, HOUR_MS)) return;
    let c = this.last;
    if (c === null || c.hour !== hour || c.provider !== p) {
      let m = this.hours.get(hour);
      if (!m) this.hours.set(hour, (m = new Map<string, Cell>()));
      c = m.get(p) ?? null;
      if (c === null) {
        c = { provider: p, hour, calls: 0, flaggedCalls: 0, flaggedNumbers: null, version: 0, changed: false, queue: null };
        m.set(p, c);
        this.cells++;
      }
      this.last = c;
    }
    let flagged = false;
    let waits: string[] | null = null;
    if (this.flagged.size > 0) {
      const noted = this.flagged.get(caller);
      if (noted !== undefined) {
        for (const n of noted) {
          if (n.t > startTime || startTime - n.t > this.flaggedForMs) continue;
          if (n.id === null) {
            flagged = true;
            waits = null;
            break;
          }
          (waits ??= []).push(n.id);
        }
      }
    }
    if (c.queue === null && waits === null) {
      this.count(c, caller, offset, flagged);
      return;
    }
    const w: Waiting = { cell: c, caller, offset, flagged, waits };
    (c.queue ??= []).push(w);
    this.queued++;
    if (waits !== null) {
      for (const id of waits) {
        const list = this.waitingFor.get(id);
        if (list === undefined) this.waitingFor.set(id, [w]);
        else list.push(w);
      }
    }
  }

  /** Folds a call into its cell's counts. */
  private count(c: Cell, caller: string, offset: number, flagged: boolean): void {
    c.calls++;
    if (flagged) {
      c.flaggedCalls++;
      (c.flaggedNumbers ??= new Set()).add(caller);
    }
    if (offset > c.version) c.version = offset;
    if (!c.changed) {
      c.changed = true;
      this.changed.push(c);
    }
  }

  /** Counts the cell's waiting calls up to the first one still waiting for an undecided flag. */
  private flush(c: Cell): void {
    const q = c.queue;
    if (q === null) return;
    let i = 0;
    while (i < q.length && q[i].waits === null) {
      this.count(c, q[i].caller, q[i].offset, q[i].flagged);
      i++;
    }
    this.queued -= i;
    if (i === q.length) c.queue = null;
    else if (i > 0) q.splice(0, i);
  }

  /** Calls waiting in their cells for undecided flags (and those behind them). */
  get waiting(): number {
    return this.queued;
  }

  /** How many flags are noted and not decided yet. */
  get undecidedCount(): number {
    return this.undecided.size;
  }

  /** Rows changed since the last call, as they stand now (waiting calls not in them yet). */
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

  /**
   * Drops closed hours already taken (not a cell with calls still waiting),
   * and kept flags too old to matter at `watermarkMs`; returns cells dropped.
   */
  evict(watermarkMs: number): number {
    const n = evictClosed(this.hours, HOUR_MS, this.closed.raise(watermarkMs), (c) => c.queue !== null);
    this.cells -= n;
    if (n > 0) this.last = null; // it may have been dropped
    for (const [num, noted] of this.flagged) {
      // An undecided one stays until decided (a restart restores it from the undecided flags anyway).
      const live = noted.filter((x) => x.id !== null || watermarkMs - x.t <= this.flaggedForMs);
      if (live.length === 0) this.flagged.delete(num);
      else if (live.length < noted.length) this.flagged.set(num, live);
    }
    return n;
  }

  /** JSON-safe copy of the state. */
  exportState(): { cells: CellState[]; changed: number[]; flagged: [string, number[]][]; undecided: UndecidedFlag[]; closedBefore: number | null } {
    const cells: CellState[] = [];
    const changed: number[] = [];
    for (const m of this.hours.values()) {
      for (const c of m.values()) {
        if (c.changed) changed.push(cells.length);
        const s: CellState = { provider: c.provider, hour: c.hour, calls: c.calls, flaggedCalls: c.flaggedCalls, flaggedNumbers: c.flaggedNumbers ? [...c.flaggedNumbers] : [], version: c.version };
        if (c.queue !== null) s.queue = c.queue.map((w) => [w.caller, w.offset, w.flagged ? 1 : 0, w.waits ? [...w.waits] : null]);
        cells.push(s);
      }
    }
    const flagged: [string, number[]][] = [];
    for (const [n, noted] of this.flagged) {
      const kept = noted.filter((x) => x.id === null).map((x) => x.t);
      if (kept.length > 0) flagged.push([n, kept]);
    }
    return { cells, changed, flagged, undecided: this.undecidedFlags().map((f) => ({ ...f })), closedBefore: this.closed.exportState() };
  }

  /** Replaces the state with a snapshot's (older snapshots hold one flag time per number, and no undecided flags). */
  importState(s: { cells: CellState[]; changed: number[]; flagged: [string, number | number[]][]; undecided?: UndecidedFlag[]; closedBefore?: number | null }): void {
    this.hours.clear();
    this.closed.importState(s.closedBefore);
    this.changed = [];
    this.cells = 0;
    this.last = null;
    this.flagged.clear();
    this.undecided.clear();
    this.waitingFor.clear();
    this.queued = 0;
    const list: Cell[] = s.cells.map((c) => ({
      provider: c.provider,
      hour: c.hour,
      calls: c.calls,
      flaggedCalls: c.flaggedCalls,
      flaggedNumbers: c.flaggedNumbers.length > 0 ? new Set(c.flaggedNumbers) : null,
      version: c.version,
      changed: false,
      queue: null,
    }));
    s.cells.forEach((cs, i) => {
      const c = list[i];
      if (cs.queue === undefined || cs.queue.length === 0) return;
      this.queued += cs.queue.length;
      c.queue = cs.queue.map(([caller, offset, flagged, waits]) => {
        const w: Waiting = { cell: c, caller, offset, flagged: flagged === 1, waits: waits && waits.length > 0 ? [...waits] : null };
        for (const id of w.waits ?? []) {
          const l = this.waitingFor.get(id);
          if (l === undefined) this.waitingFor.set(id, [w]);
          else l.push(w);
        }
        return w;
      });
    });
    for (const c of list) {
      let m = this.hours.get(c.hour);
      if (!m) this.hours.set(c.hour, (m = new Map<string, Cell>()));
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
    for (const [num, t] of s.flagged) this.flagged.set(num, (Array.isArray(t) ? t : [t]).map((x) => ({ t: x, id: null })));
    for (const f of s.undecided ?? []) this.noteUndecided(f);
  }
}
