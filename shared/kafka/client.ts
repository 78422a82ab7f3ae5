/** kafkajs client factory configured from the environment. */
import { Kafka, logLevel as LogLevel, type KafkaConfig } from 'kafkajs';
import { kafkaBrokersFromEnv } from './env.ts';

/** Options of {@link createKafka}; anything else of kafkajs' KafkaConfig may be passed through `config`. */
export interface KafkaOptions {
  /** Client id reported to the broker (default `callguard`). */
  clientId?: string;
  /** Bootstrap servers (default `CALLGUARD_KAFKA_BROKERS` or 127.0.0.1:9092). */
  brokers?: string[];
  /** kafkajs log level (default WARN; NOTHING for probes). */
  logLevel?: LogLevel;
  /** Connection timeout in ms (default 3 000). */
  connectionTimeoutMs?: number;
  /** Extra kafkajs settings (retry, ssl, sasl, ...). */
  config?: Partial<KafkaConfig>;
}

/** Creates a kafkajs {@link Kafka} client; nothing connects until a producer, consumer or admin does. */
export function createKafka(options: KafkaOptions = {}): Kafka {
  // Silences kafkajs' one-time notice about its default partitioner change.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId: options.clientId ?? 'callguard',
    brokers: options.brokers ?? kafkaBrokersFromEnv(),
    logLevel: options.logLevel ?? LogLevel.WARN,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    ...options.config,
  });
}

export { LogLevel };
