/**
 * The detector's Redis connection: commands fail fast while it is down
 * (no offline queue), it reconnects by itself, and `up` tells whether the
 * last contact worked, for /readyz and /metrics.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A Redis client plus its health. */
export interface RedisHandle {
  readonly client: Redis;
  /** True while connected and the last command did not fail for lack of a connection. */
  readonly up: boolean;
  /** Runs `fn`, recording failures; returns `fallback` when Redis is unavailable. */
  attempt<T>(what: string, fn: (r: Redis) => Promise<T>, fallback: T): Promise<T>;
  /** Resolves true once connected, false after `ms` without a connection. */
  waitReady(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Connects (lazily) to `url`. */
export function connectRedis(url: string, log: Logger, onChange?: (up: boolean) => void): RedisHandle {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 5_000,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  });
  let up = false;
  const set = (v: boolean) => {
    if (v !== up) {
      up = v;
      if (v) log.info('redis connected');
      else log.warn('redis unavailable: detecting with what is in memory (degraded)');
      onChange?.(v);
    }
  };
  client.on('ready', () => set(true));
  client.on('end', () => set(false));
  client.on('close', () => set(false));
  client.on('error', (e: Error) => log.debug({ err: e.message }, 'redis error'));
  return {
    client,
    get up() {
      return up;
    },
    async attempt<T>(what: string, fn: (r: Redis) => Promise<T>, fallback: T): Promise<T> {
      if (client.status !== 'ready') return fallback;
      try {
        return await fn(client);
      } catch (e) {
        log.warn({ err: (e as Error).message, what }, 'redis command failed');
        return fallback;
      }
    },
    waitReady(ms: number): Promise<boolean> {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          client.off('ready', ok);
          resolve(false);
        }, ms);
        function ok() {
          clearTimeout(t);
          resolve(true);
        }
        client.once('ready', ok);
      });
    },
    async close() {
      client.disconnect();
    },
  };
}
