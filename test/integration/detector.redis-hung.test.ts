/**
 * A Redis that stops answering is down for the detector. Its process is
 * frozen (SIGSTOP) so the socket stays open and nothing comes back, not even
 * a reset: what a paused VM or a blackholed route looks like. The detector's
 * Redis handle (services/detector/state/redis.ts, whose `up` is /readyz's
 * redis check and the `_redis_up` and `_degraded` gauges) must say so after
 * one command timeout, or after its probe when there is no traffic, then
 * answer with the fallback at once, and be up again by itself once Redis
 * answers. Before, `up` followed the socket only: a frozen Redis stayed
 * "up" and every command waited out the 5 s timeout. The Redis is a
 * private redis-server, so the shared one is never frozen.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, REDIS_TIMINGS, type RedisHandle } from '../../services/detector/state/redis.ts';
import { startPrivateRedis, type PrivateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait.ts';

let server: PrivateRedis;
let redis: RedisHandle | undefined;
let frozen = false;

const { commandTimeoutMs, probeMs } = REDIS_TIMINGS;
const get = (key: string) => redis!.attempt('test get', (r) => r.get(key), 'fallback');

function freeze(): void {
  server.signal('SIGSTOP');
  frozen = true;
}

function thaw(): void {
  server.signal('SIGCONT');
  frozen = false;
}

/** Waits, sending nothing, until the handle says `up`. */
async function waitUp(up: boolean, timeoutMs: number): Promise<void> {
  await waitFor(() => redis!.up === up, { what: `redis up=${up}`, timeoutMs, intervalMs: 50 });
}

beforeAll(async () => {
  server = await startPrivateRedis();
});

afterAll(async () => {
  if (frozen) thaw();
  await redis?.close();
  await server?.destroy();
});

describe('the detector\'s Redis when Redis stops answering', () => {
  it('is down after a command times out, fails fast while down, and is up again once Redis answers', { timeout: 120_000 }, async () => {
    redis = connectRedis(server.url, pino({ level: 'silent' }));
    expect(await redis.waitReady(5_000)).toBe(true);
    await redis.attempt('test set', (r) => r.set('k', 'v'), undefined);
    expect(await get('k')).toBe('v');

    // With traffic: the first command waits out the timeout, and Redis is down from then on.
    freeze();
    let t0 = Date.now();
    expect(await get('k')).toBe('fallback');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(commandTimeoutMs - 100);
    expect(redis.up).toBe(false);
    t0 = Date.now();
    for (let i = 0; i < 5; i++) expect(await get('k')).toBe('fallback');
    expect(Date.now() - t0).toBeLessThan(100);

    // Up again by itself, without a command sent.
    thaw();
    await waitUp(true, 30_000);
    expect(await get('k')).toBe('v');

    // Without traffic: the probe finds the silence within a probe interval and a timeout.
    freeze();
    await waitUp(false, probeMs + commandTimeoutMs + 3_000);
    t0 = Date.now();
    expect(await get('k')).toBe('fallback');
    expect(Date.now() - t0).toBeLessThan(100);
    // Still down while Redis stays frozen (the reconnect's ready check is not answered either).
    await new Promise((r) => setTimeout(r, commandTimeoutMs + probeMs));
    expect(redis.up).toBe(false);

    thaw();
    await waitUp(true, 30_000);
    expect(await get('k')).toBe('v');
  });
});
