/**
 * `callguard simulate --kafka`: the simulator's records reach Kafka as Avro
 * through the real registry, keyed as the contract says, the same records
 * as the file output for the same seed, at the requested rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createSchemaRegistry } from '../../shared/kafka/index.ts';
import { runScenario } from '../../services/simulator/run.ts';
import { loadScenario } from '../../services/simulator/scenario.ts';
import { KafkaSink } from '../../services/simulator/sinks/kafka.ts';
import { MemorySink } from '../../services/simulator/sinks/memory.ts';
import { toE164 } from '../../services/simulator/testing.ts';
import { deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';
import { waitFor } from './helpers/wait.ts';

let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];
const groups: string[] = [];
const consumers: Consumer[] = [];

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  if (admin) {
    await deleteTestTopics(admin, topics);
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
});

function freshTopics() {
  const t = { calls: randomTopic('sim-calls'), complaints: randomTopic('sim-complaints'), consents: randomTopic('sim-consents') };
  topics.push(t.calls, t.complaints, t.consents);
  return t;
}

interface Received {
  topic: string;
  partition: number;
  key: string;
  value: Record<string, unknown>;
}

async function consumeAll(names: string[], expected: number): Promise<Received[]> {
  const groupId = randomTopic('sim-group');
  groups.push(groupId);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  consumers.push(consumer);
  const registry = createSchemaRegistry();
  await consumer.connect();
  await consumer.subscribe({ topics: names, fromBeginning: true });
  const out: Received[] = [];
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      out.push({ topic, partition, key: message.key!.toString(), value: await registry.decode(message.value!) });
    },
  });
  await waitFor(() => out.length >= expected, { what: `${expected} records on ${names.join(', ')}`, timeoutMs: 60_000 });
  await consumer.disconnect();
  return out;
}

const byId = (a: { eventId?: string; reportId?: string; caller?: string; callee?: string }) => a.eventId ?? a.reportId ?? `${a.caller}|${a.callee}`;

describe('simulate --kafka', () => {
  it('produces the same records as the file output, Avro-encoded with contract keys', async () => {
    const scenario = loadScenario('default', { scale: 0.01, hours: 2 });
    const memory = new MemorySink();
    await runScenario(scenario, 5, memory);
    const t = freshTopics();
    const sink = await KafkaSink.connect({ topics: t });
    const result = await runScenario(scenario, 5, sink);
    const total = result.written.calls + result.written.complaints + result.written.consents;
    expect(result.written.calls).toBe(memory.calls.length);
    expect(result.written.complaints).toBeGreaterThan(0);

    const got = await consumeAll([t.calls, t.complaints, t.consents], total);
    expect(got.length).toBe(total);
    const calls = got.filter((r) => r.topic === t.calls);
    const complaints = got.filter((r) => r.topic === t.complaints);
    const consents = got.filter((r) => r.topic === t.consents);

    // Same records (nullable fields decode as null), same multiset of ids (duplicates included).
    const sortById = <T extends object>(xs: T[]) => [...xs].sort((a, b) => (byId(a) < byId(b) ? -1 : byId(a) > byId(b) ? 1 : 0));
    expect(sortById(calls.map((r) => r.value))).toEqual(sortById(memory.calls));
    expect(sortById(complaints.map((r) => r.value))).toEqual(sortById(memory.complaints));
    expect(sortById(consents.map((r) => r.value))).toEqual(sortById(memory.consents));

    // Keys: normalised calling number; reported number; caller|callee.
    for (const r of calls) expect(r.key).toBe(toE164(String(r.value.caller)));
    for (const r of complaints) expect(r.key).toBe(toE164(String(r.value.reported)));
    for (const r of consents) expect(r.key).toBe(`${toE164(String(r.value.caller))}|${toE164(String(r.value.callee))}`);

    // Within a partition, event time goes forward give or take the scenario's jitter.
    const maxLate = scenario.delivery.maxJitterSeconds * 1000;
    const high = new Map<number, number>();
    for (const r of calls) {
      const st = Number(r.value.startTime);
      const h = high.get(r.partition) ?? -Infinity;
      expect(h - st).toBeLessThanOrEqual(maxLate);
      high.set(r.partition, Math.max(h, st));
    }
  }, 120_000);

  it('holds the requested rate', async () => {
    const scenario = loadScenario('default', { scale: 0.01, hours: 1 });
    const t = freshTopics();
    const rate = 1500;
    const sink = await KafkaSink.connect({ topics: t, rate });
    const t0 = performance.now();
    const result = await runScenario(scenario, 6, sink);
    const seconds = (performance.now() - t0) / 1000;
    const total = result.written.calls + result.written.complaints + result.written.consents;
    expect(total).toBeGreaterThan(1000);
    // Paced: not faster than the rate allows (one batch of slack), and not far slower.
    expect(seconds).toBeGreaterThanOrEqual((total - rate / 20) / rate * 0.95);
    expect(seconds).toBeLessThan((total / rate) * 3 + 5);
  }, 120_000);

  it('fails with a clear message when the registry cannot be reached', async () => {
    // Topics that are never created (nothing to clean up).
    const never = { calls: randomTopic('sim-never'), complaints: randomTopic('sim-never'), consents: randomTopic('sim-never') };
    await expect(KafkaSink.connect({ topics: never, registryUrl: 'http://127.0.0.1:9/apis/ccompat/v7' })).rejects.toThrow(/cannot register schemas at http:\/\/127\.0\.0\.1:9/);
  }, 60_000);
});
