/**
 * Prefetching a group of calls' state: out of cache, each line a call reads
 * is a miss of 100-300 ns, and `onCall` meets them one after another, so
 * they add up. Loads issued together overlap instead (memory-level
 * parallelism): for a group of calls, the lines whose addresses need only
 * the numbers and the event id (index buckets, the pair cache's tag lines,
 * the dedup set, the callee's swarm set) are read in one tight loop, then
 * the lines they lead to (the caller's record and counters, the pair and
 * its reverse). Nothing is written: results are the same with or without
 * it (engine-prefetch.spec.ts).
 *
 * What the first loop computes to find those lines (the number keys and
 * the event id's fingerprint) is kept for the group, so that `onCalls` does
 * not compute it again.
 */
import type { CallEvent } from '../contracts/records.ts';
import { numberKey } from '../numbers/key.ts';
import { hashKey } from './state/hash.ts';
import type { InboundSwarms } from './state/inbound-swarms.ts';
import type { NumberIndex } from './state/number-index.ts';
import type { NumberState } from './state/number-state.ts';
import { type PairCache, pairTag } from './state/pair-cache.ts';
import type { RecentIds } from './state/recent-ids.ts';

/** Calls whose lines are loaded together. */
export const PREFETCH_GROUP = 32;

/** Reusable scratch for one engine's prefetches. */
export class CallPrefetch {
  private readonly callers = new Float64Array(PREFETCH_GROUP);
  /** caller, callee, caller, callee … of the last group loaded (index q·2, q·2 + 1 for its q-th call). */
  readonly pairKeys = new Float64Array(PREFETCH_GROUP * 2);
  /** The event ids' fingerprints (RecentIds.fingerprint) of the last group loaded. */
  readonly idPrint1 = new Uint32Array(PREFETCH_GROUP);
  readonly idPrint2 = new Uint32Array(PREFETCH_GROUP);
  /** The pair caller→callee's and its reverse's tags (PairCache's pairTag) of the last group loaded, placed as pairKeys. */
  readonly pairTags = new Uint32Array(PREFETCH_GROUP * 2);
  private readonly slots = new Int32Array(PREFETCH_GROUP);
  /** Per call of the group: 1 when it is likely a first callback (PairCache.warmRecords). */
  private readonly firstBack = new Uint8Array(PREFETCH_GROUP);
  /** The callees of the likely first callbacks, and their slots. */
  private readonly calledBack = new Float64Array(PREFETCH_GROUP);
  private readonly calledBackSlots = new Int32Array(PREFETCH_GROUP);
  /** Sum of what was read, kept so that the reads are not optimised away. */
  sink = 0;

  constructor(
    private readonly index: NumberIndex,
    private readonly state: NumberState,
    private readonly pairs: PairCache,
    private readonly ids: RecentIds,
    private readonly swarms: InboundSwarms,
  ) {}

  /** Loads the lines of `events[from..to)`, a group at a time; the keys and fingerprints kept are the last group's. */
  calls(events: readonly CallEvent[], from: number, to: number): void {
    let acc = 0;
    const ids = this.ids;
    for (let i = from; i < to; i += PREFETCH_GROUP) {
      const n = Math.min(PREFETCH_GROUP, to - i);
      // The events' strings first (their lengths, beside their first characters): read where each is parsed,
      // each would be a miss after the previous one's parsing; read here, the group's misses overlap.
      for (let q = 0; q < n; q++) {
        const e = events[i + q];
        acc += e.caller.length + e.callee.length + e.eventId.length;
      }
      for (let q = 0; q < n; q++) {
        const e = events[i + q];
        const a = numberKey(e.caller);
        const b = numberKey(e.callee);
        this.callers[q] = a;
        this.pairKeys[q * 2] = a;
        this.pairKeys[q * 2 + 1] = b;
        const ka = hashKey(a);
        const kb = hashKey(b);
        this.pairTags[q * 2] = pairTag(ka, kb);
        this.pairTags[q * 2 + 1] = pairTag(kb, ka);
        ids.fingerprint(e.eventId);
        this.idPrint1[q] = ids.h1;
        this.idPrint2[q] = ids.h2;
      }
      // The dedup sets and the callees' swarm sets in a loop of their own, a few instructions a call: issued from
      // the parsing loop above (hundreds of instructions a call), hardly two of these misses were in flight at once.
      for (let q = 0; q < n; q++) acc += ids.warm(this.idPrint1[q]) + this.swarms.warm(this.pairKeys[q * 2 + 1]);
      acc += this.index.warm(this.callers, n) + this.pairs.warmSets(this.pairTags, n);
      this.index.getAll(this.callers, n, this.slots);
      acc += this.state.warm(this.slots, n) + this.pairs.warmRecords(this.pairTags, n, this.firstBack);
      acc += this.warmCalledBack(n);
    }
    this.sink = acc;
  }

  /**
   * The callees of the group's likely first callbacks (a pair not held whose reverse is): `countCallback` counts
   * the callback on the callee's own counters (about a fifth of calls in the synthetic stream), so their index
   * buckets, then their counters, are loaded too.
   */
  private warmCalledBack(n: number): number {
    const callees = this.calledBack;
    let m = 0;
    for (let q = 0; q < n; q++) if (this.firstBack[q] !== 0) callees[m++] = this.pairKeys[q * 2 + 1];
    if (m === 0) return 0;
    const acc = this.index.warm(callees, m);
    this.index.getAll(callees, m, this.calledBackSlots);
    return acc + this.state.warmCounters(this.calledBackSlots, m);
  }
}
