/**
 * The contract's Avro schemas (`schemas/*.avsc`) and their registration
 * under `<topic>-value` subjects.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DEFAULT_TOPICS } from '../contracts/records.ts';

/** Folder of the `.avsc` files. */
export const SCHEMAS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../schemas');

/** The records that have an Avro schema, by the name of their `.avsc` file. */
export const RECORD_SCHEMAS = ['CallEvent', 'ComplaintReport', 'ConsentRecord', 'FlagEvent', 'ReviewDecision'] as const;
/** Name of a contract record with an Avro schema. */
export type RecordSchemaName = (typeof RECORD_SCHEMAS)[number];

/** Which record each Avro topic carries (the DLQ carries raw bytes and has no schema). */
export const TOPIC_RECORDS: Record<Exclude<keyof typeof DEFAULT_TOPICS, 'dlq'>, RecordSchemaName> = {
  calls: 'CallEvent',
  complaints: 'ComplaintReport',
  consents: 'ConsentRecord',
  flags: 'FlagEvent',
  reviews: 'ReviewDecision',
};

/** The subject a topic's values are registered under. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** The text of `schemas/<name>.avsc`. */
export function readAvsc(name: RecordSchemaName): string {
  return readFileSync(resolve(SCHEMAS_DIR, `${name}.avsc`), 'utf8');
}

/** Registers one record's schema under `<topic>-value` and returns its registry id. */
export async function registerValueSchema(registry: SchemaRegistry, topic: string, name: RecordSchemaName): Promise<number> {
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: readAvsc(name) },
    { subject: valueSubject(topic) },
  );
  return id;
}

/**
 * Registers every contract schema under its topic's subject. `topics`
 * overrides topic names (default {@link DEFAULT_TOPICS}). Returns subject → id.
 */
export async function registerContractSchemas(
  registry: SchemaRegistry,
  topics: Partial<Record<keyof typeof TOPIC_RECORDS, string>> = {},
): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const [key, record] of Object.entries(TOPIC_RECORDS) as Array<[keyof typeof TOPIC_RECORDS, RecordSchemaName]>) {
    const topic = topics[key] ?? DEFAULT_TOPICS[key];
    ids[valueSubject(topic)] = await registerValueSchema(registry, topic, record);
  }
  return ids;
}
