/**
 * The local stack's Kafka and schema registry are real: Avro values encoded
 * with schemas registered in the registry make a round trip through a
 * broker, and two members of one consumer group share a topic's partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { createSchemaRegistry, registerValueSchema, valueSubject, type RecordSchemaName } from '../../shared/kafka/index.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';
import { waitFor } from './helpers/wait.ts';
import { sampleCall, sampleComplaint, sampleConsent, sampleFlag, sampleReview, sampleUnansweredCall } from './helpers/samples.ts';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const topics: string[] = [];
const consumers: Consumer[] = [];
const groups: string[] = [];

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  await producer?.disconnect().catch(() => {});
  if (admin) {
    await deleteTestTopics(admin, topics);
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
});

describe('Avro through Kafka with the schema registry', () => {
  const cases: Array<[RecordSchemaName, object[]]> = [
    ['CallEvent', [sampleCall, sampleUnansweredCall]],
    ['ComplaintReport', [sampleComplaint]],
    ['ConsentRecord', [sampleConsent]],
    ['FlagEvent', [sampleFlag]],
    ['ReviewDecision', [sampleReview]],
  ];

  it.each(cases)('%s values survive produce, consume and decode with a fresh registry client', async (record, values) => {
    const topic = await createTestTopic(admin, 1, `avro-${record}`);
    topics.push(topic);
    const writer = createSchemaRegistry();
    const id = await registerValueSchema(writer, topic, record);
    expect(id).toBeGreaterThan(0);

    // The registry knows the subject under <topic>-value.
    const latest = await writer.getLatestSchemaId(valueSubject(topic));
    expect(latest).toBe(id);

    const encoded = await Promise.all(values.map((v) => writer.encode(id, v)));
    for (const buf of encoded) {
      expect(buf[0]).toBe(0); // Confluent wire format: magic byte 0
      expect(buf.readInt32BE(1)).toBe(id); // then the 4-byte schema id
    }
    await producer.send({ topic, messages: encoded.map((value, i) => ({ key: `k${i}`, value })) });

    const groupId = randomTopic('avro-group');
    groups.push(groupId);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received: Buffer[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!) });
    await waitFor(() => received.length >= values.length, { what: `${values.length} message(s) on ${topic}` });
    await consumer.disconnect();

    // A new client has no cache: it must fetch the schema by id from the registry.
    const reader = createSchemaRegistry();
    const decoded = await Promise.all(received.map((b) => reader.decode(b)));
    expect(decoded).toEqual(values);
  });

  it('refuses a value that does not fit the registered schema, naming the field and the value', async () => {
    const topic = randomTopic('avro-bad');
    const registry = createSchemaRegistry();
    const id = await registerValueSchema(registry, topic, 'CallEvent');
    // The schema fetched by id validates the value: the client's validation error, with the
    // offending field's path and the Avro type it does not fit. Any other failure (registry
    // unreachable, unknown id) is a different error and fails here.
    const encodeError = (value: object) => registry.encode(id, value).then(() => undefined, (err: unknown) => err);

    const outcome = await encodeError({ ...sampleCall, outcome: 'HUNG_UP' });
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).toMatchObject({ name: 'ConfluentSchemaRegistryValidationError', paths: [['outcome']] });
    expect((outcome as Error).message).toMatch(/^invalid \{"name":"callguard\.v1\.CallOutcome","type":"enum",.*\}: "HUNG_UP"$/);

    const startTime = await encodeError({ ...sampleCall, startTime: 'yesterday' });
    expect(startTime).toBeInstanceOf(Error);
    expect(startTime).toMatchObject({ name: 'ConfluentSchemaRegistryValidationError', paths: [['startTime']] });
    expect((startTime as Error).message).toBe('invalid "long": "yesterday"');
  });
});

describe('consumer group on a multi-partition topic', () => {
  it('two members both get partitions and together consume every message exactly once', async () => {
    const partitions = 4;
    const topic = await createTestTopic(admin, partitions, 'group');
    topics.push(topic);
    const groupId = randomTopic('group');
    groups.push(groupId);

    type Member = { consumer: Consumer; assigned: number[]; seen: Array<{ key: string; partition: number }> };
    const members: Member[] = [];
    for (let i = 0; i < 2; i++) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
      consumers.push(consumer);
      const m: Member = { consumer, assigned: [], seen: [] };
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        m.assigned = [...(e.payload.memberAssignment[topic] ?? [])];
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => void m.seen.push({ key: message.key!.toString(), partition }),
      });
      members.push(m);
    }

    // Wait for a stable generation in which the two members split all partitions.
    await waitFor(
      () => {
        const [a, b] = members.map((m) => m.assigned);
        return a.length > 0 && b.length > 0 && a.length + b.length === partitions && a.every((p) => !b.includes(p));
      },
      { timeoutMs: 60_000, what: 'both members to hold disjoint assignments covering all partitions' },
    );

    const total = 400;
    const messages = Array.from({ length: total }, (_, i) => ({ key: `number-${i}`, value: `call-${i}` }));
    await producer.send({ topic, messages });

    await waitFor(() => members[0].seen.length + members[1].seen.length >= total, { timeoutMs: 60_000, what: `${total} messages` });
    // Give a late duplicate a moment to show up before counting.
    await new Promise((r) => setTimeout(r, 500));

    const all = members.flatMap((m) => m.seen.map((s) => s.key));
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
    for (const m of members) {
      expect(m.seen.length).toBeGreaterThan(0);
      // Each member only read the partitions it was assigned.
      for (const s of m.seen) expect(m.assigned).toContain(s.partition);
    }
  });
});
