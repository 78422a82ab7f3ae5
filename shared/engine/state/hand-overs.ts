/**
 * Numbers one engine hands to another engine sharing a table with it (one
 * engine per partition, in one process): the engine that recognises a
 * swarm or a campaign group does not track the members whose calls are
 * another partition's, so it leaves them here, and the engine that tracks
 * them takes them at its next call. Keyed by number key, each with when it
 * was handed over and what goes with it; the oldest are dropped when too
 * old to matter or when `max` wait. Not in snapshots.
 */
export class HandOvers<V> {
  private readonly waiting = new Map<number, { at: number; value: V }>();
  /** Bumped at every hand-over: an engine looks only when it changed since it last looked. */
  version = 0;

  constructor(private readonly max: number) {}

  /** Hands `key` over at `at` with `value`; hand-overs older than `at − maxAge` are dropped (in the caller's unit). */
  put(key: number, at: number, maxAge: number, value: V): void {
    for (const [k, h] of this.waiting) {
      if (h.at >= at - maxAge && this.waiting.size < this.max) break;
      this.waiting.delete(k);
    }
    this.waiting.delete(key);
    this.waiting.set(key, { at, value });
    this.version++;
  }

  /** Takes the hand-overs of the numbers an engine tracks (`slotOf` gives their slot, or -1): `each` gets the slot, the value and when. */
  take(slotOf: (key: number) => number, each: (slot: number, value: V, at: number) => void): void {
    for (const [k, h] of this.waiting) {
      const slot = slotOf(k);
      if (slot < 0) continue;
      this.waiting.delete(k);
      each(slot, h.value, h.at);
    }
  }
}
