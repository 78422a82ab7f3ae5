/** Default Kafka bootstrap servers of the local stack. */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
/** Default Confluent-compatible schema registry base URL (Apicurio's ccompat API). */
export const DEFAULT_SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8081/apis/ccompat/v7';

/** Brokers from `CALLGUARD_KAFKA_BROKERS` (comma-separated host:port). */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CALLGUARD_KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/** Registry base URL from `CALLGUARD_SCHEMA_REGISTRY_URL`, without a trailing slash. */
export function schemaRegistryUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return (env.CALLGUARD_SCHEMA_REGISTRY_URL || DEFAULT_SCHEMA_REGISTRY_URL).replace(/\/+$/, '');
}
