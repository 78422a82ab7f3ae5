/**
 * A binary min-heap of items ordered by time, ties broken by insertion order
 * so that the simulation is deterministic. Used for the scheduler's task
 * queue and the delivery (reorder) buffer.
 */
export interface Timed {
  /** Ordering key, e.g. an event time in ms. */
  t: number;
  /** Insertion sequence number, set by the heap; breaks ties. */
  seq: number;
}

/** Min-heap on (t, seq). */
export class TimeHeap<T extends Timed> {
  private readonly items: T[] = [];
  private nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.items.length;
  }

  /** The earliest item without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an item (its `seq` is overwritten). */
  push(item: T): void {
    item.seq = this.nextSeq++;
    const xs = this.items;
    let i = xs.length;
    xs.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(item, xs[p])) break;
      xs[i] = xs[p];
      i = p;
    }
    xs[i] = item;
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const xs = this.items;
    const top = xs[0];
    const last = xs.pop();
    if (xs.length > 0 && last !== undefined) {
      let i = 0;
      const n = xs.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(xs[r], xs[l]) ? r : l;
        if (!less(xs[c], last)) break;
        xs[i] = xs[c];
        i = c;
      }
      xs[i] = last;
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
