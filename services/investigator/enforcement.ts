/**
 * A number's enforcement as the console shows it: read from the Redis keys
 * the enforcer writes (shared/contracts/redis-keys.ts).
 */
import type { Redis } from 'ioredis';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import type { EnforcementReader } from './routes-data.ts';

/** Reads the lookup view and the dismissal record of a number under `keyPrefix`; rejects when Redis does not answer. */
export function redisEnforcementReader(redis: Redis, keyPrefix: string): EnforcementReader {
  const keys = enforcerKeys(keyPrefix);
  return async (number) => {
    const [view, dismissed] = await Promise.all([redis.get(keys.label(number)), redis.hgetall(keys.dismissed(number))]);
    return { view: view ? (JSON.parse(view) as Record<string, unknown>) : null, dismissed: Object.keys(dismissed).length > 0 ? dismissed : null };
  };
}
