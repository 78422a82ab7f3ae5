/** The local stack's Redis as the integration tests use it. */
import { Redis } from 'ioredis';

/** A connected client of CALLGUARD_REDIS_URL (default the local stack's); a Redis that does not answer fails the connect at once. */
export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis.connect();
  return redis;
}

/** Deletes every key under `<prefix>:` (what a test wrote there). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
}
