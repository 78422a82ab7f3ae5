/**
 * The label replica's storage: for each number (E.164) the stored view's
 * JSON exactly as Redis holds it (the response body, never re-serialised),
 * its length in bytes, its `status` (read once, when the key is read) and
 * its key's expiry.
 *
 * Compact on purpose: one `Map` from number to a slot; per slot the figures
 * in typed arrays and the JSON in an off-heap arena (body-arena.ts). A
 * label costs the V8 heap about 100 bytes (its number and its Map entry)
 * instead of ~600 with the JSON as a string, and the garbage collector
 * traces one small string per label instead of three or four objects.
 */
import { BodyArena, NOWHERE, type BodyLocation } from './body-arena.ts';

/** A stored view as the lookup API answers it. */
export interface StoredView {
  /** The view's JSON, the response body as is. */
  body: string;
  /** Its length in bytes (UTF-8). */
  bytes: number;
  /** Its `status` field (`LABELED`, `BLOCKED`, …; `unknown` when it has none). */
  status: string;
}

const STATUSES = ['unknown', 'CLEAR', 'LABELED', 'PENDING_VERIFICATION', 'BLOCKED', 'DISMISSED'] as const;
const STATUS_RE = /"status":"([A-Z_]+)"/;
const FIRST = 1024;

/** The `status` of a stored view JSON without parsing all of it (`unknown` when it has none we know). */
export function statusOfJson(json: string): string {
  return STATUSES[statusIndex(json)];
}

/** Index of the `status` of a view JSON in STATUSES (0 = none or not one of them). */
function statusIndex(json: string): number {
  const m = STATUS_RE.exec(json);
  const i = m ? STATUSES.indexOf(m[1] as (typeof STATUSES)[number]) : 0;
  return i < 0 ? 0 : i;
}

/** True when `s` is all ASCII, so its length is its length in bytes. */
function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** The replica's entries: number → view JSON, status and expiry. */
export class LabelEntries {
  private readonly slots = new Map<string, number>();
  private segments = new Uint32Array(FIRST).fill(NOWHERE);
  private offsets = new Uint32Array(FIRST);
  private sizes = new Uint32Array(FIRST);
  private statuses = new Uint8Array(FIRST);
  private expiries = new Float64Array(FIRST);
  private free: number[] = [];
  private next = 0;
  private readonly arena = new BodyArena(
    (slot) => ({ segment: this.segments[slot], offset: this.offsets[slot] }),
    (slot, to) => this.place(slot, to),
  );

  /** Labels held. */
  get size(): number {
    return this.slots.size;
  }

  /** Bytes of the off-heap arena holding the JSON (live and not yet compacted). */
  get arenaBytes(): number {
    return this.arena.bytes;
  }

  /** Stores `json` for `number`, expiring at `expireAt` (ms since the epoch; Infinity = never). */
  set(number: string, json: string, expireAt: number): void {
    let slot = this.slots.get(number);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.next++;
      if (slot >= this.expiries.length) this.grow();
      this.slots.set(number, slot);
    } else {
      this.releaseBody(slot);
    }
    const bytes = ascii(json) ? json.length : Buffer.byteLength(json);
    this.sizes[slot] = bytes;
    this.statuses[slot] = statusIndex(json);
    this.expiries[slot] = expireAt;
    this.place(slot, this.arena.put(slot, json, bytes));
  }

  /** The slot of `number` when it holds a view that has not expired at `now`; an expired one is dropped. */
  private live(number: string, now: number): number {
    const slot = this.slots.get(number);
    if (slot === undefined) return -1;
    if (now > this.expiries[slot]) {
      this.delete(number);
      return -1;
    }
    return slot;
  }

  private body(slot: number): string {
    return this.arena.read({ segment: this.segments[slot], offset: this.offsets[slot] }, this.sizes[slot]);
  }

  /** The JSON of `number`, or null when it has none (or it expired at `now`). */
  json(number: string, now: number): string | null {
    const slot = this.live(number, now);
    return slot < 0 ? null : this.body(slot);
  }

  /** The stored view of `number` for a response, or null when it has none (or it expired at `now`). */
  view(number: string, now: number): StoredView | null {
    const slot = this.live(number, now);
    return slot < 0 ? null : { body: this.body(slot), bytes: this.sizes[slot], status: STATUSES[this.statuses[slot]] };
  }

  /** Forgets `number`. */
  delete(number: string): void {
    const slot = this.slots.get(number);
    if (slot === undefined) return;
    this.slots.delete(number);
    this.releaseBody(slot);
    this.free.push(slot);
  }

  /** Forgets everything and gives the memory back. */
  clear(): void {
    this.slots.clear();
    this.arena.clear();
    this.free = [];
    this.next = 0;
    this.segments = new Uint32Array(FIRST).fill(NOWHERE);
    this.offsets = new Uint32Array(FIRST);
    this.sizes = new Uint32Array(FIRST);
    this.statuses = new Uint8Array(FIRST);
    this.expiries = new Float64Array(FIRST);
  }

  private place(slot: number, at: BodyLocation): void {
    this.segments[slot] = at.segment;
    this.offsets[slot] = at.offset;
  }

  private releaseBody(slot: number): void {
    const at = { segment: this.segments[slot], offset: this.offsets[slot] };
    if (at.segment === NOWHERE) return;
    this.segments[slot] = NOWHERE;
    this.arena.release(at, this.sizes[slot]);
  }

  private grow(): void {
    const n = this.expiries.length * 2;
    const widen = <T extends Uint32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.segments = widen(this.segments, (k) => new Uint32Array(k).fill(NOWHERE));
    this.offsets = widen(this.offsets, (k) => new Uint32Array(k));
    this.sizes = widen(this.sizes, (k) => new Uint32Array(k));
    this.statuses = widen(this.statuses, (k) => new Uint8Array(k));
    this.expiries = widen(this.expiries, (k) => new Float64Array(k));
  }
}
