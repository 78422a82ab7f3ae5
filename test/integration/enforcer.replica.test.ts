/**
 * The enforcer's in-process label replica against the real Redis: it loads
 * the label keys, follows every change made by any client (set, delete,
 * expiry, new keys written while it loads), drops an entry at its key's
 * expiry time, stops answering when its tracking connection is lost and
 * comes back complete, and turns itself off beyond its size limit.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { startLabelReplica, type LabelReplica } from '../../services/enforcer/label-replica.ts';
import { waitFor } from './helpers/wait.ts';

const url = process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379';
const redis = new Redis(url, { maxRetriesPerRequest: 2 });
const replicas: LabelReplica[] = [];
const prefixes: string[] = [];

function fresh(maxEntries = 100_000): { prefix: string; key: (n: string) => string; start(log?: Logger): LabelReplica; name: string } {
  const id = randomBytes(5).toString('hex');
  const prefix = `callguard:test:rep${id}:label:`;
  prefixes.push(prefix);
  const name = `callguard-test-replica-${id}`;
  return {
    prefix,
    name,
    key: (n) => prefix + n,
    start(log) {
      const r = startLabelReplica({ redisUrl: url, labelPrefix: prefix, maxEntries, connectionName: name, log });
      replicas.push(r);
      return r;
    },
  };
}

/** TTL of the expiring keys: far longer than the set-up before the expiry is awaited, even on a loaded machine. */
const TTL_MS = 5_000;
const num = (i: number) => `+86139${String(i).padStart(8, '0')}`;
const json = (n: string, v: number) => JSON.stringify({ number: n, status: 'LABELED', v });

/**
 * Waits until every invalidation has been re-read. The deadlines in this file only bound a wait for something that
 * normally takes milliseconds (a push from Redis, a re-read): they are generous so that a loaded 2-core CI machine
 * that stalls this process for a few seconds does not fail a test whose replica did nothing wrong.
 */
const settled = (r: LabelReplica) => waitFor(() => r.state() === 'ready' && r.unknown() === 0, { what: 'the replica to settle', timeoutMs: 30_000, intervalMs: 20 });

