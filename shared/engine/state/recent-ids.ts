import { alignedBytes, u32Of } from './aligned.ts';

const WAYS = 4;

/** What an id names: a call attempt's eventId or a complaint's reportId (see {@link RecentIds.seen}). */
export type IdKind = typeof CALL_ID | typeof REPORT_ID;
export const CALL_ID = 0;
export const REPORT_ID = 0x5bd1e995;

/**
 * Remembers the most recent ids (eventId, reportId) as 64-bit fingerprints
 * (two independent 32-bit string hashes side by side: FNV-1a over the
 * string, djb2 over it backwards, computed in one pass) in a fixed 4-way
 * set-associative table — one 32-byte set per lookup — each set
 * forgetting its oldest id first. A redelivered event is recognised
 * while its original is among roughly the last `capacity` ids, with 8 bytes
 * per remembered id; a false "duplicate" needs a 64-bit collision inside
 * one set (negligible).
 */
export class RecentIds {
  private readonly table: Uint32Array;
  private readonly setMask: number;

  constructor(capacity: number) {
    let sets = 1;
    while (sets * WAYS < capacity) sets *= 2;
    this.table = u32Of(alignedBytes(sets * WAYS * 2 * 4));
    this.setMask = sets - 1;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** Copy of the state, for snapshots (restored into a table of the same capacity). */
  exportState(): { table: Uint32Array } {
    return { table: this.table.slice() };
  }

  importState(s: { table: Uint32Array }): void {
    if (s.table.length !== this.table.length) throw new Error('dedup snapshot has another capacity');
    this.table.set(s.table);
  }

  /**
   * True when `id` was seen before in its `kind` (call eventIds and complaint
   * reportIds are apart: the same string in both is two ids); otherwise
   * remembers it and returns false.
   */
  seen(id: string, kind: IdKind = CALL_ID): boolean {
    this.fingerprint(id, kind);
    return this.seenPrint(this.h1, this.h2);
  }

  /** Set by {@link fingerprint}: the two halves of the last id's fingerprint (no allocation per call). */
  h1 = 0;
  h2 = 0;

  /**
   * The fingerprint of `id` of `kind` into `h1`, `h2`: both halves in one pass over the string, FNV-1a
   * forwards, djb2 backwards; the kind changes the second half, so equal strings of two kinds never match.
   */
  fingerprint(id: string, kind: IdKind = CALL_ID): void {
    let h1 = 0x811c9dc5;
    let h2 = 5381;
    const len = id.length;
    for (let i = 0; i < len; i++) {
      h1 = Math.imul(h1 ^ id.charCodeAt(i), 0x01000193);
      h2 = (Math.imul(h2, 33) + id.charCodeAt(len - 1 - i)) | 0;
    }
    h1 >>>= 0;
    this.h1 = h1 === 0 ? 1 : h1;
    this.h2 = ((h2 >>> 0) ^ kind) >>> 0;
  }

  /** Prefetch: reads the set of fingerprint half `h1`, its first and last word (the table is aligned to cache lines where aligned.ts's assumption holds; should it not, every other 32-byte set straddles two). Changes nothing. */
  warm(h1: number): number {
    const b = (h1 & this.setMask) * WAYS * 2;
    return this.table[b] + this.table[b + WAYS * 2 - 1];
  }

  /** {@link seen} of an id by its fingerprint ({@link fingerprint}). */
  seenPrint(h1: number, h2: number): boolean {
    const t = this.table;
    const base = (h1 & this.setMask) * WAYS * 2;
    for (let w = 0; w < WAYS * 2; w += 2) {
      if (t[base + w] === h1 && t[base + w + 1] === h2) return true;
    }
    // Oldest first within the set: shift the ways down (same cache line) and
    // append, so a full set forgets its oldest id (FIFO per set).
    const last = base + (WAYS - 1) * 2;
    if (t[last] !== 0) {
      for (let w = base; w < last; w++) t[w] = t[w + 2];
    } else {
      let w = base;
      while (t[w] !== 0) w += 2;
      t[w] = h1;
      t[w + 1] = h2;
      return false;
    }
    t[last] = h1;
    t[last + 1] = h2;
    return false;
  }
}
