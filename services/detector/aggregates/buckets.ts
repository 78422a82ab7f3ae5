/**
 * Time-bucketed aggregate cells (per minute or per hour), shared by the
 * number_minute and provider_hour aggregators.
 */

/**
 * Drops the cells of buckets that ended at or before `watermarkMs` and whose
 * last change has been taken (`changed` false); empty buckets go too, and
 * `onEmptied` hears of each. Bucket keys are start times in seconds.
 * Returns how many cells were dropped.
 */
export function evictClosed<K, C extends { changed: boolean }>(
  buckets: Map<number, Map<K, C>>,
  spanMs: number,
  watermarkMs: number,
  onEmptied?: (bucket: number) => void,
): number {
  let n = 0;
  for (const [bucket, cells] of buckets) {
    if (bucket * 1000 + spanMs > watermarkMs) continue;
    let changed = 0;
    for (const c of cells.values()) if (c.changed) changed++;
    if (changed === 0) {
      // The usual case (rows are taken right before eviction): the bucket goes whole, without a delete per cell.
      n += cells.size;
      buckets.delete(bucket);
      onEmptied?.(bucket);
      continue;
    }
    for (const [k, c] of cells) {
      if (c.changed) continue;
      cells.delete(k);
      n++;
    }
    if (cells.size === 0) {
      buckets.delete(bucket);
      onEmptied?.(bucket);
    }
  }
  return n;
}
