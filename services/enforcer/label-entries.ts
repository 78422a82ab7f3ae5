/**
 * The label replica's storage: for each number (E.164) the stored view's
 * JSON exactly as Redis holds it (the response body, never re-serialised),
 * its length in bytes, its `status` (read once, when the key is read) and
 * its key's expiry.
 *
 * Compact on purpose: one `Map` from number to a slot, and per slot the
 * body string in an array and the figures in typed arrays. So a label
 * costs its number and its JSON and a few bytes, and no object of its own
 * for the garbage collector to trace (the previous `{ json, expireAt }`
 * object per label, with its boxed expiry, doubled the objects).
 */

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
  private bodies: string[] = [];
  private sizes = new Uint32Array(1024);
  private statuses = new Uint8Array(1024);
  private expiries = new Float64Array(1024);
  private free: number[] = [];

  /** Labels held. */
  get size(): number {
    return this.slots.size;
  }

  /** Stores `json` for `number`, expiring at `expireAt` (ms since the epoch; Infinity = never). */
  set(number: string, json: string, expireAt: number): void {
    let slot = this.slots.get(number);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.bodies.length;
      if (slot >= this.expiries.length) this.grow();
      this.slots.set(number, slot);
    }
    this.bodies[slot] = json;
    this.sizes[slot] = ascii(json) ? json.length : Buffer.byteLength(json);
    this.statuses[slot] = statusIndex(json);
    this.expiries[slot] = expireAt;
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

  /** The JSON of `number`, or null when it has none (or it expired at `now`). */
  json(number: string, now: number): string | null {
    const slot = this.live(number, now);
    return slot < 0 ? null : this.bodies[slot];
  }

  /** The stored view of `number` for a response, or null when it has none (or it expired at `now`). */
  view(number: string, now: number): StoredView | null {
    const slot = this.live(number, now);
    return slot < 0 ? null : { body: this.bodies[slot], bytes: this.sizes[slot], status: STATUSES[this.statuses[slot]] };
  }

  /** Forgets `number`. */
  delete(number: string): void {
    const slot = this.slots.get(number);
    if (slot === undefined) return;
    this.slots.delete(number);
    this.bodies[slot] = '';
    this.free.push(slot);
  }

  /** Forgets everything and gives the memory back. */
  clear(): void {
    this.slots.clear();
    this.bodies = [];
    this.free = [];
    this.sizes = new Uint32Array(1024);
    this.statuses = new Uint8Array(1024);
    this.expiries = new Float64Array(1024);
  }

  private grow(): void {
    const n = this.expiries.length * 2;
    const sizes = new Uint32Array(n);
    sizes.set(this.sizes);
    this.sizes = sizes;
    const statuses = new Uint8Array(n);
    statuses.set(this.statuses);
    this.statuses = statuses;
    const expiries = new Float64Array(n);
    expiries.set(this.expiries);
    this.expiries = expiries;
  }
}
