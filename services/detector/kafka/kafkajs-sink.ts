/**
 * {@link Sink} over kafkajs: idempotent producers, acks from all in-sync
 * replicas, one producer per topic.
 *
 * Why one producer per topic, renewed after a failure. kafkajs numbers the
 * record batches of an idempotent producer per topic-partition, and when a
 * request fails it takes the sequence numbers back (sendMessages.js: the
 * catch around `broker.produce` calls `updateSequence(…, -n)`), although a
 * request that timed out may have landed. The broker de-duplicates by
 * (producer id, partition, first and last sequence):
 *  - the same messages sent again get the same numbers and are recognised
 *    as the landed batch — the retry that idempotence is for;
 *  - *other* messages sent next to that partition get the same numbers too:
 *    with as many records as the landed batch the broker takes them for it,
 *    acknowledges them and drops them (silently lost); with a different
 *    count it refuses them as out of order, every time (the sink stalls).
 * So after a failed send, the next send to that topic must be the same
 * array (the caller's retry) or go out on a new producer (new producer id,
 * numbering from zero). The sink renews the topic's producer when a
 * different array follows a failure; the abandoned array's records, if they
 * landed, stay on the topic, and if its caller sends it later, the request
 * that failed may land twice (at least once, never lost). One producer per
 * topic keeps the flags' retry on its own numbering when a DLQ send fails,
 * and lets a renewal happen without cutting another topic's send short.
 * Sends to one topic are queued, one at a time, in call order.
 */
import { CompressionTypes, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';
import type { OutMessage, Sink } from './source.ts';

/** Options of {@link KafkajsSink}. */
export interface KafkajsSinkOptions {
  /** Broker acknowledgement timeout per request (ms; give the client the same request timeout). Default 30 s. */
  ackTimeoutMs?: number;
  /**
   * kafkajs retries per send (default: unbounded, kafkajs' default for an
   * idempotent producer). Bounded, a send gives up after a known time, so a
   * fenced flag lane can stop; the lane's own retry resends the same
   * messages in the same order on the same producer, with the same sequence
   * numbers, which the broker de-duplicates.
   */
  retries?: number;
  /** Longest backoff between two kafkajs attempts (ms). */
  maxRetryTimeMs?: number;
  /** Told when a topic's producer is replaced after a failed send was abandoned. */
  onRenewed?: (topic: string) => void;
  /** Topics sent gzip-compressed (the DLQ: its values are other producers' records, which may be large uncompressed). */
  compressTopics?: ReadonlySet<string>;
}

/** One topic's producer and its queue. */
interface TopicLane {
  producer: Producer;
  connected: Promise<void> | null;
  /** The array whose last send failed: only it may go next on this producer. */
  failed: OutMessage[] | null;
  /** The end of the queue of sends to this topic. */
  tail: Promise<void>;
}

/** Idempotent producers (acks from all in-sync replicas, no duplicates on retry). */
export class KafkajsSink implements Sink {
  private readonly lanes = new Map<string, TopicLane>();
  private readonly ackTimeoutMs: number;
  private readonly producerConfig: ProducerConfig;
  /** Producers replaced after an abandoned failed send, since the start. */
  renewals = 0;
  /**
   * Per array of messages being sent, how many of them (from its start) the
   * broker has acknowledged: a send split over several requests that fails
   * partway is retried by its caller with the same array, and goes on from
   * there. Resending the acknowledged requests would put them on the topic
   * twice (they are past the idempotent producer's de-duplication, which
   * covers only the failed request's resend).
   */
  private readonly acked = new WeakMap<OutMessage[], number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: KafkajsSinkOptions = {},
  ) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 30_000;
    const retry = opts.retries === undefined ? undefined : { retries: opts.retries, initialRetryTime: 300, maxRetryTime: opts.maxRetryTimeMs ?? 1_000 };
    this.producerConfig = { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry };
  }

  /** Sends `messages` (one topic per array; the callers' arrays are), queued behind earlier sends to that topic. */
  send(messages: OutMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const topic = messages[0].topic;
    for (const m of messages) if (m.topic !== topic) return Promise.reject(new Error(`one send goes to one topic: ${topic} and ${m.topic}`));
    const lane = this.lane(topic);
    const run = lane.tail.then(() => this.sendOn(lane, topic, messages));
    lane.tail = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((l) => l.producer.disconnect().catch(() => {})));
  }

  private lane(topic: string): TopicLane {
    let lane = this.lanes.get(topic);
    if (!lane) this.lanes.set(topic, (lane = { producer: this.kafka.producer(this.producerConfig), connected: null, failed: null, tail: Promise.resolve() }));
    return lane;
  }

  private async sendOn(lane: TopicLane, topic: string, messages: OutMessage[]): Promise<void> {
    if (lane.failed !== null && lane.failed !== messages) {
      // A failed send was abandoned: its sequence numbers were taken back but it may have landed (module comment).
      await lane.producer.disconnect().catch(() => {});
      lane.producer = this.kafka.producer(this.producerConfig);
      lane.connected = null;
      lane.failed = null;
      this.renewals++;
      this.opts.onRenewed?.(topic);
    }
    lane.connected ??= lane.producer.connect().catch((e: unknown) => {
      lane.connected = null;
      throw e;
    });
    await lane.connected;
    // Small requests: kafkajs encodes a request in one growing buffer, and the broker refuses record batches above its max message size.
    let done = this.acked.get(messages) ?? 0;
    try {
      for (const chunk of chunks(done === 0 ? messages : messages.slice(done), MAX_REQUEST_MESSAGES, MAX_REQUEST_BYTES)) {
        await lane.producer.sendBatch({
          acks: -1,
          timeout: this.ackTimeoutMs,
          compression: this.opts.compressTopics?.has(topic) ? CompressionTypes.GZIP : CompressionTypes.None,
          topicMessages: [{ topic, messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) }],
        });
        done += chunk.length;
        this.acked.set(messages, done);
      }
    } catch (e) {
      lane.failed = messages;
      throw e;
    }
    lane.failed = null;
    this.acked.delete(messages);
  }
}

const MAX_REQUEST_MESSAGES = 1_000;
const MAX_REQUEST_BYTES = 512 * 1024;

/** Splits messages into runs of at most `maxCount` messages and about `maxBytes` bytes. */
export function chunks(messages: OutMessage[], maxCount: number, maxBytes: number): OutMessage[][] {
  const out: OutMessage[][] = [];
  let cur: OutMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + (typeof m.key === 'string' ? m.key.length : (m.key?.length ?? 0)) + 64;
    if (cur.length > 0 && (cur.length >= maxCount || bytes + size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
