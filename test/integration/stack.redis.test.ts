/** The local stack's Redis is real: values, hashes and expiry make a round trip. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { randomKey } from './helpers/names.ts';
import { connectTestRedis } from './helpers/redis.ts';

let redis: Redis;
const keys: string[] = [];

beforeAll(async () => {
  redis = await connectTestRedis();
});

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
});

describe('Redis', () => {
  it('answers PING and round-trips a string, a hash and an expiring key', async () => {
    expect(await redis.ping()).toBe('PONG');
    const k = randomKey();
    const h = randomKey();
    const e = randomKey();
    keys.push(k, h, e);
    await redis.set(k, 'label:+8613812345678');
    expect(await redis.get(k)).toBe('label:+8613812345678');
    await redis.hset(h, { severity: 'LABEL', score: '70' });
    expect(await redis.hgetall(h)).toEqual({ severity: 'LABEL', score: '70' });
    // An expiry long enough that the key is surely there when read back on a loaded machine, then waited out: the key
    // is gone once its expiry time (as Redis states it) has passed.
    await redis.set(e, '1', 'PX', 1_500);
    expect(await redis.exists(e)).toBe(1);
    const ttl = await redis.pttl(e);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_500);
    const expireAt = Number(await redis.call('PEXPIRETIME', e));
    while (Date.now() <= expireAt + 50) await new Promise((r) => setTimeout(r, expireAt + 50 - Date.now() + 1));
    expect(await redis.exists(e)).toBe(0);
  });
});
