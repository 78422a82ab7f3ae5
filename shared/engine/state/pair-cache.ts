import { hashPair } from './hash.ts';

const WAYS = 8;

/** Bits of `PairCache.flags`. */
export const PAIR_ANSWERED = 1;
/** The caller was a stranger to the callee when the callee rejected it. */
export const PAIR_REJECTED_AS_STRANGER = 2;

/**
 * What the engine knows about one directed pair caller→callee: whether they
 * have talked, the callee's last explicit rejection and the attempts since,
 * and a short call-bombing window. A fixed-size, 8-way set-associative cache
 * in typed arrays (38 bytes an entry): when a set is full the least recently
 * seen pair is replaced, so memory is bounded whatever the traffic and the
 * pairs that matter (recent ones) stay. Times are seconds since the epoch.
 */
export class PairCache {
  readonly caller: Float64Array;
  readonly callee: Float64Array;
  readonly lastSeen: Uint32Array;
  readonly attempts: Uint16Array;
  /** Answered calls with a real conversation (saturating at 255). */
  readonly talks: Uint8Array;
  readonly flags: Uint8Array;
  readonly rejectedAt: Uint32Array;
  readonly afterReject: Uint16Array;
  readonly bombStart: Uint32Array;
  readonly bombCount: Uint16Array;
  private readonly setMask: number;
  /** True when the last `getOrCreate` created the entry. */
  created = false;
  evictions = 0;

  constructor(entries: number) {
    let sets = 1;
    while (sets * WAYS < entries) sets *= 2;
    const n = sets * WAYS;
    this.setMask = sets - 1;
    this.caller = new Float64Array(n);
    this.callee = new Float64Array(n);
    this.lastSeen = new Uint32Array(n);
    this.attempts = new Uint16Array(n);
    this.talks = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.rejectedAt = new Uint32Array(n);
    this.afterReject = new Uint16Array(n);
    this.bombStart = new Uint32Array(n);
    this.bombCount = new Uint16Array(n);
  }

  get bytes(): number {
    return this.caller.length * 38;
  }

  get capacity(): number {
    return this.caller.length;
  }

  /** Index of the pair a→b, or -1. */
  find(a: number, b: number): number {
    const base = (hashPair(a, b) & this.setMask) * WAYS;
    for (let i = base; i < base + WAYS; i++) {
      if (this.caller[i] === a && this.callee[i] === b) return i;
    }
    return -1;
  }

  /** Index of the pair a→b, creating it (and evicting the stalest in its set) if needed. */
  getOrCreate(a: number, b: number, nowSec: number): number {
    const base = (hashPair(a, b) & this.setMask) * WAYS;
    let victim = base;
    let oldest = Infinity;
    for (let i = base; i < base + WAYS; i++) {
      const c = this.caller[i];
      if (c === a && this.callee[i] === b) {
        this.created = false;
        return i;
      }
      const seen = c === 0 ? -1 : this.lastSeen[i];
      if (seen < oldest) {
        oldest = seen;
        victim = i;
      }
    }
    if (this.caller[victim] !== 0) this.evictions++;
    this.caller[victim] = a;
    this.callee[victim] = b;
    this.lastSeen[victim] = nowSec;
    this.attempts[victim] = 0;
    this.talks[victim] = 0;
    this.flags[victim] = 0;
    this.rejectedAt[victim] = 0;
    this.afterReject[victim] = 0;
    this.bombStart[victim] = 0;
    this.bombCount[victim] = 0;
    this.created = true;
    return victim;
  }
}