afterAll(async () => {
  for (const r of replicas) await r.close();
  for (const p of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
  redis.disconnect();
});

describe('label replica', () => {
  it('loads the existing labels, answers null for a number without one, and follows sets and deletes by another client', async () => {
    const f = fresh();
    await redis.set(f.key(num(1)), json(num(1), 1));
    await redis.set(f.key(num(2)), json(num(2), 1), 'PX', 3_600_000);
    const r = f.start();
    expect(r.get(num(1))).toBeUndefined(); // not loaded yet: the caller must ask Redis
    await r.whenReady();
    expect(r.state()).toBe('ready');
    expect(r.size()).toBe(2);
    expect(r.get(num(1))).toBe(json(num(1), 1));
    expect(r.get(num(3))).toBeNull();

    await redis.set(f.key(num(1)), json(num(1), 2));
    await redis.set(f.key(num(3)), json(num(3), 1));
    await redis.del(f.key(num(2)));
    await settled(r);
    expect(r.get(num(1))).toBe(json(num(1), 2));
    expect(r.get(num(3))).toBe(json(num(3), 1));
    expect(r.get(num(2))).toBeNull();
  });

  it('never answers an old value once the invalidation has arrived: a read right after a write is new or goes to Redis', async () => {
    const f = fresh();
    await redis.set(f.key(num(7)), json(num(7), 0));
    const r = f.start();
    await r.whenReady();
    for (let v = 1; v <= 200; v++) {
      await redis.set(f.key(num(7)), json(num(7), v));
      // A round trip on another connection after the write: by then Redis has sent the
      // invalidation; once it is here, the replica must not return anything older than v.
      await redis.ping();
      await waitFor(() => r.get(num(7)) !== json(num(7), v - 1) || undefined, { what: `invalidation of v${v - 1}`, timeoutMs: 10_000, intervalMs: 1 });
      const got = r.get(num(7));
      expect(got === undefined || got === json(num(7), v)).toBe(true);
    }
    await settled(r);
    expect(r.get(num(7))).toBe(json(num(7), 200));
  });

  it('drops an entry at its key expiry time, before Redis deletes the key, and follows a changed expiry', async () => {
    const f = fresh();
    const r = f.start();
    await r.whenReady();
    // The keys must still be alive while the replica is checked to hold them and num(5)'s expiry is moved: with a
    // 400 ms TTL, a set-up slowed down by a loaded machine could find them expired (and PEXPIRE then has no key to change).
    await redis.set(f.key(num(4)), json(num(4), 1), 'PX', TTL_MS);
    await redis.set(f.key(num(5)), json(num(5), 1), 'PX', TTL_MS);
    const expireAt = Number(await redis.call('PEXPIRETIME', f.key(num(4))));
    await settled(r);
    expect(Date.now(), 'the set-up outlasted the keys\' TTL').toBeLessThan(expireAt);
    expect(r.get(num(4))).toBe(json(num(4), 1));
    expect(await redis.pexpire(f.key(num(5)), 60_000)).toBe(1);
    await settled(r);
    await waitFor(() => Date.now() > expireAt, { intervalMs: 5 });
    // Past the expiry the replica never serves the label. It answers null by itself; or, when Redis's active expiry
    // deleted the key at that instant, undefined while it re-reads the key after the invalidation push, then null.
    const atExpiry = r.get(num(4));
    expect(atExpiry === null || atExpiry === undefined, `served ${atExpiry} past the expiry`).toBe(true);
    await settled(r);
    expect(r.get(num(4))).toBeNull();
    expect(await redis.get(f.key(num(4)))).toBeNull();
    expect(r.get(num(5))).toBe(json(num(5), 1));
  });

  it('ends equal to Redis when thousands of keys change while it loads and after', async () => {
    const f = fresh();
    const n = 20_000;
    for (let i = 0; i < n; i += 2000) {
      const p = redis.pipeline();
      for (let j = i; j < i + 2000; j++) p.set(f.key(num(j)), json(num(j), 0));
      await p.exec();
    }
    const r = f.start();
    // Churn while the replica subscribes and SCANs: rewrite, delete and create keys.
    const writer = new Redis(url);
    let round = 0;
    while (r.state() !== 'ready' || round < 5) {
      round++;
      const p = writer.pipeline();
      for (let k = 0; k < 500; k++) {
        const i = Math.floor(Math.random() * (n + 2000));
        if (k % 7 === 0) p.del(f.key(num(i)));
        else p.set(f.key(num(i)), json(num(i), round));
      }
      await p.exec();
      await new Promise((res) => setTimeout(res, 5));
    }
    writer.disconnect();
    await settled(r);
    const mismatches: string[] = [];
    for (let i = 0; i < n + 2000; i += 500) {
      const p = redis.pipeline();
      for (let j = i; j < i + 500; j++) p.get(f.key(num(j)));
      const res = (await p.exec()) ?? [];
      res.forEach(([, v], k) => {
        if (r.get(num(i + k)) !== (v ?? null)) mismatches.push(num(i + k));
      });
    }
    expect(mismatches).toEqual([]);
  });

  it('stops answering when its tracking connection is killed, and comes back complete with what changed meanwhile', async () => {
    const f = fresh();
    await redis.set(f.key(num(8)), json(num(8), 1));
    // What the replica answers at the moment it resets (read inside its own log call, so no poll can miss it).
    const resets: Array<{ why: unknown; state: string; v8: string | null | undefined; size: number }> = [];
    const quiet = () => {};
    const log = {
      info: (o: { why?: unknown }, msg: string) => {
        if (msg.startsWith('label replica reset')) resets.push({ why: o.why, state: r.state(), v8: r.get(num(8)), size: r.size() });
      },
      warn: quiet,
      debug: quiet,
      error: quiet,
    } as unknown as Logger;
    const r = f.start(log);
    await r.whenReady();
    expect(r.get(num(8))).toBe(json(num(8), 1));
    const list = (await redis.client('LIST')) as string;
    const id = /id=(\d+) [^\n]*name=([^ ]+)/g;
    const ids = [...list.matchAll(id)].filter((m) => m[2] === f.name).map((m) => m[1]);
    expect(ids).toHaveLength(1);
    await redis.call('CLIENT', 'KILL', 'ID', ids[0]);
    await redis.set(f.key(num(8)), json(num(8), 2));
    await redis.set(f.key(num(9)), json(num(9), 1));
    await waitFor(() => resets.length > 0, { what: 'the replica to notice the lost connection', timeoutMs: 15_000, intervalMs: 5 });
    // From then on it answers nothing of its own (lookups go to Redis) and holds no entries, until it has reloaded.
    expect(resets[0]).toEqual({ why: 'tracking connection closed', state: 'starting', v8: undefined, size: 0 });
    await waitFor(() => r.state() === 'ready', { what: 'the replica to reload', timeoutMs: 30_000 });
    await settled(r);
    expect(r.get(num(8))).toBe(json(num(8), 2));
    expect(r.get(num(9))).toBe(json(num(9), 1));
  });

  it('turns itself off beyond its size limit, so lookups read Redis', async () => {
    const f = fresh(3);
    for (let i = 0; i < 5; i++) await redis.set(f.key(num(i)), json(num(i), 1));
    const r = f.start();
    await r.whenReady();
    expect(r.state()).toBe('off');
    expect(r.get(num(1))).toBeUndefined();
    expect(r.size()).toBe(0);
  });
});
