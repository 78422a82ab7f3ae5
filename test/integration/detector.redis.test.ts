/**
 * Without Redis the detector keeps detecting with what it has (no
 * allowlist, dedup marks or snapshots), says so on /readyz and /metrics,
 * and recovers by itself once Redis answers. The Redis here is a private
 * redis-server started by the test on a free port, so the shared one is
 * never disturbed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, metric, ops, readFlags, replayTotals, waitForCommitted } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';
import { freePort } from '../../services/stack/ports.ts';

let redisServer: ChildProcess | undefined;

// No allowlist: it lives in Redis, which is away.
const sc = scenarioSuite({ partitions: 1, seed: 7, scale: 0.1, hours: 6, allowlist: false }, { timeoutMs: 180_000 });

afterAll(() => {
  redisServer?.kill('SIGKILL');
});

describe('the detector without Redis', () => {
  it('detects in degraded mode and recovers when Redis comes back', async () => {
    const { f, s, expected } = sc;
    const port = await freePort();
    const det = sc.start({ CALLGUARD_REDIS_URL: `redis://127.0.0.1:${port}`, CALLGUARD_DETECTOR_SNAPSHOT_MS: '500' });
    const opsPort = await det.port();
    await waitForCommitted(f);

    expect(byId(await readFlags(f))).toEqual(byId(expected));
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
    const ready = await ops(opsPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false, status: 'degraded', checks: { redis: false, assigned: true, consents: true } });
    const m = (await ops(opsPort, '/metrics')).body;
    expect(metric(m, 'callguard_detector_degraded')).toBe(1);
    expect(metric(m, 'callguard_detector_redis_up')).toBe(0);

    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(async () => (await ops(opsPort, '/readyz')).status === 200, { what: '/readyz to recover', timeoutMs: 30_000, intervalMs: 200 });
    // /readyz and the gauge are updated by the same health check, a scrape apart: wait for the gauge too.
    await waitFor(async () => metric((await ops(opsPort, '/metrics')).body, 'callguard_detector_degraded') === 0, {
      what: 'the degraded gauge to return to 0',
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    expect(metric((await ops(opsPort, '/metrics')).body, 'callguard_detector_redis_up')).toBe(1);
    const r = new Redis(`redis://127.0.0.1:${port}`);
    try {
      await waitFor(async () => (await r.exists(`${f.prefix}:snapshot:${f.group}:${f.topics.calls}:0`)) === 1, { what: 'a snapshot in the recovered Redis', timeoutMs: 30_000 });
    } finally {
      r.disconnect();
    }
    expect(await det.stop()).toBe(0);
  });
});
