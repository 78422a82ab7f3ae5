/**
 * Storage for number_minute cells without a JS object per cell: the cells'
 * fields are columns of typed arrays (a cell is an index, recycled after
 * eviction), and each minute has an open-addressing index from the number's
 * key (its E.164 digits as a double, shared/numbers/key.ts) to its cell.
 *
 * Why: under load there is about one cell per call, each alive for a few
 * minutes of event time. As objects (with their number and callee strings
 * and a Map entry each) they made up most of the detector's live JS heap,
 * so every major collection had hundreds of MB to mark, and the collections
 * that the engines' table growth sets off stalled the detector for up to a
 * second (bench:e2e, docs/detector.md). Typed arrays are not scanned by the
 * collector.
 */
import { hashKey } from '../../../shared/engine/state/hash.ts';

const EMPTY = -1;

/** The columns of every cell of one aggregate. */
export class CellColumns {
  key = new Float64Array(0);
  /** Start of the minute, epoch seconds. */
  minute = new Float64Array(0);
  talkSeconds = new Float64Array(0);
  version = new Float64Array(0);
  /** Key of the first callee (0: none yet). */
  callee = new Float64Array(0);
  calls = new Int32Array(0);
  answered = new Int32Array(0);
  rejected = new Int32Array(0);
  complaints = new Int32Array(0);
  changed = new Uint8Array(0);
  /** The distinct callees of the cells that have more than one (most have one). */
  private readonly callees = new Map<number, Set<number>>();
  private readonly free: number[] = [];
  private used = 0;

  /** A zeroed cell for `key` at `minute`. */
  alloc(key: number, minute: number): number {
    const i = this.free.length > 0 ? (this.free.pop() as number) : this.used++;
    if (i >= this.key.length) this.grow(Math.max(1024, this.key.length * 2));
    this.key[i] = key;
    this.minute[i] = minute;
    this.talkSeconds[i] = this.version[i] = this.callee[i] = 0;
    this.calls[i] = this.answered[i] = this.rejected[i] = this.complaints[i] = 0;
    this.changed[i] = 0;
    return i;
  }

  /** Gives cell `i` back for reuse. */
  release(i: number): void {
    if (this.callee[i] !== 0) this.callees.delete(i);
    this.key[i] = 0;
    this.free.push(i);
  }

  /** Counts callee `k` among cell `i`'s distinct callees. */
  addCallee(i: number, k: number): void {
    const first = this.callee[i];
    if (first === 0) this.callee[i] = k;
    else if (first !== k) {
      let set = this.callees.get(i);
      if (set === undefined) this.callees.set(i, (set = new Set([first])));
      set.add(k);
    }
  }

  /** Cell `i`'s distinct callees, in the order first seen. */
  calleeKeys(i: number): number[] {
    const set = this.callees.get(i);
    if (set !== undefined) return [...set];
    return this.callee[i] === 0 ? [] : [this.callee[i]];
  }

  distinctCallees(i: number): number {
    const set = this.callees.get(i);
    if (set !== undefined) return set.size;
    return this.callee[i] === 0 ? 0 : 1;
  }

  /** Drops every cell. */
  clear(): void {
    this.callees.clear();
    this.free.length = 0;
    this.used = 0;
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.key = f64(this.key);
    this.minute = f64(this.minute);
    this.talkSeconds = f64(this.talkSeconds);
    this.version = f64(this.version);
    this.callee = f64(this.callee);
    this.calls = i32(this.calls);
    this.answered = i32(this.answered);
    this.rejected = i32(this.rejected);
    this.complaints = i32(this.complaints);
    const changed = new Uint8Array(capacity);
    changed.set(this.changed);
    this.changed = changed;
  }
}

/** One minute's cells: number key → cell (linear probing, at most half full), and the cells in the order created. */
export class MinuteIndex {
  private slots = new Int32Array(256).fill(EMPTY);
  private mask = 255;
  /** The minute's cells, in the order they were created. */
  cells: number[] = [];

  /** The cell of `key`, or -1. */
  find(key: number, keys: Float64Array): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let h = hashKey(key) & mask; ; h = (h + 1) & mask) {
      const c = slots[h];
      if (c === EMPTY || keys[c] === key) return c;
    }
  }

  /** Adds cell `cell` (whose key is not here yet). */
  insert(cell: number, keys: Float64Array): void {
    if ((this.cells.length + 1) * 2 > this.mask + 1) this.rebuild(this.cells, keys, (this.mask + 1) * 2);
    this.place(cell, keys);
    this.cells.push(cell);
  }

  /** Keeps only the cells `keep` holds (in their order). */
  retain(keep: (cell: number) => boolean, keys: Float64Array): void {
    this.cells = this.cells.filter(keep);
    this.rebuild(this.cells, keys, this.mask + 1);
  }

  private rebuild(cells: readonly number[], keys: Float64Array, size: number): void {
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (const c of cells) this.place(c, keys);
  }

  private place(cell: number, keys: Float64Array): void {
    const slots = this.slots;
    let h = hashKey(keys[cell]) & this.mask;
    while (slots[h] !== EMPTY) h = (h + 1) & this.mask;
    slots[h] = cell;
  }
}
