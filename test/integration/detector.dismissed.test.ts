/**
 * The detector reads the console's dismissal records from the real Redis:
 * `<prefix>:dismissed:<number>` hashes as `callguard investigate` writes them;
 * and the flag lane records the flags it drops as dismissed evidence (`d`
 * marks, through a fenced Lua script), which the lookups after a restart read.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../services/detector/state/redis.ts';
import { OwnerFence } from '../../services/detector/state/owner-fence.ts';
import { FlagDedup } from '../../services/detector/state/stores.ts';
import { waitFor } from './helpers/wait.ts';

const url = process.env.CALLGUARD_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomUUID()}`;
const raw = new Redis(url);
const handle = connectRedis(url, pino({ level: 'silent' }));

afterAll(async () => {
  const keys = await raw.keys(`${prefix}:*`);
  if (keys.length) await raw.del(...keys);
  raw.disconnect();
  await handle.close();
});

describe('dismissal records in Redis', () => {
  it('are read as the windowEnd and severity of the dismissed evidence, per number', async () => {
    await raw.hset(`${prefix}:dismissed:+8613900000007`, { flagId: 'f1', windowEnd: '1740960000000', windowStart: '1740873600000', severity: 'LABEL', reviewer: 'ana', decidedAt: '1' });
    const store = new FlagDedup(handle, prefix, 'flags', 60);
    await waitFor(() => handle.up, { what: "the detector's Redis handle to connect", timeoutMs: 30_000, intervalMs: 50 });
    const got = await store.dismissedUntil(['+8613900000007', '+8613900000008']);
    expect([...got]).toEqual([['+8613900000007', { windowEnd: 1740960000000, severity: 'LABEL' }]]);
  });

  it("a flag dropped as dismissed is marked `d` with the marks' TTL (over a pending mark, never over `e`), only by the partition's owner", async () => {
    const fence = new OwnerFence(handle, prefix, 'g', 'calls');
    const store = new FlagDedup(handle, prefix, 'flags', 60, fence);
    await waitFor(() => handle.up, { what: "the detector's Redis handle to connect", timeoutMs: 30_000, intervalMs: 50 });
    const gen = await fence.acquire(0);
    await raw.set(`${prefix}:flag:flags:out`, 'e');
    await raw.set(`${prefix}:flag:flags:pending`, 'p:123:1');
    expect(await store.dismiss(0, gen, ['dropped', 'out', 'pending'])).toBe(2);
    expect(Object.fromEntries((await store.peek(['dropped', 'out', 'pending']))!)).toEqual({ dropped: 'd', out: 'e', pending: 'd' });
    const ttl = await raw.ttl(`${prefix}:flag:flags:dropped`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    // A claim finds the mark (the lane drops such a flag again), and the unused lookup() does not take it for emitted.
    expect(await store.claim(0, gen, ['dropped', 'new'], `p:999:${gen}`)).toEqual({ claimed: ['new'], found: new Map([['dropped', 'd']]) });
    expect(await store.lookup(['dropped', 'out'])).toEqual({ emitted: new Set(['out']), pending: new Map() });
    // Another instance took partition 0: nothing written.
    await fence.acquire(0);
    expect(await store.dismiss(0, gen, ['late'])).toBe('fenced');
    expect(await raw.get(`${prefix}:flag:flags:late`)).toBeNull();
  });
});
