/**
 * The operator's allowlist as the enforcer sees it: an allowlisted number is
 * never labelled or blocked. The Redis set `<prefix>:allowlist` (members in
 * any number form; the detector reads the same set) is polled every
 * `CALLGUARD_ENFORCER_ALLOWLIST_POLL` (default 5s) into a Set of E.164
 * numbers that the record handler, in the same thread, consults for every
 * record (handler.ts). A number newly seen in the set that has a label, a
 * pending verification or a block has it removed (machine.ts
 * applyAllowlisted, through the store's compare-and-set), once; one that
 * could not be updated (Redis gone meanwhile) is tried again on the next poll.
 * A number removed from the set is acted on again by later flags.
 *
 * While the set cannot be read the last one read stays in force, and the
 * outage is logged once (and its end once).
 */
import { repeatPoll, type RepeatedPoll } from './repeat-poll.ts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { allowlistNumbers, readAllowlistMembers } from '../../shared/contracts/allowlist.ts';
import { applyAllowlisted } from './machine.ts';
import type { EnforcementStore } from './store.ts';

/** What the record handler asks of the allowlist. */
export interface Allowlist {
  /** True when `number` (E.164) is allowlisted as last read. */
  has(number: string): boolean;
}

/** Options of {@link createAllowlistPoller}. */
export interface AllowlistPollerOptions {
  /** Every member of the set; throws (or rejects) when it cannot be read. See {@link readAllowlistSet}. */
  read(): Promise<string[]>;
  /** The set's key, for the logs. */
  key: string;
  store: Pick<EnforcementStore, 'update'>;
  /** Poll period, ms. */
  intervalMs: number;
  log: Pick<Logger, 'warn' | 'info'>;
  /** Called once for each number whose label, pending verification or block was removed. */
  unlabelled?(number: string): void;
}

/** A polled allowlist. */
export interface AllowlistPoller extends Allowlist, RepeatedPoll<void> {
  /** How many numbers are allowlisted as last read. */
  size(): number;
  /** Reads the set once and unlabels the numbers new in it (never throws); or joins the poll in progress. */
  poll(): Promise<void>;
}

/** How many numbers are unlabelled at once (the store's updates pipeline). */
const UNLABEL_BATCH = 64;

/** Reads every member of `key` (as the detector does: shared/contracts/allowlist.ts). */
export function readAllowlistSet(redis: Redis, key: string): () => Promise<string[]> {
  return () => readAllowlistMembers(redis, key);
}

/** Creates the poller (not started: call `poll()` once before consuming, then `start()`). */
export function createAllowlistPoller(o: AllowlistPollerOptions): AllowlistPoller {
  let allowed = new Set<string>();
  /** Numbers newly allowlisted whose state has not been updated yet. */
  const pending = new Set<string>();
  /** Members that are not phone numbers, logged once each. */
  const bad = new Set<string>();
  let outage = false;

  const trouble = (err: unknown, what: string) => {
    if (outage) return;
    outage = true;
    o.log.warn({ key: o.key, err: (err as Error)?.message ?? String(err), numbers: allowed.size }, `allowlist ${what} failed; the last allowlist read stays in force until Redis answers`);
  };

  const pollOnce = async (): Promise<void> => {
    let members: string[];
    try {
      members = await o.read();
    } catch (err) {
      trouble(err, 'read');
      return;
    }
    const next = allowlistNumbers(members, bad, (member, err) => o.log.warn({ key: o.key, member, err }, 'allowlist member is not a phone number; ignored'));
    for (const n of next) if (!allowed.has(n)) pending.add(n);
    for (const n of pending) if (!next.has(n)) pending.delete(n);
    allowed = next;
    const todo = [...pending];
    for (let i = 0; i < todo.length; i += UNLABEL_BATCH) {
      const results = await Promise.allSettled(
        todo.slice(i, i + UNLABEL_BATCH).map(async (n) => {
          const t = await o.store.update(n, (s, now) => applyAllowlisted(s, now));
          pending.delete(n);
          if (t.changed) o.unlabelled?.(n);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        trouble(failed.reason, 'update');
        return;
      }
    }
    if (outage) {
      outage = false;
      o.log.info({ key: o.key, numbers: allowed.size }, 'allowlist read again');
    }
  };

  return {
    has: (n) => allowed.has(n),
    size: () => allowed.size,
    ...repeatPoll(pollOnce, o.intervalMs),
  };
}
