/**
 * The consent records an instance has read, kept to prime every engine it
 * creates later (a partition assigned after the consents were read). Kept as
 * the engine keeps them (shared/engine/state/consents.ts): one record per
 * grant, named by caller|callee and its `grantedAt`; a record with the same
 * `grantedAt` replaces it (a revocation), another is a further grant, up to
 * 8 a pair (the oldest forgotten). Keeping only the last record per pair
 * would prime a new engine with less than the running engines were given,
 * and calls inside an earlier grant would be judged unconsented after a
 * rebalance, unlike replay.
 */
import type { ConsentRecord } from '../../../shared/contracts/records.ts';
import { MAX_CONSENT_GRANTS } from '../../../shared/engine/index.ts';

export class ConsentRecords {
  private readonly byPair = new Map<string, Map<number, ConsentRecord>>();

  /** Pairs with a record. */
  get size(): number {
    return this.byPair.size;
  }

  /** Keeps `c` under `key` (caller|callee). */
  put(key: string, c: ConsentRecord): void {
    let grants = this.byPair.get(key);
    if (!grants) this.byPair.set(key, (grants = new Map<number, ConsentRecord>()));
    grants.set(c.grantedAt, c);
    if (grants.size > MAX_CONSENT_GRANTS) grants.delete(Math.min(...grants.keys()));
  }

  /** The records of a pair (none: []). */
  of(key: string): ConsentRecord[] {
    return [...(this.byPair.get(key)?.values() ?? [])];
  }

  /** Every record kept. */
  *all(): IterableIterator<ConsentRecord> {
    for (const grants of this.byPair.values()) yield* grants.values();
  }
}
