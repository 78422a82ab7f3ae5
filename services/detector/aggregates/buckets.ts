/**
 * Time-bucketed aggregate cells: eviction of provider_hour's Map-held cells,
 * and the closed horizon both aggregators keep (number_minute holds its
 * cells in columns, minute-cells.ts, and evicts them itself).
 */

/**
 * Drops the cells of buckets that ended at or before `watermarkMs` and whose
 * last change has been taken (`changed` false) and that `held` does not
 * keep (e.g. calls still waiting to be counted); empty buckets go too.
 * Bucket keys are start times in seconds. Returns how many cells were
 * dropped.
 */
export function evictClosed<K, C extends { changed: boolean }>(
  buckets: Map<number, Map<K, C>>,
  spanMs: number,
  watermarkMs: number,
  held?: (c: C) => boolean,
): number {
  const kept = held === undefined ? (c: C) => c.changed : (c: C) => c.changed || held(c);
  let n = 0;
  for (const [bucket, cells] of buckets) {
    if (bucket * 1000 + spanMs > watermarkMs) continue;
    let changed = 0;
    for (const c of cells.values()) if (kept(c)) changed++;
    if (changed === 0) {
      // The usual case (rows are taken right before eviction): the bucket goes whole, without a delete per cell.
      n += cells.size;
      buckets.delete(bucket);
      continue;
    }
    for (const [k, c] of cells) {
      if (kept(c)) continue;
      cells.delete(k);
      n++;
    }
    if (cells.size === 0) buckets.delete(bucket);
  }
  return n;
}

/**
 * How far buckets are closed for good: raised by each eviction, never
 * lowered, so a bucket once closed stays closed. An event for a closed bucket
 * is not counted (`dropped`): a new cell holding only it would replace the
 * fuller row already written. Kept in snapshots (null: nothing closed yet).
 */
export class ClosedHorizon {
  private before = Number.NEGATIVE_INFINITY;
  /** Events not counted because their bucket was already closed. */
  dropped = 0;

  /** Closes the buckets ending at or before `ms` (unless further ones already are); returns the horizon. */
  raise(ms: number): number {
    if (ms > this.before) this.before = ms;
    return this.before;
  }

  /** True, and counted as dropped, when the bucket starting at `bucketSec` and `spanMs` long is closed. */
  refuses(bucketSec: number, spanMs: number): boolean {
    if (bucketSec * 1000 + spanMs > this.before) return false;
    this.dropped++;
    return true;
  }

  exportState(): number | null {
    return Number.isFinite(this.before) ? this.before : null;
  }

  /** From a snapshot (older snapshots have none: nothing closed). */
  importState(before: number | null | undefined): void {
    this.before = before ?? Number.NEGATIVE_INFINITY;
    this.dropped = 0;
  }
}
