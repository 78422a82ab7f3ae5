/**
 * Event-time merge of a partition's two input streams (calls p and
 * complaints p), so that the engine sees them in the order `callguard
 * replay` feeds its files: the earlier head first, the call first on equal
 * times, each stream in its own offset order.
 *
 * A stream whose queue is empty blocks the other only while more of its
 * input is known to exist upstream (`pending`: the last fetch had not
 * reached the partition's end). The block is never lifted by time alone:
 * releasing the other stream while the partner's input waits upstream (a
 * broker away, consumption paused) would run event time past the partner's
 * events and make them late. {@link TwoWayMerge.blocked} says since when a
 * side has been waited for, so that the owner can re-check with the broker
 * whether that input really exists and clear `pending` if not. Items
 * without a time (undecodable input) leave at once, in offset order, so
 * positions stay exact.
 */

/** Something the merge can order: its source offset and event time (null: release at once). */
export interface MergeItem {
  offset: number;
  time: number | null;
}

/** 0 = calls, 1 = complaints. */
export type Side = 0 | 1;

/** Two FIFO queues released in event-time order. */
export class TwoWayMerge<A extends MergeItem, B extends MergeItem> {
  private readonly queues: [MergeItem[], MergeItem[]] = [[], []];
  private readonly heads: [number, number] = [0, 0];
  private readonly pending: [boolean, boolean] = [false, false];
  private blockedSince: number | null = null;
  private blockedSide: Side = 0;

  /** Appends a fetched batch; `morePending` = the partition has input beyond it. */
  push(side: 0, items: readonly A[], morePending: boolean): void;
  push(side: 1, items: readonly B[], morePending: boolean): void;
  push(side: Side, items: readonly MergeItem[], morePending: boolean): void {
    const q = this.queues[side];
    for (const it of items) q.push(it);
    this.pending[side] = morePending;
  }

  /** Marks whether more input is known to exist upstream of `side`. */
  setPending(side: Side, pending: boolean): void {
    this.pending[side] = pending;
  }

  /** Whether more input is known to exist upstream of `side`. */
  isPending(side: Side): boolean {
    return this.pending[side];
  }

  /** Items held on `side`. */
  size(side: Side): number {
    return this.queues[side].length - this.heads[side];
  }

  /** Offset of the first item held on `side`, or null when its queue is empty. */
  firstOffset(side: Side): number | null {
    const q = this.queues[side];
    const h = this.heads[side];
    return h < q.length ? q[h].offset : null;
  }

  /** Drops everything held (partition revoked or re-seeked). */
  clear(): void {
    this.queues[0] = [];
    this.queues[1] = [];
    this.heads[0] = this.heads[1] = 0;
    this.blockedSince = null;
  }

  /** The side waited for (its queue empty, its input pending upstream) and since when (wall ms), or null. */
  blocked(): { side: Side; since: number } | null {
    return this.blockedSince === null ? null : { side: this.blockedSide, since: this.blockedSince };
  }

  /**
   * Releases items in merge order to `emit` until one side blocks, or `max`
   * items; returns how many were released. `now` is wall-clock ms (when a
   * block began).
   */
  drain(now: number, emit: (side: Side, item: A | B) => void, max = Infinity): number {
    const [qa, qb] = this.queues;
    let released = 0;
    let blocked = false;
    while (released < max) {
      const ha = this.heads[0] < qa.length ? qa[this.heads[0]] : undefined;
      const hb = this.heads[1] < qb.length ? qb[this.heads[1]] : undefined;
      let side: Side;
      if (ha && ha.time === null) side = 0;
      else if (hb && hb.time === null) side = 1;
      else if (ha && hb) side = (ha.time as number) <= (hb.time as number) ? 0 : 1;
      else if (ha || hb) {
        const waitingFor: Side = ha ? 1 : 0;
        if (this.pending[waitingFor]) {
          if (this.blockedSince === null || this.blockedSide !== waitingFor) {
            this.blockedSince = now;
            this.blockedSide = waitingFor;
          }
          blocked = true;
          break;
        }
        side = ha ? 0 : 1;
      } else break;
      const item = this.queues[side][this.heads[side]++] as A | B;
      emit(side, item);
      released++;
    }
    if (!blocked) this.blockedSince = null;
    this.compact(0);
    this.compact(1);
    return released;
  }

  private compact(side: Side): void {
    const h = this.heads[side];
    const q = this.queues[side];
    if (h === q.length) {
      this.queues[side] = [];
      this.heads[side] = 0;
    } else if (h > 4096 && h * 2 > q.length) {
      this.queues[side] = q.slice(h);
      this.heads[side] = 0;
    }
  }
}
