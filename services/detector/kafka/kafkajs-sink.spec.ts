import { CompressionTypes, type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkajsSink } from './kafkajs-sink.ts';
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

/**
 * kafkajs' idempotent producers and a broker, as far as sequence numbers go
 * (one partition): a producer numbers its records from 0 and, when a request
 * fails, takes the numbers back (kafkajs' sendMessages.js); the broker
 * acknowledges without appending a batch with the producer id, first
 * sequence and count of the last one it appended, and refuses one that does
 * not follow it. Requests numbered in `landButFail` (from 1) land but are
 * reported failed, as a timeout after the broker appended them would be.
 */
function idempotentKafka(landButFail: number[]) {
  const topic: string[] = [];
  const last = new Map<number, { first: number; count: number }>();
  let pids = 0;
  let calls = 0;
  const producer = () => {
    const pid = ++pids;
    let seq = 0;
    return {
      connect: async () => {},
      disconnect: async () => {},
      sendBatch: async (b: { topicMessages: { messages: { value: Buffer | null }[] }[] }) => {
        calls++;
        const values = b.topicMessages.flatMap((t) => t.messages.map((m) => String(m.value)));
        const first = seq;
        seq += values.length;
        const prev = last.get(pid);
        if (prev && prev.first === first && prev.count === values.length) {
          // a duplicate of the last batch: acknowledged, not appended
        } else if (prev && first !== prev.first + prev.count) {
          seq -= values.length;
          throw new Error('OUT_OF_ORDER_SEQUENCE_NUMBER');
        } else {
          topic.push(...values);
          last.set(pid, { first, count: values.length });
        }
        if (landButFail.includes(calls)) {
          seq -= values.length;
          throw new Error('request timed out');
        }
      },
    };
  };
  return { kafka: { producer } as unknown as Kafka, topic, producers: () => pids };
}

const one = (topic: string, value: string): OutMessage[] => [{ topic, key: null, value: Buffer.from(value) }];

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

  it('a retry of the same array after a request that failed but landed is recognised by the broker: once on the topic, same producer', async () => {
    const { kafka, topic, producers } = idempotentKafka([1]);
    const sink = new KafkajsSink(kafka);
    const a = one('flags', 'a');
    await expect(sink.send(a)).rejects.toThrow(/timed out/);
    await sink.send(a);
    expect(topic).toEqual(['a']);
    expect(producers()).toBe(1);
  });

  it('other messages after a failed send that landed go out on a new producer, so the broker does not take them for the landed batch', async () => {
    const { kafka, topic, producers } = idempotentKafka([1]);
    const renewed: string[] = [];
    const sink = new KafkajsSink(kafka, { onRenewed: (t) => renewed.push(t) });
    await expect(sink.send(one('dlq', 'consent record'))).rejects.toThrow(/timed out/);
    // The failed send is given up for now, and another goes next (on one producer: same numbers, same count, dropped as a duplicate).
    await sink.send(one('dlq', 'call record'));
    expect(topic).toEqual(['consent record', 'call record']);
    expect(producers()).toBe(2);
    expect(renewed).toEqual(['dlq']);
    expect(sink.renewals).toBe(1);
  });

  it('a failed send on one topic leaves the other topic on its producer and its numbering', async () => {
    const { kafka, topic, producers } = idempotentKafka([2]);
    const sink = new KafkajsSink(kafka);
    await sink.send(one('flags', 'f1'));
    const d = one('dlq', 'd1');
    await expect(sink.send(d)).rejects.toThrow(/timed out/);
    await sink.send(one('flags', 'f2')); // the flags' producer is not the one that failed: no renewal
    await sink.send(d); // the DLQ's retry, recognised
    expect(topic).toEqual(['f1', 'd1', 'f2']);
    expect(producers()).toBe(2);
    expect(sink.renewals).toBe(0);
  });

  it('sends to one topic go one at a time, in call order', async () => {
    const order: string[] = [];
    let inFlight = 0;
    let most = 0;
    const producer = {
      connect: async () => {},
      disconnect: async () => {},
      sendBatch: async (b: { topicMessages: { messages: { value: Buffer | null }[] }[] }) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        order.push(String(b.topicMessages[0].messages[0].value));
        inFlight--;
      },
    };
    const sink = new KafkajsSink({ producer: () => producer } as unknown as Kafka);
    await Promise.all(['x', 'y', 'z'].map((v) => sink.send(one('flags', v))));
    expect(order).toEqual(['x', 'y', 'z']);
    expect(most).toBe(1);
  });

  it('refuses one send to several topics', async () => {
    const sink = new KafkajsSink(idempotentKafka([]).kafka);
    await expect(sink.send([...one('flags', 'f'), ...one('dlq', 'd')])).rejects.toThrow(/one topic/);
  });
});

describe('KafkajsSink compression', () => {
  it('sends the topics it is told to compress with gzip (the DLQ) and the others uncompressed', async () => {
    const seen: Array<[string, number]> = [];
    const producer = {
      connect: async () => {},
      disconnect: async () => {},
      sendBatch: async (b: { compression: number; topicMessages: { topic: string }[] }) => {
        for (const t of b.topicMessages) seen.push([t.topic, b.compression]);
      },
    };
    const sink = new KafkajsSink({ producer: () => producer } as unknown as Kafka, { compressTopics: new Set(['dlq']) });
    await sink.send([{ topic: 'dlq', key: null, value: Buffer.from('x') }]);
    await sink.send([{ topic: 'flags', key: null, value: Buffer.from('y') }]);
    expect(seen).toEqual([
      ['dlq', CompressionTypes.GZIP],
      ['flags', CompressionTypes.None],
    ]);
  });
});
