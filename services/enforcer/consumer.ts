/**
 * The enforcer's Kafka side: one consumer group on the flags and reviews
 * topics. Each record is handled before its offset is committed (kafkajs
 * commits after `eachMessage` resolves), so delivery is at least once and
 * the machine's idempotence makes it effectively once. A record that cannot
 * be used goes to the DLQ with the contract's headers; an outage (Redis or
 * registry down) is thrown and the record retried.
 *
 * Neither the consumer nor the DLQ producer ever creates a topic (kafkajs
 * clients do by default when the broker allows it, as the local stack's
 * does): a misconfigured topic name would become an empty topic with the
 * broker's defaults, waited on forever or dead-lettered to for nobody. The
 * start fails instead, naming the missing topic; a topic deleted under a
 * running enforcer stays deleted (the consumer retries, a DLQ send fails and
 * its record is retried).
 */
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { requireTopics } from '../../shared/kafka/index.ts';
import type { RecordHandler, RecordKind } from './handler.ts';

/**
 * Counts of what became of records (Prometheus counters, or a tally sent to another thread); kind `allowlist` counts
 * the numbers the allowlist poller unlabelled (outcome `allowlisted`, allowlist.ts).
 */
export interface RecordCounters {
  record(kind: RecordKind | 'allowlist' | 'due', outcome: string): void;
  deadLettered(kind: RecordKind): void;
}

/** Where the consumer stands, for /healthz. */
export type ConsumerStatus = 'starting' | 'running' | 'crashed' | 'stopped';

/** Options of {@link startEnforcerConsumer}. */
export interface ConsumerOptions {
  kafka: Kafka;
  handle: RecordHandler;
  counters: RecordCounters;
  log: Logger;
  flagsTopic: string;
  reviewsTopic: string;
  dlqTopic: string;
  groupId: string;
  fromBeginning: boolean;
}

/** A running consumer. */
export interface EnforcerConsumer {
  status(): ConsumerStatus;
  /** Records handled since start (applied or dead-lettered). */
  handled(): number;
  /** Leaves the group after the records in hand are done and committed. */
  stop(): Promise<void>;
}

/** Throws `topic <name> does not exist (set by …)` for the first of the flags, reviews and DLQ topics missing; creates none. */
async function requireEnforcerTopics(o: ConsumerOptions): Promise<void> {
  const admin = o.kafka.admin();
  try {
    await admin.connect();
    await requireTopics(admin, [
      { topic: o.flagsTopic, setBy: '--flags-topic or CALLGUARD_TOPIC_FLAGS' },
      { topic: o.reviewsTopic, setBy: '--reviews-topic or CALLGUARD_TOPIC_REVIEWS' },
      { topic: o.dlqTopic, setBy: '--dlq-topic or CALLGUARD_TOPIC_DLQ' },
    ]);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Checks that its topics exist, connects, joins the group and starts consuming. Resolves once subscribed. */
export async function startEnforcerConsumer(o: ConsumerOptions): Promise<EnforcerConsumer> {
  let status: ConsumerStatus = 'starting';
  let handled = 0;
  await requireEnforcerTopics(o);
  // Never creating a topic: see the module comment.
  const producer: Producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  // Small fetches: kafkajs decodes a whole fetch response in one go on the event loop that also serves lookups.
  const consumer: Consumer = o.kafka.consumer({
    groupId: o.groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 64 << 10,
    maxBytes: 256 << 10,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    status = 'running';
  });
  consumer.on(consumer.events.CRASH, (e) => {
    status = e.payload.restart ? 'starting' : 'crashed';
    o.log.error({ err: e.payload.error, restart: e.payload.restart }, 'enforcer consumer crashed');
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [o.flagsTopic, o.reviewsTopic], fromBeginning: o.fromBeginning });
  const kindOf = (topic: string): RecordKind => (topic === o.reviewsTopic ? 'review' : 'flag');

  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachMessage: async ({ topic, partition, message }) => {
      const kind = kindOf(topic);
      const result = await o.handle(kind, message.value);
      handled++;
      if (result.ok) {
        o.counters.record(kind, result.outcome);
        o.log.debug({ kind, number: result.number, outcome: result.outcome, topic, partition, offset: message.offset }, 'applied');
        return;
      }
      o.counters.deadLettered(kind);
      o.log.warn({ kind, topic, partition, offset: message.offset, error: result.error }, 'record routed to the DLQ');
      await producer.send({
        topic: o.dlqTopic,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              'x-error': result.error,
              'x-source-topic': topic,
              'x-source-partition': String(partition),
              'x-source-offset': message.offset,
            },
          },
        ],
      });
    },
  });

  return {
    status: () => status,
    handled: () => handled,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
      status = 'stopped';
    },
  };
}
