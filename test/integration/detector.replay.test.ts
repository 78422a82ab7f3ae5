/**
 * The streaming detector produces exactly the flags `callguard replay`
 * produces on the same events, and the ClickHouse totals of those events;
 * its ops endpoint reports what it did. One partition per input topic, so
 * that one engine sees every number, as replay's does.
 */
import { describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, expectedTotals, metric, ops, readFlags, replayTotals, samples, waitForCommitted } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';

const sc = scenarioSuite({ partitions: 1, seed: 11, scale: 0.15, hours: 8 }, { timeoutMs: 180_000 });

describe('callguard detect on a simulated scenario', () => {
  it('emits exactly the flags replay emits, writes the exact ClickHouse totals and reports them', async () => {
    const { f, s, expected } = sc;
    expect(expected.length).toBeGreaterThan(20);
    const det = sc.start();
    const port = await det.port();
    await waitForCommitted(f);

    const flags = await readFlags(f);
    expect(flags.length).toBe(new Set(flags.map((x) => x.flagId)).size); // no flag emitted twice
    expect(byId(flags)).toEqual(byId(expected));
    for (const fl of flags) expect(fl.emittedAt).toBeGreaterThan(Date.now() - 600_000);

    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
    const want = expectedTotals(s);

    const ready = await ops(port, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, status: 'ready' });
    expect((await ops(port, '/healthz')).status).toBe(200);
    const m = (await ops(port, '/metrics')).body;
    expect(metric(m, 'callguard_detector_events_total', { topic: f.topics.calls, result: 'accepted' })).toBe(want.calls);
    expect(metric(m, 'callguard_detector_events_total', { topic: f.topics.calls, result: 'duplicate' })).toBe(s.calls.length - want.calls);
    expect(metric(m, 'callguard_detector_events_total', { topic: f.topics.complaints, result: 'accepted' })).toBe(want.complaints);
    expect(metric(m, 'callguard_detector_flags_total')).toBe(expected.length);
    expect(metric(m, 'callguard_detector_flags_total', { severity: 'LABEL' })).toBe(expected.filter((x) => x.severity === 'LABEL').length);
    expect(metric(m, 'callguard_detector_dlq_total')).toBe(0);
    expect(samples(m, 'callguard_detector_consumer_lag', { topic: f.topics.calls, partition: '0' })).toEqual([0]); // reported, and caught up
    expect(metric(m, 'callguard_detector_checkpoint_seconds_count')).toBeGreaterThan(0);
    expect(metric(m, 'callguard_detector_redis_up')).toBe(1);
    expect(metric(m, 'callguard_detector_snapshot_seconds_count', { kind: 'fresh' })).toBe(1); // the partition started from empty state

    // Graceful stop: exit code 0, a final snapshot of the partition in Redis.
    expect(await det.stop('SIGTERM')).toBe(0);
    expect(det.logs.some((l) => l.msg === 'final checkpoint done')).toBe(true);
    expect(await f.redis.exists(`${f.prefix}:snapshot:${f.group}:${f.topics.calls}:0`)).toBe(1);
  });
});
