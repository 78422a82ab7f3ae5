import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkajsSink } from './kafkajs-source.ts';
import type { OutMessage } from './source.ts';

/** A kafkajs stand-in whose producer records what each request carried, and fails the requests listed in `failAt` (call numbers, from 1) once. */
function fakeKafka(failAt: number[]) {
  const delivered: string[] = [];
  let calls = 0;
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    sendBatch: async (b: { topicMessages: { messages: { value: Buffer | null }[] }[] }) => {
      calls++;
      if (failAt.includes(calls)) throw new Error('request timed out');
      for (const t of b.topicMessages) for (const m of t.messages) delivered.push(String(m.value));
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, delivered, calls: () => calls };
}

const messages = (n: number): OutMessage[] => Array.from({ length: n }, (_, i) => ({ topic: 'dlq', key: null, value: Buffer.from(`m${i}`) }));

describe('KafkajsSink', () => {
  it('a send split over several requests that fails partway goes on, when retried, after the requests acknowledged', async () => {
    const { kafka, delivered, calls } = fakeKafka([2]);
    const sink = new KafkajsSink(kafka);
    const batch = messages(2_500); // three requests of at most 1,000 messages
    await expect(sink.send(batch)).rejects.toThrow(/timed out/);
    expect(delivered).toHaveLength(1_000);
    await sink.send(batch); // the caller's retry, with the same array
    expect(calls()).toBe(4);
    expect(delivered).toEqual(batch.map((m) => String(m.value))); // each once, in order
  });

  it('sends a new array whole, even with the same messages', async () => {
    const { kafka, delivered } = fakeKafka([]);
    const sink = new KafkajsSink(kafka);
    const batch = messages(1_500);
    await sink.send(batch);
    await sink.send([...batch]);
    expect(delivered).toHaveLength(3_000);
  });
});
