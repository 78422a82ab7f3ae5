/**
 * What `stack up` does once all four services answer: creates the contract
 * topics (under the names `CALLGUARD_TOPIC_*` give, as the services read
 * them), registers the Avro schemas under `<topic>-value`, and applies the
 * ClickHouse migrations to the `callguard` database. All idempotent.
 */
import type { StackConfig } from './config.ts';
import { progress } from './log.ts';
import { createKafka, createSchemaRegistry, contractTopicSpecs, ensureTopics, registerContractSchemas, topicNamesFromEnv, LogLevel } from '../../shared/kafka/index.ts';
import { createClickHouse, migrate, clickHouseDatabaseFromEnv } from '../../shared/clickhouse/index.ts';

/** What the bootstrap did, for the summary. */
export interface BootstrapResult {
  topicsCreated: string[];
  topics: string[];
  subjects: Record<string, number>;
  database: string;
  migrationsApplied: string[];
}

/** Creates topics, registers schemas, applies migrations. */
export async function bootstrapStack(cfg: StackConfig, env: NodeJS.ProcessEnv = process.env): Promise<BootstrapResult> {
  const names = topicNamesFromEnv(env);
  const specs = contractTopicSpecs(names);
  const admin = createKafka({ clientId: 'callguard-stack', brokers: cfg.kafka.brokers, logLevel: LogLevel.ERROR }).admin();
  let topicsCreated: string[];
  try {
    await admin.connect();
    topicsCreated = await ensureTopics(admin, specs);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  if (topicsCreated.length > 0) progress(`created topics ${topicsCreated.join(', ')}`);

  const subjects = await registerContractSchemas(createSchemaRegistry({ url: cfg.registry.url, clientId: 'callguard-stack' }), names);

  const database = clickHouseDatabaseFromEnv();
  const ch = createClickHouse({ url: cfg.clickhouse.url });
  try {
    const result = await migrate(ch, { database, onProgress: progress });
    return { topicsCreated, topics: specs.map((s) => s.topic), subjects, database, migrationsApplied: result.applied };
  } finally {
    await ch.close();
  }
}
