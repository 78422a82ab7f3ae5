/** Kafka helpers shared by the services: client and registry factories, contract schemas and topics. */
export { createKafka, LogLevel, type KafkaOptions } from './client.ts';
export { createSchemaRegistry, RegistryAnswerError, SchemaNotUsableError, type SchemaRegistryOptions } from './registry.ts';
export { registerContractSchemas, registerValueSchema, readAvsc, valueSubject, RECORD_SCHEMAS, TOPIC_RECORDS, SCHEMAS_DIR, type RecordSchemaName } from './schemas.ts';
export { contractTopicSpecs, ensureTopics, topicNamesFromEnv, topicSpecsFor, TOPIC_VARIABLES, type TopicSpec } from './topics.ts';
export { partitionCount, requireTopics, type RequiredTopic, type TopicCounter } from './topic-exists.ts';
export { kafkaBrokersFromEnv, schemaRegistryUrlFromEnv, renamedTopicVariableProblems, RENAMED_TOPIC_VARIABLES, DEFAULT_KAFKA_BROKERS, DEFAULT_SCHEMA_REGISTRY_URL } from './env.ts';
