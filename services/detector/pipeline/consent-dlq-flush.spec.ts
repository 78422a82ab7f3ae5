import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { KafkajsSink } from '../kafka/kafkajs-sink.ts';
import { ConsentDlq } from './consent-dlq.ts';
import { flushConsentDlq } from './consent-dlq-flush.ts';
import type { DetectorState } from './detector-state.ts';
import { OutputHealth } from './output-health.ts';

/** A kafkajs stand-in whose producer records each request's messages (by their source offset) and fails the requests listed in `failAt` (call numbers, from 1). */
function fakeKafka(failAt: number[]) {
  const delivered: number[] = [];
  let calls = 0;
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    sendBatch: async (b: { topicMessages: { messages: { headers?: Record<string, string> }[] }[] }) => {
      calls++;
      if (failAt.includes(calls)) throw new Error('request timed out');
      for (const t of b.topicMessages) for (const m of t.messages) delivered.push(Number(m.headers?.['x-source-offset']));
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, delivered, calls: () => calls };
}

/** A detector state owning calls partition 0 of 1 (so consents partition 0), long enough for the grace to be over, unfenced; the mark in memory. */
function state(kafka: Kafka, failMarkSaves = 0) {
  const mark = { value: 0, saves: 0 };
  const now = { value: 1_000 };
  const q = new ConsentDlq();
  const noop = { inc: () => {} };
  const log = pino({ level: 'silent' });
  const outputs = new OutputHealth(0, undefined, () => now.value);
  const st = {
    consentDlq: q,
    consentDlqFailing: new Map(),
    outputs,
    partitions: 1,
    tasks: new Map([[0, {}]]),
    fenced: new Map(),
    gens: new Map(),
    acquiredAt: new Map([[0, 0]]),
    log,
    onFenced: () => {},
    deps: {
      redis: { up: true },
      sink: new KafkajsSink(kafka),
      consentDlqMarks: {
        load: async () => mark.value,
        save: async (_p: number, offset: number) => {
          if (mark.saves++ < failMarkSaves) return false;
          mark.value = Math.max(mark.value, offset);
          return true;
        },
      },
      metrics: { sinkErrors: noop, dlq: noop },
      config: { pendingGraceMs: 0, topics: { dlq: 'dlq', consents: 'consents' } },
      log,
    },
  };
  return { st: st as unknown as DetectorState, q, mark, outputs, now };
}

/** Reads unusable consent records at offsets [from, to) of consents partition 0. */
function read(q: ConsentDlq, from: number, to: number): void {
  for (let o = from; o < to; o++) q.add({ partition: 0, message: { offset: o, key: null, value: Buffer.from([o & 0xff]) }, error: 'invalid: caller' });
  q.read(0, to);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('flushConsentDlq', () => {
  it('a burst larger than one request that fails partway goes on, at the next checkpoint, after the acknowledged requests: each record once, in order', async () => {
    const { kafka, delivered, calls } = fakeKafka([2]); // the first request (1,000 records) acknowledged, the second fails
    const { st, q, mark } = state(kafka);
    read(q, 0, 2_500);
    await flushConsentDlq(st);
    expect(delivered).toEqual(range(0, 1_000));
    expect(mark.value).toBe(0);
    read(q, 2_500, 2_510); // read between the attempts: waits for the next send
    await flushConsentDlq(st); // the next checkpoint's retry
    expect(calls()).toBe(4);
    expect(delivered).toEqual(range(0, 2_500));
    expect(mark.value).toBe(2_500);
    await flushConsentDlq(st);
    expect(delivered).toEqual(range(0, 2_510));
    expect(mark.value).toBe(2_510);
    expect(q.size).toBe(0);
  });

  it('a send whose mark was not stored is not sent again: only its mark is stored at the next checkpoint', async () => {
    const { kafka, delivered } = fakeKafka([]);
    const { st, q, mark } = state(kafka, 1);
    read(q, 0, 3);
    await flushConsentDlq(st);
    expect(delivered).toEqual([0, 1, 2]);
    expect(mark.value).toBe(0);
    await flushConsentDlq(st);
    expect(delivered).toEqual([0, 1, 2]);
    expect(mark.value).toBe(3);
  });

  it('a mark raised by another owner meanwhile starts a new send from it', async () => {
    const { kafka, delivered } = fakeKafka([1]);
    const { st, q, mark } = state(kafka);
    read(q, 0, 5);
    await flushConsentDlq(st);
    expect(delivered).toEqual([]);
    mark.value = 3; // another owner sent 0..2
    await flushConsentDlq(st);
    expect(delivered).toEqual([3, 4]);
    expect(mark.value).toBe(5);
  });

  it('a failed send is a failing Kafka write (commits going on) until its retry goes through', async () => {
    const { kafka } = fakeKafka([1]);
    const { st, q, outputs, now } = state(kafka);
    read(q, 0, 10);
    await flushConsentDlq(st);
    now.value += 5_000;
    const f = outputs.overdue('kafka');
    expect(f?.what).toBe('send unusable consent records to the DLQ');
    expect(OutputHealth.describe(f!, now.value)).toMatch(/failing for 5 s \(send unusable consent records to the DLQ; tried again at each checkpoint\): request timed out/);
    await flushConsentDlq(st); // the next checkpoint: it goes through
    expect(outputs.overdue('kafka')).toBeNull();
  });

  it("a failed send stops counting once it is not this instance's to retry: the partition gone, or another owner's mark past it", async () => {
    const lost = state(fakeKafka([1]).kafka);
    read(lost.q, 0, 10);
    await flushConsentDlq(lost.st);
    expect(lost.outputs.overdue('kafka', lost.now.value + 1)).not.toBeNull();
    (lost.st.tasks as Map<number, unknown>).clear(); // revoked
    await flushConsentDlq(lost.st);
    expect(lost.outputs.overdue('kafka', lost.now.value + 1)).toBeNull();

    const passed = state(fakeKafka([1, 2, 3]).kafka);
    read(passed.q, 0, 10);
    await flushConsentDlq(passed.st);
    expect(passed.outputs.overdue('kafka', passed.now.value + 1)).not.toBeNull();
    passed.mark.value = 10; // another owner sent them
    await flushConsentDlq(passed.st);
    expect(passed.outputs.overdue('kafka', passed.now.value + 1)).toBeNull();
  });
});
