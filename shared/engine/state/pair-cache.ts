import { alignedBytes, f64Of, u16Of, u32Of } from './aligned.ts';
import { hashKey, mixKeys } from './hash.ts';

/**
 * The tag of the pair a→b given its numbers' hashes ka = hashKey(a), kb = hashKey(b): its hash with bit 0 set (a
 * tag is never 0). A pair and its reverse share the two hashes, so a caller that needs both computes them once.
 */
export function pairTag(ka: number, kb: number): number {
  return (mixKeys(ka, kb) | 1) >>> 0;
}

const WAYS = 8;
/**
 * The table grows while at least this full. Linear hashing's sets not yet
 * split in a round hold up to twice the average, so the bound is lower than
 * a doubling table's half. Below the maximum, a pair given up to a full set
 * can be an acquaintance's (a quarrel then looks like harassment of a
 * stranger): at a quarter, 0.4 % of pairs are given up (a third: 1.7 %; the
 * doubling table, at loads between a quarter and a half: 1.1-1.5 %), and
 * replaying the adversarial scenario labels two fewer quarrels than the
 * doubling table did. 160 bytes a pair below the maximum (80-160 before).
 */
const GROW_AT = 1 / 4;
/** Record of one pair: 32 bytes, two to a cache line. */
const STRIDE = 32;
/**
 * The fields' offsets, each in units of the view that reads it: the accessors take these (`pairs.get8(p,
 * PAIR8.flags)`), offsets rather than field names for speed only (see number-state.ts's NUM32).
 */
export const PAIR32 = { rejectedAt: 4, bombStart: 5 } as const;
/**
 * The call-bombing window: bombStart (its start, the first attempt after the previous one ended), bombCur (attempts
 * in it), bombPrev (attempts in the previous one, if that ended less than a window before this one began) and
 * bombGap (seconds between the two); counts saturate at 255.
 */
export const PAIR16 = { bombGap: 12, afterReject: 13 } as const;
export const PAIR8 = { bombCur: 28, bombPrev: 29, talks: 30, flags: 31 } as const;

export type PairU32Field = (typeof PAIR32)[keyof typeof PAIR32];
export type PairU16Field = (typeof PAIR16)[keyof typeof PAIR16];
export type PairU8Field = (typeof PAIR8)[keyof typeof PAIR8];

/** Bits of the `flags` field. */
export const PAIR_ANSWERED = 1;
/** The caller was a stranger to the callee when the callee rejected it. */
export const PAIR_REJECTED_AS_STRANGER = 2;
/** The callee has called the caller (cached from the reverse pair, which may be evicted later). */
export const PAIR_CALLED_BACK = 4;
/** The callee, while a stranger, has engaged (answered past the short-call cut): counted once per pair. */
export const PAIR_ENGAGED = 8;
/** The caller has attempted the callee (not only a pair noted or looked up): it has called. */
export const PAIR_ATTEMPTED = 16;
/**
 * The open refusal ({@link PAIR_REJECTED_AS_STRANGER}) began at a busy line, whose rejections mean "not now": there
 * only its rejecting the caller again counts (rules.rejectionRepeat.busyLineRefusals). Decided when the refusal
 * begins, so later attempts are judged by what the line was then, not by whether it is still remembered busy.
 */
export const PAIR_REJECTED_BUSY = 32;
/**
 * The callee took (answered) every attempt of the pair's current bombing window (bombStart) so far. A run with no
 * untaken attempt (rejected, cancelled, unanswered, busy) is the callee accepting the calls, not call bombing (a
 * monitoring centre auto-answering a telemetry SIM's reports). Set when a window begins, cleared by an untaken
 * attempt. As "taken", not "missed", so that a record of an earlier layout (the bit 0) reads as a window with an
 * untaken attempt, which is how every run was read before the bit existed: no snapshot upgrade needed.
 */
export const PAIR_TAKEN_CUR = 64;
/** As {@link PAIR_TAKEN_CUR}, for the previous bombing window (bombPrev): shifted there when the window rolls. */
export const PAIR_TAKEN_PREV = 128;

/**
 * Pair records of a version-1 snapshot (exportState's `records`) in today's layout, in place. Version 1 kept the
 * caller's attempts as a count in the u16 that now holds `bombGap`, and only ever asked whether it was above 0;
 * read as it is, "has called" would be lost (the callee calling back a customer who had called it would be a
 * stranger's call) and the count would be taken for a gap of as many seconds. So a count above 0 becomes
 * {@link PAIR_ATTEMPTED} and the field is zeroed: no gap is known (version 1's previous bombing window, when it
 * kept one, was the one just before the current window: a gap of 0).
 */
