import { hashPair } from './hash.ts';

const WAYS = 8;
/** Record of one pair: 32 bytes, two to a cache line. */
const STRIDE = 32;
const U32 = { rejectedAt: 4, bombStart: 5 } as const;
const U16 = { attempts: 12, afterReject: 13, bombCount: 14 } as const;
const U8 = { talks: 30, flags: 31 } as const;

export type PairU32Field = keyof typeof U32;
export type PairU16Field = keyof typeof U16;
export type PairU8Field = keyof typeof U8;

/** Bits of the `flags` field. */
export const PAIR_ANSWERED = 1;
/** The caller was a stranger to the callee when the callee rejected it. */
export const PAIR_REJECTED_AS_STRANGER = 2;
/** The callee has called the caller (cached from the reverse pair, which may be evicted later). */
export const PAIR_CALLED_BACK = 4;
/** The callee, while a stranger, has engaged (answered past the short-call cut): counted once per pair. */
export const PAIR_ENGAGED = 8;

/**
 * What the engine knows about one directed pair caller→callee: how often it
 * was tried, whether they have talked (`talks`: answered calls with a real
 * conversation), the callee's last explicit rejection and the attempts since,
 * and a short call-bombing window.
 *
 * A fixed-size, 8-way set-associative cache: each set has one cache line of
 * tags and last-seen times (so a lookup, hit or miss, reads one line) and
 * eight 32-byte records. When a set is full the least recently seen pair is
 * replaced, so memory is bounded whatever the traffic and the pairs that
 * matter (recent ones) stay: 40 bytes an entry. Times are seconds.
 *
 * Below its maximum the table doubles when a set is full and the table half
 * full. Doubling moves the entries over incrementally, as Redis rehashes its
 * dictionaries: the previous table stays beside the new one and each old set
 * moves (at most 8 entries, split between the two new sets it maps to) when
 * a lookup first touches it, plus two more in order at every `getOrCreate`,
 * so no single call pays for the whole table (rehashing 2M entries at once
 * took 100 ms alone and up to half a second under load: a stall of every
 * partition's input behind it).
 */
export class PairCache {
  /** Per set: 8 tags, then 8 last-seen times. */
  private head!: Uint32Array;
  private f64!: Float64Array;
  private u32!: Uint32Array;
  private u16!: Uint16Array;
  private u8!: Uint8Array;
  private setMask = 0;
  private occupied = 0;
  /** While the table doubles: the previous one, whose sets move over one by one (null otherwise). */
  private old: { head: Uint32Array; f64: Float64Array; mask: number } | null = null;
  /** The next old set the in-order moving takes. */
  private moveHand = 0;
  private readonly maxSets: number;
  /** True when the last `getOrCreate` created the entry. */
  created = false;
  evictions = 0;

  /**
   * @param entries the most entries the cache may hold (rounded up to a power of two).
   * @param initialEntries where it starts: it doubles (rehashing) when a set
   *   is full and the table at least half full, below `entries`, so a small
   *   population keeps a small, cache-friendly table (a full set in an
   *   emptier table gives up its stalest pair: rare).
   */
  constructor(entries: number, initialEntries = Math.min(entries, 1 << 16)) {
    let sets = 1;
    while (sets * WAYS < entries) sets *= 2;
    this.maxSets = sets;
    let start = 1;
    while (start * WAYS < initialEntries && start < sets) start *= 2;
    this.allocate(start);
  }

  private allocate(sets: number): void {
    this.setMask = sets - 1;
    this.head = new Uint32Array(sets * WAYS * 2);
    const buf = new ArrayBuffer(sets * WAYS * STRIDE);
    this.f64 = new Float64Array(buf);
    this.u32 = new Uint32Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u8 = new Uint8Array(buf);
    this.occupied = 0;
  }

  /**
   * Doubles the table. Its entries move over later, a set at a time
   * ({@link moveOld}); a doubling still under way is finished first.
   */
  private grow(): void {
    this.finishMoving();
    const oldSets = this.setMask + 1;
    this.old = { head: this.head, f64: this.f64, mask: this.setMask };
    this.moveHand = 0;
    const occupied = this.occupied;
    this.allocate(oldSets * 2);
    this.occupied = occupied;
  }

  /**
   * Before set `set` of the current table is read or written: the old set
   * that maps to it moves over (if it has not yet), and the in-order moving
   * takes `steps` more old sets.
   */
  private settle(set: number, steps: number): void {
    const old = this.old;
    if (old === null) return;
    this.moveOld(set & old.mask);
    for (let k = 0; k < steps && this.moveHand <= old.mask; k++) this.moveOld(this.moveHand++);
    if (this.moveHand > old.mask) this.old = null;
  }

  /**
   * Moves old set `s` into the current table (records whole). Its entries go
   * to the two new sets `s` and `s + old sets`, which receive nothing else
   * until this has run (every lookup settles its set first), so they fit.
   */
  private moveOld(s: number): void {
    const old = this.old!;
    const oh = old.head;
    const base = s * WAYS * 2;
    const head = this.head;
    const f = this.f64;
    for (let w = 0; w < WAYS; w++) {
      const tag = oh[base + w];
      if (tag === 0) continue;
      const ns = (tag >>> 1) & this.setMask;
      const nb = ns * WAYS * 2;
      let way = 0;
      while (head[nb + way] !== 0) way++;
      head[nb + way] = tag;
      head[nb + WAYS + way] = oh[base + WAYS + w];
      const i = s * WAYS + w;
      const j = ns * WAYS + way;
      f[j * 4] = old.f64[i * 4];
      f[j * 4 + 1] = old.f64[i * 4 + 1];
      f[j * 4 + 2] = old.f64[i * 4 + 2];
      f[j * 4 + 3] = old.f64[i * 4 + 3];
      oh[base + w] = 0;
    }
  }

