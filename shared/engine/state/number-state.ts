import { alignedBytes, f64Of, u16Of, u32Of } from './aligned.ts';
import { WindowedCounters } from './windowed-counters.ts';

/**
 * One slot's scalar record: 64 bytes, one cache line. Offsets in units of
 * the view that reads them (f64: 8 bytes, u32: 4, u16: 2, u8: 1).
 */
const STRIDE = 64;
const F64 = { key: 0, lastCallee: 1 } as const;
/**
 * The fields' offsets, each in units of the view that reads it: the accessors take these (`st.get32(slot,
 * NUM32.lastSeen)`). Offsets rather than field names for speed only: with names, the accessor looked each up in a
 * table (`U32[f]`), a keyed load that, reached by many names, went megamorphic (a hash probe per access) wherever
 * the accessor was not inlined (observeCall is too large for all of its calls to be); an offset is added as it is,
 * and the accessor is small enough to inline.
 * (PAIR32's offsets overlap NUM32's, so the types do not catch one table's offset passed to the other's accessor.)
 */
export const NUM32 = { lastSeen: 4, bombAt: 5, rrAt: 6, lastFlagAt: 7, episodeStart: 8, group: 10, listedDay: 14, swarmAt: 15 } as const;
export const NUM16 = { groupDay: 18, sharedRefusalsUntil: 19, provider: 22, providerCount: 23 } as const;
export const NUM8 = { bombMax: 48, bombCallee: 49, rrMax: 50, rrCallee: 51, numberClass: 52, kind: 53, lastSeverity: 54, swarmMax: 55 } as const;

export type U32Field = (typeof NUM32)[keyof typeof NUM32];
export type U16Field = (typeof NUM16)[keyof typeof NUM16];
export type U8Field = (typeof NUM8)[keyof typeof NUM8];

/**
 * Records of a version-4 snapshot (exportState's `records`) in today's layout, in place: bombMax and rrMax were u16s
 * at bytes 48 and 50, now a byte each with their callee's fingerprint in the byte after, unknown (0) for runs
 * restored from then; a run above 255 saturates at 255. groupDay was a u32 at byte 36, now the u16 there (a day
 * number below 65,536 reads the same), and sharedRefusalsUntil, none known, the u16 after it.
 */
export function upgradeVersion4Records(records: Uint8Array): void {
  for (let r = 0; r + STRIDE <= records.length; r += STRIDE) {
    if (records[r + 49] !== 0) records[r + 48] = 255; // bombMax
    if (records[r + 51] !== 0) records[r + 50] = 255; // rrMax
    records[r + 49] = 0;
    records[r + 51] = 0;
    records[r + 38] = 0;
    records[r + 39] = 0;
  }
}

/**
 * Per-number state, one slot per tracked number, each a 64-byte record in
 * one buffer (array of structs): a number's fields share one cache line,
 * which is what bounds speed at millions of numbers, and there is no object
 * per number for the GC to trace. Its windowed counters live in
 * `counters` under the same slot. Freed slots are reused through a free
 * list. Times are seconds since the epoch.
 *
 * Fields: key (E.164 digits), lastCallee (for sequential dialling),
 * lastSeen; bombMax/bombAt/bombCallee (largest bombing run at one stranger,
 * when, and that stranger's fingerprint); rrMax/rrAt/rrCallee (most
 * attempts after a rejection at one stranger, when, whose); runs saturate at
 * 255, fingerprints are 1–255 (0: none known); sharedRefusalsUntil (the
 * last day another callee's refusal run of REJECTION_REPEAT's grade stands
 * beside rrCallee's, days since the epoch; 0: none);
 * swarmMax/swarmAt (largest swarm of repeating strangers it joined at one
 * callee, when: SWARM_BOMBING);
 * lastSeverity/lastFlagAt/episodeStart (re-flag policy and flag id);
 * group/groupDay/listedDay (campaign group id + 1, day joined (a u16 day
 * number, good until 2149), day listed
 * as a quiet marketer); provider and
 * providerCount (Misra–Gries heavy hitter of access providers);
 * numberClass; kind (number-kind.ts: MARKETING, CONSENTING, and the mark
 * SHARED_BOMBING).
 */
export class NumberState {
  capacity: number;
  private f64!: Float64Array;
  private u32!: Uint32Array;
  private u16!: Uint16Array;
  private u8!: Uint8Array;
  readonly counters: WindowedCounters;
  private used = 0;
  private free: number[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.view(alignedBytes(initialCapacity * STRIDE));
    this.counters = new WindowedCounters(initialCapacity);
  }

  /** Bytes of state per slot (the counters included). */
  static bytesPerSlot(): number {
    return STRIDE + WindowedCounters.bytesPerSlot();
  }