export function upgradeVersion1Records(records: Uint8Array): void {
  const at = PAIR16.bombGap * 2;
  for (let r = 0; r + STRIDE <= records.length; r += STRIDE) {
    if ((records[r + at] | records[r + at + 1]) === 0) continue;
    records[r + PAIR8.flags] |= PAIR_ATTEMPTED;
    records[r + at] = 0;
    records[r + at + 1] = 0;
  }
}

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
 * Below its maximum the table grows one set at a time, by linear hashing:
 * while the table is at least a quarter full ({@link GROW_AT}), each
 * `getOrCreate` first splits the next set in order, moving the entries
 * whose next address bit is 1 into a new set at the end. A set's address is the hash's low `level` bits, or
 * `level + 1` bits for the sets already split in this round, so every
 * lookup finds its pair in one set at every step and growth costs one set's
 * move per call, evenly, instead of a doubling: rehashing a doubled table
 * at once stalled every partition's input (100 ms alone, up to half a
 * second under load), and moving it over incrementally, set by set as
 * lookups touched them, still crowded most of the work into the first
 * second after each doubling (the 4 partitions of one detector doubling
 * together took ~0.6 s of CPU in ~1.5 s: its latency tail at 50,000
 * events/s, bench:e2e). The buffers are allocated for the maximum at once;
 * their pages are untouched, so not resident, until sets reach them.
 */
export class PairCache {
  /** Per set: 8 tags, then 8 last-seen times. */
  private readonly head: Uint32Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly u16: Uint16Array;
  private readonly u8: Uint8Array;
  /** Sets in use: 2^level + split. */
  private sets = 0;
  /** 2^level - 1: a set's address is the hash's low `level` bits... */
  private low = 0;
  /** ...or `level + 1` bits for the sets below this one, split in this round. */
  private split = 0;
  private occupied = 0;
  private readonly maxSets: number;
  /**
   * Per set: 1 once the set has given up a pair (or, after a restore, may have: see importState). A split's new
   * set inherits its source's mark, so the set a pair's address leads to now is marked whenever the set it was
   * given up from was. Read by {@link wouldHold} only.
   */
  private readonly gaveUp: Uint8Array;
  /** Scratch of {@link warmRecords}: the entries whose records it loads. */
  private toLoad = new Int32Array(64);
  /** True when the last `getOrCreate` created the entry. */
  created = false;
  evictions = 0;

  /**
   * @param entries the most entries the cache may hold (rounded up to a power of two).
   * @param initialEntries where it starts: it grows a set at a time while at
   *   least a quarter full, below `entries`, so a small population keeps a small,
   *   cache-friendly table (a full set meanwhile gives up its stalest pair: rare).
   */
  constructor(entries: number, initialEntries = Math.min(entries, 1 << 16)) {
    let sets = 1;
    while (sets * WAYS < entries) sets *= 2;
    this.maxSets = sets;
    this.gaveUp = new Uint8Array(sets);
    this.head = u32Of(alignedBytes(sets * WAYS * 2 * 4));
    const u8 = alignedBytes(sets * WAYS * STRIDE);
    this.f64 = f64Of(u8);
    this.u32 = u32Of(u8);
    this.u16 = u16Of(u8);
    this.u8 = u8;
    let start = 1;
    while (start * WAYS < initialEntries && start < sets) start *= 2;
    this.use(start);
  }

  /** Sets the number of sets in use (and the addressing that follows from it). */
  private use(sets: number): void {
    let p = 1;
    while (p * 2 <= sets) p *= 2;
    this.sets = sets;
    this.low = p - 1;
    this.split = sets - p;
  }

  /** The set of a tag. */
  private setOf(h: number): number {
    const x = h >>> 1; // bit 0 is forced to 1 (a tag is never 0): index sets by the bits above it
    const s = x & this.low;
    return s < this.split ? x & (this.low * 2 + 1) : s;
  }

