/**
 * An in-process replica of the lookup views (`<prefix>:label:<number>`),
 * kept exact with Redis's server-assisted client-side caching, so that a
 * lookup is answered without a Redis round trip:
 *
 * - one connection turns on `CLIENT TRACKING … BCAST PREFIX <prefix>:label:`
 *   (redirected to itself) and subscribes to `__redis__:invalidate`: Redis
 *   then pushes the name of every label key that any client changes,
 *   deletes or that expires, and a null for FLUSHDB/FLUSHALL;
 * - only after that, the replica SCANs the existing label keys and reads
 *   each (GET + PEXPIRETIME) — so no write can fall between the load and
 *   the subscription;
 * - each invalidated key is dropped at once and re-read in the next batch;
 *   until its new value is back the key is "unknown" and the lookup asks
 *   Redis. A reply is kept only when no newer invalidation of its key came
 *   in meanwhile (invalidations and replies travel on two connections);
 * - an entry carries its key's expiry time (PEXPIRETIME) and is dropped at
 *   that instant, as Redis stops returning it, whether or not Redis has
 *   deleted the key yet;
 * - while the replica is not complete (starting, loading, the tracking
 *   connection lost, a flush, or more labels than `maxEntries`) `get`
 *   answers `undefined` and the lookup goes to Redis.
 *
 * Consistency: a lookup answered from the replica reflects every write to
 * the label keys that Redis executed before the invalidation message in
 * flight at that moment; the only lag is the delivery of that push message
 * over loopback (the same order as a Redis round trip). This holds for
 * writes by any number of enforcer instances and by anyone else.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LabelEntries, type StoredView } from './label-entries.ts';

export type { StoredView } from './label-entries.ts';

/** Where the replica stands. */
export type ReplicaState = 'starting' | 'loading' | 'ready' | 'off';

/** Options of {@link startLabelReplica}. */
export interface LabelReplicaOptions {
  redisUrl: string;
  /** Key prefix of the lookup views, e.g. `callguard:label:`. */
  labelPrefix: string;
  /** Most labels held; beyond it the replica turns itself off and every lookup asks Redis. */
  maxEntries: number;
  log?: Logger;
  /** Name of the tracking connection in CLIENT LIST (default `callguard-enforcer-label-replica`). */
  connectionName?: string;
  /** Clock (ms since the epoch) compared with key expiry times; default Date.now. */
  now?: () => number;
}

/** The replica as the lookup API uses it. */
export interface LabelReplica {
  /**
   * The stored view JSON of `number` (E.164): a string, `null` when the
   * number has no label key (CLEAR), or `undefined` when the replica
   * cannot tell (not complete, or the key is being re-read): ask Redis.
   */
  get(number: string): string | null | undefined;
  /**
   * The same answer as {@link LabelReplica.get}, ready to send: the stored
   * JSON with its length in bytes and its status, read once when the key
   * was read.
   */
  response(number: string): StoredView | null | undefined;
  state(): ReplicaState;
  /** Labels held. */
  size(): number;
  /** Bytes of the off-heap store of the labels' JSON (live and not yet compacted). */
  bytes(): number;
  /** Invalidated keys not re-read yet. */
  unknown(): number;
  /** Resolves once the replica is complete (or has turned off). */
  whenReady(): Promise<void>;
  close(): Promise<void>;
}

/** A label key as read from Redis. */
interface Entry {
  json: string;
  /** Expiry, ms since the epoch (Infinity: none). */
  expireAt: number;
}

const BATCH = 1000;
const RETRY_MS = 200;

