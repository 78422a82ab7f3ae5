/** Schema registry client factory (Confluent wire format, Apicurio's ccompat API or Confluent's). */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrlFromEnv } from './env.ts';

/** Options of {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** Base URL (default `CALLGUARD_SCHEMA_REGISTRY_URL` or http://127.0.0.1:8081/apis/ccompat/v7). */
  url?: string;
  /** Client id sent with requests (default `callguard`). */
  clientId?: string;
}

/** Creates a registry client; ids and schemas it fetches are cached for the client's lifetime. */
export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistry {
  return new SchemaRegistry({
    host: options.url ?? schemaRegistryUrlFromEnv(),
    clientId: options.clientId ?? 'callguard',
    retry: { retries: 2, initialRetryTimeInSecs: 0.2 },
  });
}
