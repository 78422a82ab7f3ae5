/**
 * Produces the simulated records to Kafka as Avro in the Confluent wire
 * format, with the contract schemas registered under `<topic>-value`.
 * Records are batched; one batch is in flight while the next fills (the
 * idempotent producer's sequence numbers do not survive concurrent sends in
 * kafkajs), and the generator waits for it before releasing another
 * (backpressure). With a target rate, batches are
 * released on a schedule so the average rate matches it.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CompressionTypes, type Producer } from 'kafkajs';
import type { CallEvent, ComplaintReport, ConsentRecord } from '../../../shared/contracts/records.ts';
import {
  contractTopicSpecs,
  createKafka,
  createSchemaRegistry,
  ensureTopics,
  kafkaBrokersFromEnv,
  registerValueSchema,
  schemaRegistryUrlFromEnv,
} from '../../../shared/kafka/index.ts';
import type { Sink } from './sink.ts';

/** Options of {@link KafkaSink.connect}. */
export interface KafkaSinkOptions {
  topics: { calls: string; complaints: string; consents: string };
  /** Target records per second; as fast as possible when absent. */
  rate?: number;
  /** Records per produce request (default 5 000, fewer at low rates). */
  batchSize?: number;
  /** Bootstrap servers (default `CALLGUARD_KAFKA_BROKERS`). */
  brokers?: string[];
  /** Registry URL (default `CALLGUARD_SCHEMA_REGISTRY_URL`). */
  registryUrl?: string;
}

type Kind = 'calls' | 'complaints' | 'consents';

interface Pending {
  kind: Kind;
  key: string;
  value: Promise<Buffer>;
}

/** A {@link Sink} that produces to Kafka. */
export class KafkaSink implements Sink {
  private batch: Pending[] = [];
  private readonly inFlight: Promise<void>[] = [];
  private queued = 0;
  private readonly t0 = performance.now();
  private readonly batchSize: number;

  private constructor(
    private readonly producer: Producer,
    private readonly registry: SchemaRegistry,
    private readonly ids: Record<Kind, number>,
    private readonly opts: KafkaSinkOptions,
  ) {
    const rate = opts.rate;
    this.batchSize = opts.batchSize ?? (rate ? Math.max(1, Math.min(5000, Math.round(rate / 20))) : 5000);
  }

  /** Registers the schemas, creates missing topics and connects an idempotent producer. */
  static async connect(opts: KafkaSinkOptions): Promise<KafkaSink> {
    const brokers = opts.brokers ?? kafkaBrokersFromEnv();
    const url = opts.registryUrl ?? schemaRegistryUrlFromEnv();
    const registry = createSchemaRegistry({ url, clientId: 'callguard-simulator' });
    let ids: Record<Kind, number>;
    try {
      ids = {
        calls: await registerValueSchema(registry, opts.topics.calls, 'CallEvent'),
        complaints: await registerValueSchema(registry, opts.topics.complaints, 'ComplaintReport'),
        consents: await registerValueSchema(registry, opts.topics.consents, 'ConsentRecord'),
      };
    } catch (e) {
      throw new Error(`cannot register schemas at ${url} (is the stack up? npx callguard stack up): ${(e as Error).message}`, { cause: e });
    }
    const kafka = createKafka({ clientId: 'callguard-simulator', brokers });
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(admin, contractTopicSpecs(opts.topics).filter((s) => Object.values(opts.topics).includes(s.topic)));
    } catch (e) {
      throw new Error(`cannot reach Kafka at ${brokers.join(',')} (is the stack up? npx callguard stack up): ${(e as Error).message}`, { cause: e });
    } finally {
      await admin.disconnect().catch(() => {});
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return new KafkaSink(producer, registry, ids, opts);
  }

  call(record: CallEvent, key: string): void | Promise<void> {
    return this.add('calls', key, record);
  }
  complaint(record: ComplaintReport, key: string): void | Promise<void> {
    return this.add('complaints', key, record);
  }
  consent(record: ConsentRecord, key: string): void | Promise<void> {
    return this.add('consents', key, record);
  }

  async close(): Promise<void> {
    try {
      if (this.batch.length) this.inFlight.push(this.send(this.batch.splice(0)));
      await Promise.all(this.inFlight.splice(0));
    } finally {
      await this.producer.disconnect();
    }
  }

  private add(kind: Kind, key: string, record: unknown): void | Promise<void> {
    this.batch.push({ kind, key, value: this.registry.encode(this.ids[kind], record) });
    if (this.batch.length >= this.batchSize) return this.release();
  }

  /** Waits for the batch in flight, paces to the rate, and starts sending the current one. */
  private async release(): Promise<void> {
    const batch = this.batch.splice(0);
    while (this.inFlight.length > 0) await this.inFlight.shift();
    if (this.opts.rate) {
      const due = this.t0 + (this.queued / this.opts.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    this.queued += batch.length;
    const p = this.send(batch);
    // A failure surfaces when this send is awaited (below or at close).
    p.catch(() => {});
    this.inFlight.push(p);
  }

  private async send(batch: Pending[]): Promise<void> {
    const values = await Promise.all(batch.map((p) => p.value));
    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    batch.forEach((p, i) => {
      const topic = this.opts.topics[p.kind];
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: p.key, value: values[i] });
    });
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