  /** Moves whatever of a doubling is still in the old table. */
  private finishMoving(): void {
    const old = this.old;
    if (old === null) return;
    while (this.moveHand <= old.mask) this.moveOld(this.moveHand++);
    this.old = null;
  }

  get bytes(): number {
    const old = this.old === null ? 0 : this.old.head.byteLength + this.old.f64.byteLength;
    return this.head.byteLength + this.u8.byteLength + old;
  }

  /** Entries the table holds now (it grows up to the maximum given at construction). */
  get capacity(): number {
    return (this.setMask + 1) * WAYS;
  }

  /** Index of the pair a→b, or -1. */
  find(a: number, b: number): number {
    const h = (hashPair(a, b) | 1) >>> 0;
    const set = (h >>> 1) & this.setMask; // bit 0 is forced to 1 (a tag is never 0): index sets by the bits above it
    if (this.old !== null) this.settle(set, 0);
    const base = set * WAYS * 2;
    for (let w = 0; w < WAYS; w++) {
      if (this.head[base + w] === h) {
        const i = set * WAYS + w;
        if (this.f64[i * 4] === a && this.f64[i * 4 + 1] === b) return i;
      }
    }
    return -1;
  }

  /** Index of the pair a→b, creating it (and evicting the stalest in its set) if needed. */
  getOrCreate(a: number, b: number, nowSec: number): number {
    const h = (hashPair(a, b) | 1) >>> 0;
    const set = (h >>> 1) & this.setMask; // bit 0 is forced to 1 (a tag is never 0): index sets by the bits above it
    if (this.old !== null) this.settle(set, 2);
    const base = set * WAYS * 2;
    const head = this.head;
    let victim = 0;
    let oldest = Infinity;
    for (let w = 0; w < WAYS; w++) {
      const tag = head[base + w];
      if (tag === h) {
        const i = set * WAYS + w;
        if (this.f64[i * 4] === a && this.f64[i * 4 + 1] === b) {
          this.created = false;
          return i;
        }
      }
      const seen = tag === 0 ? -1 : head[base + WAYS + w];
      if (seen < oldest) {
        oldest = seen;
        victim = w;
      }
    }
    if (head[base + victim] !== 0) {
      // A full set: grow while below the maximum once the table is half
      // full; a full set in an emptier table is bad luck (it happens at a
      // quarter full with 8 ways), and growing then would leave the table
      // three-quarters empty — there, and at the maximum, the set's stalest
      // pair gives way instead.
      if (this.setMask + 1 < this.maxSets && this.occupied * 2 >= this.capacity) {
        this.grow();
        return this.getOrCreate(a, b, nowSec);
      }
      this.evictions++;
    } else {
      this.occupied++;
    }
    head[base + victim] = h;
    head[base + WAYS + victim] = nowSec;
    const i = set * WAYS + victim;
    const f = this.f64;
    f[i * 4] = a;
    f[i * 4 + 1] = b;
    f[i * 4 + 2] = 0;
    f[i * 4 + 3] = 0;
    this.created = true;
    return i;
  }

  /** Copy of the state, for snapshots (restored into a cache of the same capacity). */
  exportState(): { head: Uint32Array; records: Uint8Array; evictions: number } {
    this.finishMoving();
    return { head: this.head.slice(), records: this.u8.slice(), evictions: this.evictions };
  }

  importState(s: { head: Uint32Array; records: Uint8Array; evictions: number }): void {
    const sets = s.head.length / (WAYS * 2);
    if (sets > this.maxSets || s.records.length !== sets * WAYS * STRIDE) {
      throw new Error(`pair cache snapshot holds ${s.records.length / STRIDE} entries, this cache at most ${this.maxSets * WAYS}`);
    }
    this.old = null;
    this.allocate(sets);
    this.head.set(s.head);
    this.u8.set(s.records);
    for (let k = 0; k < sets * WAYS * 2; k += WAYS * 2) for (let w = 0; w < WAYS; w++) if (this.head[k + w] !== 0) this.occupied++;
    this.evictions = s.evictions;
  }

  caller(i: number): number {
    return this.f64[i * 4];
  }

  callee(i: number): number {
    return this.f64[i * 4 + 1];
  }

  lastSeen(i: number): number {
    return this.head[(i & ~(WAYS - 1)) * 2 + WAYS + (i & (WAYS - 1))];
  }

  setLastSeen(i: number, sec: number): void {
    this.head[(i & ~(WAYS - 1)) * 2 + WAYS + (i & (WAYS - 1))] = sec;
  }

  get32(i: number, f: PairU32Field): number {
    return this.u32[i * 8 + U32[f]];
  }

  set32(i: number, f: PairU32Field, v: number): void {
    this.u32[i * 8 + U32[f]] = v;
  }

  get16(i: number, f: PairU16Field): number {
    return this.u16[i * 16 + U16[f]];
  }

  /** Saturating at 65535. */
  set16(i: number, f: PairU16Field, v: number): void {
    this.u16[i * 16 + U16[f]] = v > 0xffff ? 0xffff : v;
  }

  get8(i: number, f: PairU8Field): number {
    return this.u8[i * STRIDE + U8[f]];
  }

  /** Saturating at 255. */
  set8(i: number, f: PairU8Field, v: number): void {
    this.u8[i * STRIDE + U8[f]] = v > 0xff ? 0xff : v;
  }
}
