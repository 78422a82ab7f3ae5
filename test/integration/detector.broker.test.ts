/**
 * A Kafka broker restart in the middle of a stream: the broker is killed
 * (SIGKILL, no controlled shutdown) while the detector is working through
 * the input, stays away longer than kafkajs' own retries, and is started
 * again on the same data. The detector must survive it (no crash, health
 * answered throughout), then finish with exactly the flags replay gives,
 * no flagId twice, and exact ClickHouse totals.
 *
 * The broker is a private one (the stack's jars on other ports, see
 * helpers/private-kafka.ts), so the shared broker is not disturbed. Every
 * input is produced before the detector starts, so the event-time merge
 * sees replay's order; two partitions, per-partition oracle.
 */
import { describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, committedCount, metric, ops, PER_PARTITION_ENV, readFlags, readTopic, replayTotals, waitForCommitted } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { startPrivateKafka, type PrivateKafka } from './helpers/private-kafka.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 2;
// Small fetches and a low pending limit make the stream last long enough to lose its broker in the middle.
const ENV = {
  ...PER_PARTITION_ENV,
  CALLGUARD_DETECTOR_FLUSH_MS: '200',
  CALLGUARD_DETECTOR_SNAPSHOT_MS: '500',
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '65536',
  CALLGUARD_DETECTOR_MAX_PENDING: '3000',
};
/** Longer than kafkajs' default retries (5, from 300 ms doubling: about 10 s), so its consumer and producer give up at least once. */
const DOWN_MS = 15_000;

let broker: PrivateKafka;

const sc = scenarioSuite(
  async () => {
    broker = await startPrivateKafka();
    return { partitions: PARTITIONS, brokers: broker.brokers, seed: 29, scale: 0.2, hours: 8, partitioned: true };
  },
  {
    timeoutMs: 300_000,
    teardownTimeoutMs: 120_000,
    teardown: async (dispose) => {
      if (broker && !broker.running) await broker.start().catch(() => {}); // the fixture is removed through the broker
      await dispose();
      await broker?.destroy();
    },
  },
);

/** Calls committed so far by the group, over all partitions. */
const committedCalls = () => committedCount(sc.f);

describe('a Kafka broker restart mid-stream', () => {
  it('is survived: exactly replay’s flags, no flagId twice, exact ClickHouse totals', async () => {
    const { f, s, expected } = sc;
    expect(expected.length).toBeGreaterThan(50);
    const det = sc.start(ENV);
    const port = await det.port();
    const total = s.calls.length;
    await waitFor(async () => (await committedCalls()) >= total * 0.3, { what: '30% of the calls committed', timeoutMs: 120_000, intervalMs: 50 });
    const before = await committedCalls();
    expect(before).toBeLessThan(total); // really mid-stream

    await broker.stop('SIGKILL');
    const downSince = Date.now();
    // While the broker is away the process stays up and answers its health checks.
    while (Date.now() - downSince < DOWN_MS) {
      expect(det.proc.exitCode, 'the detector exited while the broker was down').toBeNull();
      expect((await ops(port, '/healthz')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const during = (await ops(port, '/metrics')).body;
    expect(metric(during, 'callguard_detector_sink_errors_total') + det.logs.filter((l) => l.kafkajs !== undefined).length).toBeGreaterThan(0); // it did notice

    await broker.start();
    await waitForCommitted(f, 180_000);
    expect(det.proc.exitCode).toBeNull();
    expect((await ops(port, '/readyz')).status).toBe(200);

    const dlq = await readTopic(f, f.topics.dlq);
    expect(dlq.map((d) => d.headers['x-error'])).toEqual([]); // nothing late, nothing refused
    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    const got = new Set(ids);
    const missing = expected.filter((x) => !got.has(x.flagId));
    const extra = flags.filter((x) => !expected.some((e) => e.flagId === x.flagId));
    expect({ missing: missing.length, extra: extra.length }).toEqual({ missing: 0, extra: 0 });
    expect(ids.length - new Set(ids).size).toBe(0); // no flagId twice on the topic
    expect(byId(flags)).toEqual(byId(expected)); // none lost, none different
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
    expect(det.logs.filter((l) => l.level === 60)).toEqual([]); // no fatal log
  }, 540_000); // 70 s here on a loaded 2-core machine against the default 120 s; its own waits (120 s to 30 %, 15 s down, 90 s for the restart, 180 s to commit) name what they waited for, the default would cut them short unnamed
});
