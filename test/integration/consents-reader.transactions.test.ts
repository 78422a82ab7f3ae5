/**
 * The consents reader's `caughtUp` with a transactional upstream: a consent
 * system that publishes in Kafka transactions leaves a commit (or abort)
 * marker at the end of each partition. Markers are offsets but never
 * records, and a batch of nothing but markers (or aborted records) never
 * reaches `eachBatch`. Before, `caughtUp` waited for a record at the end
 * offset that would never come, so the detector never finished reading its
 * consents and never joined its group. Against the real broker.
 */
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsTopicReader } from '../../services/detector/kafka/kafkajs-source.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';

const PARTITIONS = 3;

let kafka: Kafka;
let admin: Admin;
let topic: string;

beforeAll(async () => {
  kafka = testKafka('callguard-test-consents-txn');
  admin = kafka.admin();
  await admin.connect();
  topic = await createTestTopic(admin, PARTITIONS, 'consents-txn');
});

afterAll(async () => {
  await deleteTestTopics(admin, [topic]);
  await admin.disconnect();
});

/** In one transaction: `n` records to `partition`, then commit or abort. */
async function inTransaction(partition: number, n: number, tag: string, end: 'commit' | 'abort'): Promise<void> {
  const producer = kafka.producer({ transactionalId: randomTopic(`callguard-test-txn-${tag}`), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    await txn.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition, key: `${tag}|${i}`, value: Buffer.from(`${tag}-${i}`) })) });
    await (end === 'commit' ? txn.commit() : txn.abort());
  } finally {
    await producer.disconnect();
  }
}

/** The partitions' read-committed ends, polled (up to 30 s) until they are `expected`. */
async function endsOnceMarked(expected: Record<number, number>): Promise<Record<number, number>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ends = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    if (Object.entries(expected).every(([p, e]) => ends[Number(p)] === e) || Date.now() > deadline) return ends;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('consents reader, transactional upstream', () => {
  it('is caught up at partitions that end in transaction markers or aborted records, having delivered every committed record', async () => {
    await inTransaction(0, 5, 'p0', 'commit'); // 5 records, then a commit marker at the end
    await inTransaction(1, 3, 'p1a', 'commit');
    await inTransaction(1, 4, 'p1b', 'abort'); // ends with 4 aborted records and an abort marker
    await inTransaction(2, 2, 'p2', 'abort'); // nothing but aborted records and a marker
    // A commit or abort returns once the coordinator has decided; it writes
    // the markers to the partitions afterwards. Until a partition's marker is
    // written its end (read committed, the last stable offset) stays at the
    // open transaction's first record, so wait for every marker: records
    // plus one marker per transaction.
    expect(await endsOnceMarked({ 0: 5 + 1, 1: 3 + 1 + 4 + 1, 2: 2 + 1 })).toEqual({ 0: 6, 1: 9, 2: 3 });

    const reader = new KafkajsTopicReader(kafka, topic, randomTopic('callguard-test'));
    const keys: string[] = [];
    reader.batches$.subscribe((b) => {
      for (const m of b.messages) keys.push(String(m.key));
    });
    try {
      await reader.start();
      const outcome = await Promise.race([reader.caughtUp.then(() => 'caught up'), new Promise<string>((r) => setTimeout(() => r('still waiting after 30 s'), 30_000))]);
      expect(outcome).toBe('caught up');
      expect(keys.sort()).toEqual([...Array.from({ length: 5 }, (_, i) => `p0|${i}`), ...Array.from({ length: 3 }, (_, i) => `p1a|${i}`)].sort());
    } finally {
      await reader.stop();
    }
  }, 120_000);
});
