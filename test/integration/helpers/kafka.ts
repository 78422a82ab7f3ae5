/** Kafka fixtures for integration tests: clients from the env, topics created and deleted. */
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, LogLevel } from '../../../shared/kafka/index.ts';
import { randomTopic } from './names.ts';

/** A kafkajs client for tests (brokers from the env unless given): errors are logged, except the routine "group is rebalancing" heartbeat replies. */
export function testKafka(clientId = 'callguard-test', brokers?: string[]): Kafka {
  return createKafka({
    clientId,
    brokers,
    logLevel: LogLevel.ERROR,
    config: {
      logCreator: () => ({ namespace, label, log }) => {
        const { message, error, ...rest } = log as { message: string; error?: string };
        if (typeof error === 'string' && error.includes('rebalancing')) return;
        console.error(JSON.stringify({ level: label, logger: namespace, message, error, ...rest }));
      },
    },
  });
}

/** Creates a fresh topic with `partitions` partitions and returns its name. */
export async function createTestTopic(admin: Admin, partitions = 1, prefix = 'test'): Promise<string> {
  const topic = randomTopic(prefix);
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  if (!created) throw new Error(`topic ${topic} already existed`);
  return topic;
}

/** Deletes test topics, ignoring those already gone. */
export async function deleteTestTopics(admin: Admin, topics: string[]): Promise<void> {
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => {});
}