  /**
   * Splits the next set of this round: its entries whose next address bit
   * is set move to the new set at the end (empty until now), the rest stay.
   */
  private splitOne(): void {
    const s = this.split;
    const bit = this.low + 1;
    const t = s + bit;
    const head = this.head;
    const f = this.f64;
    const sb = s * WAYS * 2;
    const tb = t * WAYS * 2;
    let way = 0;
    for (let w = 0; w < WAYS; w++) {
      const tag = head[sb + w];
      if (tag === 0 || ((tag >>> 1) & bit) === 0) continue;
      head[tb + way] = tag;
      head[tb + WAYS + way] = head[sb + WAYS + w];
      const i = (s * WAYS + w) * 4;
      const j = (t * WAYS + way) * 4;
      f[j] = f[i];
      f[j + 1] = f[i + 1];
      f[j + 2] = f[i + 2];
      f[j + 3] = f[i + 3];
      head[sb + w] = 0;
      way++;
    }
    this.gaveUp[t] = this.gaveUp[s];
    this.sets++;
    if (++this.split > this.low) {
      // Every set of the round is split: the next round addresses by one bit more.
      this.low = this.low * 2 + 1;
      this.split = 0;
    }
  }

  get bytes(): number {
    return this.sets * WAYS * (8 + STRIDE);
  }

  /** Entries the table holds now (it grows up to the maximum given at construction). */
  get capacity(): number {
    return this.sets * WAYS;
  }

  /**
   * Prefetch: reads the tag line of the set of each pair `keys[2q]→keys[2q+1]`
   * and of its reverse, for q < n, in one loop so that the misses overlap.
   * Changes nothing.
   */
  warmSets(tags: Uint32Array, n: number): number {
    const head = this.head;
    let acc = 0;
    for (let q = 0; q < n * 2; q++) acc += head[this.setOf(tags[q]) * WAYS * 2];
    return acc;
  }

  /**
   * Prefetch: reads the record of each pair of `tags` ({@link pairTag}s: the pair's, then its reverse's) the cache
   * may hold (their sets read by {@link warmSets} first), or, for a pair it does not, the record its creation would
   * write. Only tags are compared (no branch waits on a record: a tag's entry may hold another pair, which costs
   * one load for nothing), and the loads come in a loop of their own, a few instructions each, so that many are in
   * flight at once (with the scans in the same loop, fewer than three were: the scans filled the reorder buffer).
   * With `firstBack`, its q-th entry is set to 1 where the q-th pair is not held but its reverse is: the call is
   * likely the callee's first callback (call-observer.ts `countCallback`), which reads the callee's counters.
   */
  warmRecords(tags: Uint32Array, n: number, firstBack: Uint8Array | null = null): number {
    if (this.toLoad.length < n * 2) this.toLoad = new Int32Array(n * 2);
    const f = this.f64;
    const load = this.toLoad;
    let loads = 0;
    for (let q = 0; q < n * 2; q += 2) {
      // A pair not held will be created: its victim's record is written then (a store miss, unless loaded here).
      const p = this.wayOrVictim(tags[q]);
      load[loads++] = p >= 0 ? p : ~p;
      const r = this.wayOrVictim(tags[q + 1]);
      if (r >= 0) load[loads++] = r;
      if (firstBack !== null) firstBack[q >> 1] = p < 0 && r >= 0 ? 1 : 0;
    }
    let acc = 0;
    // The keys (compared by getOrCreateTagged/findTagged) and the fields after them: the buffer need not start on a
    // cache line (at 16 bytes into one, an odd entry's 32 bytes straddle two).
    for (let k = 0; k < loads; k++) acc += f[load[k] * 4] + f[load[k] * 4 + 2];
    return acc;
  }

  /**
   * The first entry of tag `h` in its set, else ~ the entry `getOrCreate` would give a new pair of that tag now
   * (the set's first empty way, or its stalest). Reads the tag line only. Its choice of victim repeats
   * {@link getOrCreateTagged}'s, which stays the one that counts: should the two differ, the prefetch loads a line
   * for nothing, and no result changes.
   */
  private wayOrVictim(h: number): number {
    const set = this.setOf(h);
    const base = set * WAYS * 2;
    const head = this.head;
    let victim = 0;
    let oldest = Infinity;
    for (let w = 0; w < WAYS; w++) {
      const tag = head[base + w];
      if (tag === h) return set * WAYS + w;
      const seen = tag === 0 ? -1 : head[base + WAYS + w];
      if (seen < oldest) {
        oldest = seen;
        victim = w;
      }
    }
    return ~(set * WAYS + victim);
  }

