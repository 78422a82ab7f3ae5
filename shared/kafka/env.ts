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

/**
 * Topic variables the enforcer and the console read before every service
 * used `CALLGUARD_TOPIC_<NAME>` (the detector's scheme), each with the
 * variable that replaced it.
 */
export const RENAMED_TOPIC_VARIABLES = {
  CALLGUARD_FLAGS_TOPIC: 'CALLGUARD_TOPIC_FLAGS',
  CALLGUARD_REVIEWS_TOPIC: 'CALLGUARD_TOPIC_REVIEWS',
  CALLGUARD_DLQ_TOPIC: 'CALLGUARD_TOPIC_DLQ',
} as const;

/**
 * One configuration problem for each of `oldNames` that is set (non-empty)
 * in `env`, naming the variable to set instead: a topic renamed through an
 * old variable must not be silently ignored.
 */
export function renamedTopicVariableProblems(env: NodeJS.ProcessEnv, oldNames: ReadonlyArray<keyof typeof RENAMED_TOPIC_VARIABLES>): string[] {
  return oldNames.filter((old) => env[old]).map((old) => `${old} is no longer read: set ${RENAMED_TOPIC_VARIABLES[old]} instead (every service names its topics CALLGUARD_TOPIC_<NAME>)`);
}