  get bytes(): number {
    return this.capacity * NumberState.bytesPerSlot();
  }

  /** Slots in use. */
  get size(): number {
    return this.used - this.free.length;
  }

  /** The high-water mark of slots ever used (iterate 0..end). */
  get end(): number {
    return this.used;
  }

  /**
   * Prefetch: reads the record and both counter lines of each slot of `slots[0..n)` (−1: none). Changes nothing.
   * The record's first and last words both: the table is aligned to cache lines where the allocator behaves as
   * aligned.ts assumes, and then both words are on one line; should it not, each 64-byte record straddles two lines,
   * its last 16 bytes (bombMax on: numberClass, kind, lastSeverity, listedDay, swarmAt) on the second.
   */
  warm(slots: Int32Array, n: number): number {
    const f = this.f64;
    let acc = 0;
    for (let q = 0; q < n; q++) {
      const s = slots[q];
      if (s >= 0) acc += f[s * 8] + f[s * 8 + 7] + this.counters.warm(s);
    }
    return acc;
  }

  /** Prefetch: reads both counter lines of each slot of `slots[0..n)` (−1: none), not the record. Changes nothing. */
  warmCounters(slots: Int32Array, n: number): number {
    let acc = 0;
    for (let q = 0; q < n; q++) {
      const s = slots[q];
      if (s >= 0) acc += this.counters.warm(s);
    }
    return acc;
  }

  key(slot: number): number {
    return this.f64[slot * 8 + F64.key];
  }

  lastCallee(slot: number): number {
    return this.f64[slot * 8 + F64.lastCallee];
  }

  setLastCallee(slot: number, v: number): void {
    this.f64[slot * 8 + F64.lastCallee] = v;
  }

  get32(slot: number, f: U32Field): number {
    return this.u32[slot * 16 + f];
  }

  set32(slot: number, f: U32Field, v: number): void {
    this.u32[slot * 16 + f] = v;
  }

  get16(slot: number, f: U16Field): number {
    return this.u16[slot * 32 + f];
  }

  set16(slot: number, f: U16Field, v: number): void {
    this.u16[slot * 32 + f] = v > 0xffff ? 0xffff : v;
  }

  get8(slot: number, f: U8Field): number {
    return this.u8[slot * 64 + f];
  }

  set8(slot: number, f: U8Field, v: number): void {
    this.u8[slot * 64 + f] = v > 0xff ? 0xff : v;
  }

  allocate(key: number): number {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.used++;
    // Double while small; beyond a million slots grow by a quarter, so the
    // memory held stays within 25 % of the numbers tracked.
    if (slot >= this.capacity) this.resize(this.capacity < 1 << 20 ? this.capacity * 2 : Math.ceil(this.capacity * 1.25));
    this.u8.fill(0, slot * STRIDE, (slot + 1) * STRIDE);
    this.counters.clear(slot);
    this.f64[slot * 8 + F64.key] = key;
    return slot;
  }

  /** A byte of a callee's identity for the runs' owners (bombCallee, rrCallee): 1–255, never 0 (none known). */
  static calleeFingerprint(callee: number): number {
    return (callee % 255) + 1;
  }

  release(slot: number): void {
    this.f64[slot * 8 + F64.key] = 0;
    this.free.push(slot);
  }

  /** The raw buffer (for snapshots). */
  buffer(): Uint8Array {
    return this.u8;
  }

  /** Copy of the state, for snapshots. */
  exportState(): { records: Uint8Array; counters: Uint16Array; used: number; free: number[] } {
    return {
      records: this.u8.slice(),
      counters: this.counters.buffer().slice(),
      used: this.used,
      free: [...this.free],
    };
  }

  importState(s: { records: Uint8Array; counters: Uint16Array; used: number; free: number[] }): void {
    this.capacity = s.records.length / STRIDE;
    const records = alignedBytes(s.records.byteLength);
    records.set(s.records);
    this.view(records);
    this.counters.load(s.counters);
    this.used = s.used;
    this.free = s.free.slice(); // not push(...s.free): a free list of 100,000s (idle numbers evicted) overflows the call stack
  }

  /** Views of `u8`'s bytes (an {@link alignedBytes} table: each record on its own cache line). */
  private view(u8: Uint8Array): void {
    this.f64 = f64Of(u8);
    this.u32 = u32Of(u8);
    this.u16 = u16Of(u8);
    this.u8 = u8;
  }

  private resize(capacity: number): void {
    const old = this.u8;
    this.view(alignedBytes(capacity * STRIDE));
    this.u8.set(old);
    this.counters.resize(capacity);
    this.capacity = capacity;
  }
}
