import { hashString } from './hash.ts';

const WAYS = 4;

/**
 * Remembers the most recent ids (eventId, reportId) as 2×32-bit fingerprints
 * in a fixed, set-associative table (4 ways, round-robin replacement), so a
 * redelivered event is recognised with bounded memory: 8 bytes per
 * remembered id. A duplicate is caught while its original is among roughly
 * the last `capacity` ids; a false "duplicate" needs a 64-bit fingerprint
 * collision inside one set (negligible).
 */
export class RecentIds {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private readonly next: Uint8Array;
  private readonly setMask: number;

  constructor(capacity: number) {
    let sets = 1;
    while (sets * WAYS < capacity) sets *= 2;
    this.a = new Uint32Array(sets * WAYS);
    this.b = new Uint32Array(sets * WAYS);
    this.next = new Uint8Array(sets);
    this.setMask = sets - 1;
  }

  get bytes(): number {
    return this.a.byteLength + this.b.byteLength + this.next.byteLength;
  }

  /** True when `id` was seen before; otherwise remembers it and returns false. */
  seen(id: string): boolean {
    const h1 = hashString(id);
    const h2 = hashString2(id);
    const set = h1 & this.setMask;
    const base = set * WAYS;
    for (let w = 0; w < WAYS; w++) {
      if (this.a[base + w] === h1 && this.b[base + w] === h2) return true;
    }
    const way = this.next[set];
    this.a[base + way] = h1;
    this.b[base + way] = h2;
    this.next[set] = (way + 1) % WAYS;
    return false;
  }
}

/** A second, independent string hash (djb2 variant) for the fingerprint's other half. */
function hashString2(s: string): number {
  let h = 5381;
  for (let i = s.length - 1; i >= 0; i--) h = (Math.imul(h, 33) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
