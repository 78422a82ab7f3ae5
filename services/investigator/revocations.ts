/**
 * Logouts shared by every console instance: one Redis key per ended session,
 * `<prefix>:console:revoked:<token MAC>`, expiring when the token would have
 * expired anyway (so the set never outgrows the sessions in their lifetime).
 * With several instances behind one balancer, a logout taken by one is
 * refused by all.
 */
import type { Redis } from 'ioredis';
import type { RevocationStore } from './auth.ts';

/** The key of an ended session under `keyPrefix`. */
export const revokedKey = (keyPrefix: string, mac: string) => `${keyPrefix}:console:revoked:${mac}`;

/** Revocations in Redis under `keyPrefix`; rejects when Redis does not answer (auth.ts falls back to the process's own). */
export function redisRevocations(redis: Redis, keyPrefix: string, now: () => number = Date.now): RevocationStore {
  return {
    async add(mac, expiresAt) {
      await redis.set(revokedKey(keyPrefix, mac), '1', 'PX', Math.max(1, expiresAt - now()));
    },
    async has(mac) {
      return (await redis.exists(revokedKey(keyPrefix, mac))) === 1;
    },
  };
}