/** Creates the replica and starts tracking and loading; lookups fall back to Redis until it is ready. */
export function startLabelReplica(o: LabelReplicaOptions): LabelReplica {
  const now = o.now ?? Date.now;
  const prefixLength = o.labelPrefix.length;
  const sub = new Redis(o.redisUrl, {
    lazyConnect: true,
    autoResubscribe: false,
    maxRetriesPerRequest: null,
    connectionName: o.connectionName ?? 'callguard-enforcer-label-replica',
  });
  const data = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const entries = new LabelEntries();
  /** Invalidated numbers → the sequence number of their latest invalidation; present = unknown. */
  const pending = new Map<string, number>();
  const queue = new Set<string>();
  let seq = 0;
  /** Bumped whenever everything is thrown away (tracking lost, flush): older loads stop. */
  let epoch = 0;
  let state: ReplicaState = 'starting';
  let closed = false;
  let refreshing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let readyWaiters: Array<() => void> = [];

  const setState = (s: ReplicaState) => {
    state = s;
    if (s === 'ready' || s === 'off') {
      for (const w of readyWaiters.splice(0)) w();
    }
  };

  const reset = (why: string) => {
    epoch++;
    entries.clear();
    pending.clear();
    queue.clear();
    if (state !== 'off') setState(closed ? 'off' : 'starting');
    o.log?.info({ why }, 'label replica reset; lookups read Redis until it is reloaded');
  };

  const turnOff = (why: string) => {
    epoch++;
    entries.clear();
    pending.clear();
    queue.clear();
    setState('off');
    o.log?.warn({ why, maxEntries: o.maxEntries }, 'label replica turned off; every lookup reads Redis');
  };

  /** Reads `numbers` (GET + PEXPIRETIME in one pipeline); calls `keep` per number with its value. */
  const readAll = async (numbers: string[]): Promise<Array<Entry | null>> => {
    const p = data.pipeline();
    for (const n of numbers) {
      p.get(o.labelPrefix + n);
      p.call('PEXPIRETIME', o.labelPrefix + n);
    }
    const res = (await p.exec()) ?? [];
    return numbers.map((_, i) => {
      const [errGet, json] = res[2 * i] ?? [new Error('no reply')];
      const [errTtl, at] = res[2 * i + 1] ?? [new Error('no reply')];
      const err = errGet ?? errTtl;
      if (err) throw err;
      if (typeof json !== 'string') return null;
      const t = Number(at);
      return { json, expireAt: t >= 0 ? t : Number.POSITIVE_INFINITY };
    });
  };

  const put = (n: string, e: Entry | null): boolean => {
    if (e === null) {
      entries.delete(n);
      return true;
    }
    entries.set(n, e.json, e.expireAt);
    if (entries.size > o.maxEntries) {
      turnOff(`more than ${o.maxEntries} labels`);
      return false;
    }
    return true;
  };

  const scheduleRefresh = () => {
    if (refreshing || closed || state === 'off') return;
    refreshing = true;
    setImmediate(() => void refresh());
  };

  /** Re-reads invalidated keys in batches; a reply counts only if its key was not invalidated again meanwhile. */
  const refresh = async () => {
    try {
      while (queue.size > 0 && !closed && state !== 'off') {
        const batch: string[] = [];
        for (const n of queue) {
          batch.push(n);
          queue.delete(n);
          if (batch.length >= BATCH) break;
        }
        const sent = batch.map((n) => pending.get(n));
        const at = epoch;
        let values: Array<Entry | null>;
        try {
          values = await readAll(batch);
        } catch (err) {
          if (at === epoch) for (const n of batch) if (pending.has(n)) queue.add(n);
          o.log?.warn({ err: (err as Error).message }, 'label replica: re-read failed; retrying');
          retryTimer = setTimeout(scheduleRefresh, RETRY_MS);
          return;
        }
        if (at !== epoch) continue;
        for (let i = 0; i < batch.length; i++) {
          const n = batch[i];
          if (sent[i] === undefined || pending.get(n) !== sent[i]) continue;
          pending.delete(n);
          if (!put(n, values[i])) return;
        }
      }
    } finally {
      refreshing = false;
    }
  };

  const invalidate = (keys: Buffer[] | null) => {
    // Off for good (more labels than maxEntries, or closed): nothing would ever re-read or drop what is noted here.
    if (state === 'off') return;
    if (keys === null) {
      // FLUSHDB / FLUSHALL (or a message we do not understand): start over.
      reset('flush');
      void load();
      return;
    }
    for (const k of keys) {
      const key = k.toString('latin1');
      if (!key.startsWith(o.labelPrefix)) continue;
      const n = key.slice(prefixLength);
      entries.delete(n);
      pending.set(n, ++seq);
      queue.add(n);
    }
    scheduleRefresh();
  };

  /** SCANs and reads every label key; marks the replica ready when done (unless reset meanwhile). */
  const load = async () => {
    const at = epoch;
    if (state === 'off' || closed) return;
    setState('loading');
    const started = now();
    let cursor = '0';
    try {
      do {
        const [next, keys] = await data.scan(cursor, 'MATCH', `${o.labelPrefix}*`, 'COUNT', BATCH);
        cursor = next;
        if (at !== epoch) return;
        const numbers = keys.map((k) => k.slice(prefixLength));
        const values = await readAll(numbers);
        if (at !== epoch) return;
        for (let i = 0; i < numbers.length; i++) {
          // An invalidation since the load began wins: its own re-read will fill the key in.
          if (pending.has(numbers[i])) continue;
          if (!put(numbers[i], values[i])) return;
        }
      } while (cursor !== '0');
    } catch (err) {
      if (at !== epoch || closed) return;
      o.log?.warn({ err: (err as Error).message }, 'label replica: load failed; retrying');
      setTimeout(() => {
        if (at === epoch) void load();
      }, RETRY_MS);
      return;
    }
    if (at !== epoch) return;
    setState('ready');
    o.log?.info({ labels: entries.size, ms: now() - started }, 'label replica loaded');
  };

  sub.on('messageBuffer', (channel: Buffer, message: unknown) => {
    if (channel.toString() !== '__redis__:invalidate') return;
    invalidate(Array.isArray(message) ? (message as Buffer[]) : null);
  });
  sub.on('error', (err: Error) => o.log?.warn({ err: err.message }, 'label replica: tracking connection problem'));
  data.on('error', (err: Error) => o.log?.warn({ err: err.message }, 'label replica: data connection problem'));
  sub.on('close', () => {
    if (state !== 'off') reset('tracking connection closed');
  });
  sub.on('ready', () => {
    if (closed || state === 'off') return;
    const at = epoch;
    void (async () => {
      try {
        const id = await sub.client('ID');
        await sub.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', 'PREFIX', o.labelPrefix);
        await sub.subscribe('__redis__:invalidate');
      } catch (err) {
        o.log?.warn({ err: (err as Error).message }, 'label replica: could not turn on tracking; lookups read Redis');
        sub.disconnect(true);
        return;
      }
      if (at === epoch) await load();
    })();
  });
  void data.connect().catch(() => {});
  void sub.connect().catch(() => {});

  return {
    // Redis counts a key as expired once its time has passed; so does the replica (entries drop it).
    get: (number) => (state !== 'ready' || pending.has(number) ? undefined : entries.json(number, now())),
    response: (number) => (state !== 'ready' || pending.has(number) ? undefined : entries.view(number, now())),
    state: () => state,
    size: () => entries.size,
    bytes: () => entries.arenaBytes,
    unknown: () => pending.size,
    whenReady: () => (state === 'ready' || state === 'off' ? Promise.resolve() : new Promise<void>((r) => readyWaiters.push(r))),
    async close() {
      closed = true;
      epoch++;
      clearTimeout(retryTimer);
      setState('off');
      readyWaiters = [];
      sub.disconnect();
      data.disconnect();
      entries.clear();
      pending.clear();
    },
  };
}
