/**
 * Prefetching a group of calls' state: out of cache, each line a call reads
 * is a miss of 100-300 ns, and `onCall` meets them one after another, so
 * they add up. Loads issued together overlap instead (memory-level
 * parallelism): for a group of calls, the lines whose addresses need only
 * the numbers (index buckets, the pair cache's tag lines) are read in one
 * tight loop, then the lines they lead to (the caller's record and
 * counters, the pair and its reverse). Nothing is written: results are the
 * same with or without it (engine-prefetch.spec.ts).
 */
import type { CallEvent } from '../contracts/records.ts';
import { numberKey } from '../numbers/key.ts';
import type { NumberIndex } from './state/number-index.ts';
import type { NumberState } from './state/number-state.ts';
import type { PairCache } from './state/pair-cache.ts';

/** Calls whose lines are loaded together. */
export const PREFETCH_GROUP = 32;

/** Reusable scratch for one engine's prefetches. */
export class CallPrefetch {
  private readonly callers = new Float64Array(PREFETCH_GROUP);
  /** caller, callee, caller, callee … */
  private readonly pairKeys = new Float64Array(PREFETCH_GROUP * 2);
  private readonly slots = new Int32Array(PREFETCH_GROUP);
  /** Sum of what was read, kept so that the reads are not optimised away. */
  sink = 0;

  constructor(
    private readonly index: NumberIndex,
    private readonly state: NumberState,
    private readonly pairs: PairCache,
  ) {}

  /** Loads the lines of `events[from..to)`, a group at a time. */
  calls(events: readonly CallEvent[], from: number, to: number): void {
    let acc = 0;
    for (let i = from; i < to; i += PREFETCH_GROUP) {
      const n = Math.min(PREFETCH_GROUP, to - i);
      for (let q = 0; q < n; q++) {
        const e = events[i + q];
        const a = numberKey(e.caller);
        this.callers[q] = a;
        this.pairKeys[q * 2] = a;
        this.pairKeys[q * 2 + 1] = numberKey(e.callee);
      }
      acc += this.index.warm(this.callers, n) + this.pairs.warmSets(this.pairKeys, n);
      this.index.getAll(this.callers, n, this.slots);
      acc += this.state.warm(this.slots, n) + this.pairs.warmRecords(this.pairKeys, n);
    }
    this.sink = acc;
  }
}
