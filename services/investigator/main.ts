/**
 * `callguard investigate`: wiring only — config → clients (ClickHouse,
 * Redis, Kafka producer, registry) → queries, auth, review service → the
 * console server → graceful shutdown.
 */
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { createClickHouse } from '../../shared/clickhouse/index.ts';
import { investigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { createKafka, createSchemaRegistry, LogLevel } from '../../shared/kafka/index.ts';
import { loadInvestigatorConfig, type InvestigatorCliOptions, type InvestigatorConfig } from './config.ts';
import { createAuth } from './auth.ts';
import { createReviewService, dismissedKey } from './reviews.ts';
import { buildConsoleServer } from './server.ts';

/** A running console. */
export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** Starts the console with `config`; if a step fails, the clients already opened are closed. */
export async function startConsole(config: InvestigatorConfig, log: Logger): Promise<RunningConsole> {
  const ch = createClickHouse({ url: config.clickhouseUrl });
  const queries = investigatorQueries(ch, config.database);
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  const kafka = createKafka({ clientId: 'callguard-investigator', brokers: config.brokers, logLevel: LogLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let app: FastifyInstance | undefined;
  const closeAll = async () => {
    await app?.close();
    await producer.disconnect().catch(() => {});
    redis.disconnect();
    await ch.close();
  };
  try {
    await redis.connect();
    await producer.connect();
    let producerUp = true;
    producer.on(producer.events.DISCONNECT, () => {
      producerUp = false;
    });
    producer.on(producer.events.CONNECT, () => {
      producerUp = true;
    });
    const registry = createSchemaRegistry({ url: config.registryUrl, clientId: 'callguard-investigator' });
    const reviews = createReviewService({
      producer,
      registry,
      redis,
      queries,
      reviewsTopic: config.reviewsTopic,
      keyPrefix: config.keyPrefix,
      protectTtlMs: config.protectTtlMs,
      onWarning: (message, err) => log.error({ err }, message),
    });
    const auth = createAuth({ user: config.user, password: config.password, secret: config.sessionSecret, sessionTtlMs: config.sessionTtlMs, secureCookie: config.secureCookie });
    app = buildConsoleServer({
      queries,
      reviews,
      auth,
      log,
      enforcement: async (number) => {
        const [view, dismissed] = await Promise.all([redis.get(`${config.keyPrefix}:label:${number}`), redis.hgetall(dismissedKey(config.keyPrefix, number))]);
        return { view: view ? (JSON.parse(view) as Record<string, unknown>) : null, dismissed: Object.keys(dismissed).length > 0 ? dismissed : null };
      },
      health: async () => ({
        clickhouse: await ch.ping(),
        redis: await redis.ping().then((p) => p === 'PONG', () => false),
        kafka: producerUp,
      }),
    });
    const url = await app.listen({ host: config.host, port: config.port });
    log.info({ url, database: config.database, reviews: config.reviewsTopic }, 'console running');
    let closing: Promise<void> | undefined;
    return { url, close: () => (closing ??= closeAll()) };
  } catch (err) {
    // Open clients would keep the process alive after "could not start".
    await closeAll().catch(() => {});
    throw err;
  }
}

/** The command's action: runs until SIGINT/SIGTERM; returns the exit code. */
export async function runInvestigate(cli: InvestigatorCliOptions): Promise<number> {
  let config: InvestigatorConfig;
  try {
    config = loadInvestigatorConfig(cli);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  // Made after the config is validated: pino throws on a level it does not know.
  const log = pino({ name: 'callguard-investigator', level: config.logLevel }, pino.destination(2));
  if (config.sessionSecretGenerated) log.warn('CALLGUARD_CONSOLE_SESSION_SECRET is not set: sessions end when this process stops');
  let running: RunningConsole;
  try {
    running = await startConsole(config, log);
  } catch (err) {
    process.stderr.write(`callguard investigate: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`callguard investigate: console on ${running.url} (database ${config.database})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
  return 0;
}
