/**
 * Numbers whose state changes by itself at a known time. When a block or a
 * pending verification expires, the machine ({@link settle}) lets the flags
 * it held back stand again — but Redis drops the lookup key at the block's
 * expiry without any write, so the lookup would answer CLEAR until the
 * number's next record. The store therefore keeps, in the same atomic write
 * as the state (store.ts), the sorted set `<prefix>:enforce:due`: member =
 * the number, score = {@link dueAt} (the state's expiry, when settling then
 * leaves something standing); the member is removed by any write after which
 * nothing is due. The {@link createDuePoller} (in the consumer's worker,
 * every `CALLGUARD_ENFORCER_DUE_POLL`, default 5s) reads the members due by
 * now and settles each through the store's normal compare-and-set
 * ({@link applyDue}), which writes the view of the flag that stands again,
 * so the lookup is wrong for at most one poll interval after the expiry.
 *
 * Several enforcer instances may poll the same set: the settle step is
 * idempotent (a state already settled changes nothing, so nothing is
 * written), and the compare-and-set serialises concurrent writers.
 */
import { repeatPoll, type RepeatedPoll } from './repeat-poll.ts';
import type { Logger } from 'pino';
import { actsOn, applyAllowlisted, settle, type MachineOptions, type NumberState, type Transition } from './machine.ts';
import type { EnforcementStore } from './store.ts';
import type { Allowlist } from './allowlist.ts';

/**
 * When `state` next changes by itself in a way the lookup must show: its
 * expiry, when {@link settle} at that moment leaves the number labelled or
 * held for verification (flags the expiring status held back stand again).
 * Null when nothing is due (no expiry, or the number simply ages out, which
 * the key expiry already shows).
 */
export function dueAt(state: NumberState, opts: MachineOptions): number | null {
  const at = state.expiresAt;
  if (at === null) return null;
  if (state.status !== 'LABELED' && state.status !== 'PENDING_VERIFICATION' && state.status !== 'BLOCKED') return null;
  return actsOn(settle(state, at, opts), at) ? at : null;
}

/**
 * The poller's step: settles `prev` as of `now` (an expired status gives way
 * to the flags it held back). Unchanged (nothing written) when the state has
 * nothing to settle — already settled by another instance or a record, or
 * not expired yet.
 */
export function applyDue(prev: NumberState, now: number, opts: MachineOptions): Transition {
  const next = settle(prev, now, opts);
  if (next === prev) return { state: prev, outcome: 'kept', changed: false };
  const live = actsOn(next, now);
  return { state: { ...next, updatedAt: now }, outcome: !live ? 'expired' : next.status === 'PENDING_VERIFICATION' ? 'pending' : 'labeled', changed: true };
}

/** A member of the due set: the number and its score (ms). */
export interface DueEntry {
  number: string;
  at: number;
}

/** Options of {@link createDuePoller}. */
export interface DuePollerOptions {
  store: Pick<EnforcementStore, 'update' | 'dueNumbers' | 'dropDue'>;
  machine: MachineOptions;
  /** Poll period, ms (`CALLGUARD_ENFORCER_DUE_POLL`). */
  intervalMs: number;
  /** At most this many numbers are settled per poll (the rest on the next). Default {@link DUE_PER_POLL}. */
  maxPerPoll?: number;
  /** The enforcer's allowlist: an allowlisted number is never labelled again by a settle. */
  allowlist?: Allowlist;
  /** Clock, ms; default Date.now (the store's clock decides the settle itself). */
  now?: () => number;
  log: Pick<Logger, 'warn' | 'info'>;
  /** Called for each number whose state was settled (written). */
  settled?(number: string, t: Transition): void;
}

/** A polled due set. */
export interface DuePoller extends RepeatedPoll<number> {
  /** Settles the numbers due by now (at most `maxPerPoll`); never throws. Resolves to how many were written. */
  poll(): Promise<number>;
}

/** Default bound of the numbers settled per poll. */
export const DUE_PER_POLL = 1_000;
/** How many numbers are settled at once (the store's updates pipeline). */
const DUE_BATCH = 64;

/** Creates the poller (not started). */
export function createDuePoller(o: DuePollerOptions): DuePoller {
  const now = o.now ?? Date.now;
  const maxPerPoll = o.maxPerPoll ?? DUE_PER_POLL;
  let outage = false;

  const trouble = (err: unknown) => {
    if (outage) return;
    outage = true;
    o.log.warn({ err: (err as Error)?.message ?? String(err) }, 'settling due numbers failed; tried again on the next poll');
  };

  const settleOne = async ({ number, at }: DueEntry): Promise<boolean> => {
    const t = await o.store.update(number, (s, t) => {
      const d = applyDue(s, t, o.machine);
      if (!o.allowlist?.has(number)) return d;
      const a = applyAllowlisted(d.state, t);
      return a.changed ? a : d;
    });
    if (t.changed) {
      o.settled?.(number, t);
      return true;
    }
    // Nothing to settle. Still due later (not expired by the store's clock): left for a later poll. Otherwise the
    // member is stale (the state expired for good, or was rewritten without it): removed, unless rewritten meanwhile.
    if (dueAt(t.state, o.machine) !== at) await o.store.dropDue(number, at);
    return false;
  };

  const pollOnce = async (): Promise<number> => {
    let written = 0;
    try {
      const due = await o.store.dueNumbers(now(), maxPerPoll);
      for (let i = 0; i < due.length; i += DUE_BATCH) {
        const results = await Promise.allSettled(due.slice(i, i + DUE_BATCH).map(settleOne));
        for (const r of results) if (r.status === 'fulfilled' && r.value) written++;
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
          trouble(failed.reason);
          return written;
        }
      }
      if (due.length >= maxPerPoll) o.log.warn({ settled: due.length }, 'more numbers due than settled per poll; the rest on the next poll');
    } catch (err) {
      trouble(err);
      return written;
    }
    if (outage) {
      outage = false;
      o.log.info({}, 'settling due numbers works again');
    }
    return written;
  };

  return repeatPoll(pollOnce, o.intervalMs);
}
