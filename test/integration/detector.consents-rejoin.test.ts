/**
 * The detector's consents reader (KafkajsTopicReader: a throw-away group
 * that never commits) against the real broker, through a real rejoin of
 * its group: a second member joins the same group id (the reader rejoins
 * and gives it some partitions), the second member leaves (the reader
 * rejoins and takes them back), with records produced before, during and
 * after. Every record is delivered once, in offset order, none fetched
 * again; `caughtUp` resolves after the first read; the group is deleted on
 * stop. Before, kafkajs began every rejoin at the group's committed offsets
 * (none) and so at the beginning: each record was delivered again.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsTopicReader } from '../../services/detector/kafka/kafkajs-source.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 3;

let kafka: Kafka;
let admin: Admin;
let topic: string;

beforeAll(async () => {
  kafka = testKafka('callguard-test-consents-rejoin');
  admin = kafka.admin();
  await admin.connect();
  topic = await createTestTopic(admin, PARTITIONS, 'consents-rejoin');
});

afterAll(async () => {
  await deleteTestTopics(admin, [topic]);
  await admin.disconnect();
});

/** Produces `n` records to every partition. */
async function produceEach(n: number, tag: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition: p, key: `${tag}|${p}|${i}`, value: Buffer.from(`${tag}-${i}`) })) });
    }
  } finally {
    await producer.disconnect();
  }
}

async function endOffsets(): Promise<Map<number, number>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
}

describe('consents reader', () => {
  it('resumes where delivery stopped after its group rejoins: every record delivered once, in order', async () => {
    await produceEach(400, 'before');
    const reader = new KafkajsTopicReader(kafka, topic, randomTopic('callguard-test'));
    const delivered = new Map<number, number[]>();
    reader.batches$.subscribe((b) => {
      let list = delivered.get(b.partition);
      if (!list) delivered.set(b.partition, (list = []));
      for (const m of b.messages) list.push(m.offset);
    });
    const count = () => [...delivered.values()].reduce((a, l) => a + l.length, 0);
    const reachedEnds = async () => {
      const ends = await endOffsets();
      return [...ends].every(([p, end]) => (delivered.get(p)?.at(-1) ?? -1) + 1 >= end);
    };
    let intruder: Consumer | null = null;
    try {
      await reader.start();
      await waitFor(async () => (await Promise.race([reader.caughtUp.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 200))])) || undefined, {
        what: 'the reader caught up',
        timeoutMs: 30_000,
      });
      expect(count()).toBe(PARTITIONS * 400);
      expect(reader.joins).toBe(1);

      // A second member of the same group: the group rebalances, the reader rejoins with part of the partitions.
      intruder = kafka.consumer({ groupId: reader.groupId, sessionTimeout: 30_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
      const intruderAssigned: number[][] = [];
      intruder.on(intruder.events.GROUP_JOIN, ({ payload }) => intruderAssigned.push(((payload.memberAssignment as Record<string, number[]>)[topic] ?? []).slice()));
      await intruder.connect();
      await intruder.subscribe({ topic, fromBeginning: true });
      await intruder.run({ autoCommit: false, eachBatch: async () => {} });
      await waitFor(() => reader.joins >= 2 && intruderAssigned.length >= 1, { what: 'the reader rejoined with the second member in the group', timeoutMs: 60_000, intervalMs: 200 });
      expect(intruderAssigned[0].length, 'the second member took partitions from the reader').toBeGreaterThan(0);

      await produceEach(50, 'during'); // the reader's share is delivered now, the rest after it takes its partitions back
      // The second member leaves: the reader rejoins again and takes every partition back.
      await intruder.disconnect();
      intruder = null;
      await waitFor(() => reader.joins >= 3, { what: 'the reader rejoined alone', timeoutMs: 60_000, intervalMs: 200 });
      await produceEach(50, 'after');
      await waitFor(reachedEnds, { what: 'the reader delivered every record', timeoutMs: 60_000, intervalMs: 200 });
      // Give a wrongly restarted read time to show itself.
      await new Promise((r) => setTimeout(r, 2_000));

      const ends = await endOffsets();
      for (let p = 0; p < PARTITIONS; p++) {
        const offsets = delivered.get(p) ?? [];
        expect(offsets.length, `partition ${p}: records delivered (${offsets.length - new Set(offsets).size} twice)`).toBe(ends.get(p));
        expect(offsets, `partition ${p}: each offset once, in order`).toEqual(Array.from({ length: ends.get(p)! }, (_, i) => i));
      }
      expect(reader.refetched, 'records fetched again after the rejoins').toBe(0);
    } finally {
      await intruder?.disconnect();
      await reader.stop();
    }
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups).not.toContain(reader.groupId);
  });
});
