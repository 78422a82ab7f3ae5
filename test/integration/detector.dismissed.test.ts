/**
 * The detector reads the console's dismissal records from the real Redis:
 * `<prefix>:dismissed:<number>` hashes as `callguard investigate` writes them.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../services/detector/state/redis.ts';
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
});
