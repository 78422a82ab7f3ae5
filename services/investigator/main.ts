/**
 * `callguard investigate`: wiring only — config → clients (ClickHouse,
 * Redis, Kafka producer, registry) → queries, auth, review service → the
 * console server → graceful shutdown.
 *
 * The console never creates a topic: its producer does not ask for
 * auto-creation (kafkajs's does by default, and the local broker allows it),
 * and the start checks that the reviews topic exists, failing with `topic
 * <name> does not exist` otherwise. A misconfigured name would else become
 * an empty topic nobody reads, and every decision taken would be lost to
 * the enforcer and the detector.
 */
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createClickHouse } from '../../shared/clickhouse/index.ts';
import { investigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { createKafka, createSchemaRegistry, LogLevel, requireTopics } from '../../shared/kafka/index.ts';
import { loadInvestigatorConfig, type InvestigatorCliOptions, type InvestigatorConfig } from './config.ts';
import { createAuth } from './auth.ts';
import { redisRevocations } from './revocations.ts';
import { storeWarnings } from './store-warnings.ts';
import { redisLoginFailures } from './login-failures.ts';
import { createReviewService } from './reviews.ts';
import { redisEnforcementReader } from './enforcement.ts';
import { followConnection } from './producer-connection.ts';
import { ALLOWED_HOSTS_VARIABLE, buildConsoleServer } from './server.ts';
import { hostPolicy } from '../../shared/http/allowed-hosts.ts';
import { closeFailedStart, closeInOrder, serveUntilStopped, untilAborted, type CloseOutcome, type CloseStep } from '../../shared/lifecycle/index.ts';

/** A running console. */
export interface RunningConsole {
  url: string;
  /** Closes the server (requests in flight answered) and the clients; with `deadlineMs`, gives up then (see closeInOrder). */
  close(deadlineMs?: number): Promise<CloseOutcome>;
}

/**
 * Starts the console with `config`. If a step fails, or `signal` is aborted (a stop signal during the start), the
 * clients already opened are closed (within the stop deadline) and a StartFailure is thrown.
 */
export async function startConsole(config: InvestigatorConfig, log: Logger, signal?: AbortSignal): Promise<RunningConsole> {
  const ch = createClickHouse({ url: config.clickhouseUrl });
  const queries = investigatorQueries(ch, config.database);
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  const kafka = createKafka({ clientId: 'callguard-investigator', brokers: config.brokers, logLevel: LogLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const clients: CloseStep[] = [
    { what: 'Kafka producer', close: () => producer.disconnect() },
    { what: 'Redis', close: () => redis.disconnect() },
    { what: 'ClickHouse client', close: () => ch.close() },
  ];
  // What the start has opened, closed again (last first) if it fails: open clients would keep the process alive
  // after "could not start".
  const opened = [...clients].reverse();
  try {
    await redis.connect();
    signal?.throwIfAborted();
    // kafkajs retries a broker it cannot reach for many seconds, and cannot be told to stop: a stop signal ends the wait.
    await untilAborted(producer.connect(), signal);
    // The reviews topic must exist (see the module comment); the admin client is for this check only.
    const admin = kafka.admin();
    opened.push({ what: 'Kafka admin', close: () => admin.disconnect() });
    await untilAborted(admin.connect(), signal);
    await untilAborted(requireTopics(admin, [{ topic: config.reviewsTopic, setBy: '--reviews-topic or CALLGUARD_TOPIC_REVIEWS' }]), signal);
    await admin.disconnect();
    opened.pop();
    const producerUp = followConnection(producer);
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
    const auth = createAuth({
      user: config.user,
      password: config.password,
      secret: config.sessionSecret,
      sessionTtlMs: config.sessionTtlMs,
      secureCookie: config.secureCookie,
      revocations: redisRevocations(redis, config.keyPrefix),
      loginFailures: redisLoginFailures(redis, config.keyPrefix),
      onStoreError: storeWarnings(log),
    });
    const allowedHosts = hostPolicy(config.host, config.allowedHosts, ALLOWED_HOSTS_VARIABLE);
    if (allowedHosts.warning) log.warn(allowedHosts.warning);
    const app = buildConsoleServer({
      allowedHosts,
      queries,
      reviews,
      auth,
      log,
      enforcement: redisEnforcementReader(redis, config.keyPrefix),
      trustedProxies: config.trustedProxies,
      health: async () => ({
        clickhouse: await ch.ping(),
        redis: await redis.ping().then((p) => p === 'PONG', () => false),
        kafka: producerUp(),
      }),
    });
    opened.push({ what: 'console server', close: () => app.close() });
    const url = await app.listen({ host: config.host, port: config.port });
    signal?.throwIfAborted();
    log.info({ url, database: config.database, reviews: config.reviewsTopic }, 'console running');
    // The server first (it answers the requests in flight), then the clients they used.
    const steps: CloseStep[] = [{ what: 'console server (requests in flight)', close: () => app.close() }, ...clients];
    let closing: Promise<CloseOutcome> | undefined;
    return { url, close: (deadlineMs) => (closing ??= closeInOrder(steps, deadlineMs)) };
  } catch (err) {
    throw await closeFailedStart(err, opened, config.stopTimeoutMs);
  }
}

/** The command's action: runs until SIGINT/SIGTERM; returns the exit code (or ends the process, see shared/lifecycle). */
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
  return serveUntilStopped({
    command: 'callguard investigate',
    deadlineMs: config.stopTimeoutMs,
    log,
    start: (signal) => startConsole(config, log, signal),
    started: (running) => process.stderr.write(`callguard investigate: console on ${running.url} (database ${config.database})\n`),
  });
}
