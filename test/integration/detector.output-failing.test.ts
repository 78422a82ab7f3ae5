/**
 * An output that keeps failing while the detector runs: its DLQ topic is
 * deleted after the start (the start's topic check passed), and an
 * undecodable call then needs a DLQ record. The send is refused by the
 * broker (`This server does not host this topic-partition`) and retried
 * without end, so nothing is committed — and /readyz, which used to say
 * `ready` through this, answers 503 `degraded` naming the Kafka output once
 * the failure has lasted longer than CALLGUARD_DETECTOR_OUTPUT_GRACE_MS
 * (8 s here: long enough that /readyz read as soon as the first failure shows
 * is always within it), with `_sink_failing{sink="kafka"}` 1, while /healthz stays
 * 200. The topic created again: the record lands, the input is committed,
 * and /readyz is ready again by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, metric, ops, readTopic, startDetector, waitForCommitted, type DetectorProcess, type Fixture } from './detector-harness.ts';
import { waitFor } from './helpers/wait.ts';

let f: Fixture;
let det: DetectorProcess | undefined;

beforeAll(async () => {
  f = await createFixture(1);
}, 60_000);

afterAll(async () => {
  await det?.stop('SIGKILL');
  await f?.cleanup();
}, 60_000);

/** /readyz as JSON, with its status code. */
async function readyz(port: number): Promise<{ code: number; status: string; checks: Record<string, boolean>; error?: string }> {
  const r = await ops(port, '/readyz');
  return { code: r.status, ...(JSON.parse(r.body) as { status: string; checks: Record<string, boolean>; error?: string }) };
}

describe('an output topic deleted while the detector runs', () => {
  it('/readyz is degraded past the grace, naming the Kafka output and its error, and ready again once the topic is back', async () => {
    det = startDetector(f, { CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: '8000' });
    const port = await det.port();
    await waitFor(async () => (await readyz(port)).code === 200, { what: 'the detector to be ready', timeoutMs: 60_000, intervalMs: 200 });

    await f.admin.deleteTopics({ topics: [f.topics.dlq], timeout: 10_000 });
    await waitFor(async () => !(await f.admin.listTopics()).includes(f.topics.dlq), { what: 'the DLQ topic to be gone', timeoutMs: 30_000, intervalMs: 200 });
    await f.producer.send({ topic: f.topics.calls, acks: -1, messages: [{ key: 'junk', value: Buffer.from('{"not":"avro"}') }] });

    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_errors_total', { sink: 'kafka' }) > 0, {
      what: 'the DLQ send to fail',
      timeoutMs: 60_000,
    });
    // Within the grace: read as soon as the first failure shows (the metric is polled every 100 ms), well inside 8 s.
    expect(await readyz(port)).toMatchObject({ code: 200, status: 'ready' });

    await waitFor(async () => (await readyz(port)).status === 'degraded', { what: '/readyz degraded', timeoutMs: 60_000, intervalMs: 200 });
    const r = await readyz(port);
    expect(r).toMatchObject({ code: 503, status: 'degraded', checks: { kafkaOutput: false, clickhouseOutput: true, redis: true, consents: true, assigned: true } });
    expect(r.error).toMatch(/^Kafka output \(flags, DLQ\) failing for \d+ s \(produce DLQ records; retried, nothing committed meanwhile\): \S/);
    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_failing', { sink: 'kafka' }) === 1, { what: 'the sink_failing gauge at 1', timeoutMs: 5_000 });
    expect((await ops(port, '/healthz')).status).toBe(200);
    const committed = await f.admin.fetchOffsets({ groupId: f.group, topics: [f.topics.calls] });
    expect(committed[0]?.partitions.every((p) => Number(p.offset) < 1)).toBe(true); // the undecodable call (offset 0) is not committed

    await f.admin.createTopics({ waitForLeaders: true, topics: [{ topic: f.topics.dlq, numPartitions: 1 }] });
    await waitForCommitted(f, 120_000);
    await waitFor(async () => (await readyz(port)).code === 200, { what: '/readyz ready again', timeoutMs: 10_000, intervalMs: 200 });
    expect((await readyz(port)).checks.kafkaOutput).toBe(true);
    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_failing', { sink: 'kafka' }) === 0, { what: 'the sink_failing gauge at 0', timeoutMs: 5_000 });
    const dlq = await readTopic(f, f.topics.dlq);
    expect(dlq.map((d) => d.headers['x-source-offset'])).toEqual(['0']);
    expect(dlq[0]?.headers['x-error']).toMatch(/^not Confluent wire format/);
  }, 300_000);
});
