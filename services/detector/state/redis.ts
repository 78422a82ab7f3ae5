/**
 * The detector's Redis connection: commands fail fast while it is down
 * (no offline queue), it reconnects by itself, and `up` tells whether Redis
 * answers, for /readyz and /metrics.
 *
 * Down is not only a closed socket. A Redis that stops answering (process
 * stopped, VM paused, route blackholed) leaves the socket open and sends
 * nothing, not even a reset, so ioredis stays `ready` and every command
 * waits out its timeout. A command that times out therefore marks Redis
 * down and replaces the socket (ioredis reconnects); while down, commands
 * return their fallback at once. Redis is up again when the new connection
 * passes ioredis' ready check (an INFO that must be answered), which
 * happens by itself, with or without traffic. A PING every `probeMs` while
 * up finds the silence when nothing else is being sent.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A Redis client plus its health. */
export interface RedisHandle {
  readonly client: Redis;
  /** True while connected and the last command did not fail for lack of an answer (a timeout or a lost connection). */
  readonly up: boolean;
  /** Runs `fn`, recording failures; returns `fallback` at once while Redis is down, and when `fn` fails. */
  attempt<T>(what: string, fn: (r: Redis) => Promise<T>, fallback: T): Promise<T>;
  /** Resolves true once connected, false after `ms` without a connection. */
  waitReady(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How long a command may go unanswered before Redis counts as down, and how often an idle connection is probed. */
export interface RedisTimings {
  commandTimeoutMs: number;
  probeMs: number;
}

export const REDIS_TIMINGS: RedisTimings = { commandTimeoutMs: 5_000, probeMs: 2_000 };

/** ioredis' rejection of a command unanswered for `commandTimeout`. */
const TIMED_OUT = 'Command timed out';

/** Connects (lazily) to `url`. */
export function connectRedis(url: string, log: Logger, onChange?: (up: boolean) => void, timings: RedisTimings = REDIS_TIMINGS): RedisHandle {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: timings.commandTimeoutMs,
    // A command that timed out has had its fallback taken: it is not sent again on the replacing connection.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  });
  let up = false;
  // Counts 'ready' events: a command that times out marks Redis down only if sent on the connection still in use
  // (one sent on a replaced connection times out after the new one may already answer).
  let connection = 0;
  const set = (v: boolean) => {
    if (v !== up) {
      up = v;
      if (v) log.info('redis connected');
      else log.warn('redis unavailable: detecting with what is in memory (degraded)');
      onChange?.(v);
    }
  };
  client.on('ready', () => {
    connection++;
    set(true);
  });
  client.on('end', () => set(false));
  client.on('close', () => set(false));
  client.on('error', (e: Error) => log.debug({ err: e.message }, 'redis error'));

  const attempt = async <T>(what: string, fn: (r: Redis) => Promise<T>, fallback: T): Promise<T> => {
    if (!up || client.status !== 'ready') return fallback;
    const sentOn = connection;
    try {
      return await fn(client);
    } catch (e) {
      const err = (e as Error).message;
      log.warn({ err, what }, 'redis command failed');
      if (err === TIMED_OUT && sentOn === connection && up) {
        log.warn({ what, timeoutMs: timings.commandTimeoutMs }, 'redis does not answer: connection dropped for a new one');
        set(false);
        if (client.status === 'ready') client.disconnect(true);
      }
      return fallback;
    }
  };

  let probing = false;
  const probe = setInterval(() => {
    if (probing || !up) return;
    probing = true;
    void attempt('probe (PING)', (r) => r.ping(), undefined).finally(() => {
      probing = false;
    });
  }, timings.probeMs);
  probe.unref();

  return {
    client,
    get up() {
      return up;
    },
    attempt,
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
      clearInterval(probe);
      client.disconnect();
    },
  };
}