  /** Index of the pair a→b, or -1. */
  find(a: number, b: number): number {
    return this.findTagged(a, b, pairTag(hashKey(a), hashKey(b)));
  }

  /** {@link find} of the pair whose tag ({@link pairTag}) is `h`, computed already. */
  findTagged(a: number, b: number, h: number): number {
    const set = this.setOf(h);
    const base = set * WAYS * 2;
    for (let w = 0; w < WAYS; w++) {
      if (this.head[base + w] === h) {
        const i = set * WAYS + w;
        if (this.f64[i * 4] === a && this.f64[i * 4 + 1] === b) return i;
      }
    }
    return -1;
  }

  /**
   * Whether the pair a→b, had it been created, would still be held: the set its address leads to (or the set that
   * one was split from) has never given a pair up. After a restore from a cache that had given any up, no set can
   * say so (the marks are not in snapshots): false everywhere.
   */
  wouldHold(a: number, b: number): boolean {
    return this.gaveUp[this.setOf(pairTag(hashKey(a), hashKey(b)))] === 0;
  }

  /**
   * Index of the pair a→b, creating it (and evicting the stalest in its set)
   * if needed. May move other entries (growth): an index from an earlier
   * call is not valid after it.
   */
  getOrCreate(a: number, b: number, nowSec: number): number {
    return this.getOrCreateTagged(a, b, pairTag(hashKey(a), hashKey(b)), nowSec);
  }

  /** {@link getOrCreate} of the pair whose tag ({@link pairTag}) is `h`, computed already. */
  getOrCreateTagged(a: number, b: number, h: number, nowSec: number): number {
    if (this.occupied >= this.sets * WAYS * GROW_AT && this.sets < this.maxSets) this.splitOne();
    const set = this.setOf(h);
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
    // A full set gives up its stalest pair: at the maximum, and (rarely:
    // the table is kept about a quarter full) below it.
    if (head[base + victim] !== 0) {
      this.evictions++;
      this.gaveUp[set] = 1;
    } else this.occupied++;
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

  /** Copy of the sets in use, for snapshots (restored into a cache of at least this size). */
  exportState(): { head: Uint32Array; records: Uint8Array; evictions: number } {
    return { head: this.head.slice(0, this.sets * WAYS * 2), records: this.u8.slice(0, this.sets * WAYS * STRIDE), evictions: this.evictions };
  }

  /** From {@link exportState}, or a snapshot of the earlier, doubling cache (a power of two of sets: the same addressing). */
  importState(s: { head: Uint32Array; records: Uint8Array; evictions: number }): void {
    const sets = s.head.length / (WAYS * 2);
    if (!Number.isInteger(sets) || sets < 1 || sets > this.maxSets || s.records.length !== sets * WAYS * STRIDE) {
      throw new Error(`pair cache snapshot holds ${s.records.length / STRIDE} entries, this cache at most ${this.maxSets * WAYS}`);
    }
    const used = Math.max(this.sets, sets);
    this.head.fill(0, 0, used * WAYS * 2);
    this.u8.fill(0, 0, used * WAYS * STRIDE);
    this.head.set(s.head);
    this.u8.set(s.records);
    this.use(sets);
    this.occupied = 0;
    for (let k = 0; k < sets * WAYS * 2; k += WAYS * 2) for (let w = 0; w < WAYS; w++) if (this.head[k + w] !== 0) this.occupied++;
    this.evictions = s.evictions;
    // Which sets gave pairs up is not in a snapshot: once any was given up, every set may have.
    this.gaveUp.fill(s.evictions > 0 ? 1 : 0);
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
    return this.u32[i * 8 + f];
  }

  set32(i: number, f: PairU32Field, v: number): void {
    this.u32[i * 8 + f] = v;
  }

  get16(i: number, f: PairU16Field): number {
    return this.u16[i * 16 + f];
  }

  /** Saturating at 65535. */
  set16(i: number, f: PairU16Field, v: number): void {
    this.u16[i * 16 + f] = v > 0xffff ? 0xffff : v;
  }

  get8(i: number, f: PairU8Field): number {
    return this.u8[i * STRIDE + f];
  }

  /** Saturating at 255. */
  set8(i: number, f: PairU8Field, v: number): void {
    this.u8[i * STRIDE + f] = v > 0xff ? 0xff : v;
  }
}
