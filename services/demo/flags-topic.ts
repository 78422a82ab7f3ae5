import type { Kafka } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrlFromEnv } from '../../shared/kafka/index.ts';
import type { FlagEvent } from '../../shared/contracts/records.ts';

/** Reads a flags topic from the beginning to its end; returns the numbers flagged at LABEL or above. */
export async function readFlagsTopic(kafka: Kafka, topic: string): Promise<Set<string>> {
  const registry = new SchemaRegistry({ host: schemaRegistryUrlFromEnv() });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  let remaining = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const labelled = new Set<string>();
  if (remaining === 0) return labelled;
  const consumer = kafka.consumer({ groupId: `callguard-demo-read-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          if (message.value) {
            const flag = (await registry.decode(message.value)) as FlagEvent;
            if (flag.severity !== 'WATCH') labelled.add(flag.number);
          }
          if (--remaining <= 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return labelled;
}
