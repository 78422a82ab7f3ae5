/**
 * `callguard enforce`: wiring only — config → the consumer in a worker
 * thread (consumer-worker.ts: Kafka, registry, store, record handler) →
 * label replica and lookup API on this thread → graceful shutdown. The
 * logic lives in machine.ts (pure) and its neighbours.
 */
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadEnforcerConfig, type EnforcerCliOptions, type EnforcerConfig } from './config.ts';
import { enforcerKeys } from './keys.ts';
import { createEnforcementStore, type EnforcementStore } from './store.ts';
import type { EnforcerConsumer } from './consumer.ts';
import { startConsumerWorker } from './consumer-worker.ts';
import { startLookupServer, type LookupServer } from './lookup.ts';
import { createEnforcerMetrics, type EnforcerMetrics } from './metrics.ts';
import { startLabelReplica, type LabelReplica } from './label-replica.ts';

/** A running enforcer. */
export interface RunningEnforcer {
  /** Base URL of the lookup API, e.g. http://127.0.0.1:8089. */
  url: string;
  store: EnforcementStore;
  consumer: EnforcerConsumer;
  metrics: EnforcerMetrics;
  /** The in-process copy of the label keys lookups are answered from (none with replicaMax 0). */
  replica?: LabelReplica;
  /** Stops consuming (offsets committed), closes the API and the clients. */
  close(): Promise<void>;
}

/** Starts the consumer and the lookup API with `config`; if a step fails, what was already started is closed. */
export async function startEnforcer(config: EnforcerConfig, log: Logger): Promise<RunningEnforcer> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  let replica: LabelReplica | undefined;
  let consumer: EnforcerConsumer | undefined;
  let server: LookupServer | undefined;
  const closeAll = async () => {
    await consumer?.stop().catch((err: unknown) => log.error({ err }, 'consumer stop failed'));
    await server?.close();
    await replica?.close();
    redis.disconnect();
  };
  try {
    await redis.connect();
    const store = createEnforcementStore(redis, {
      keys: enforcerKeys(config.keyPrefix),
      protectTtlMs: config.protectTtlMs,
      minRetentionMs: config.machine.labelTtlMs,
    });
    const metrics = createEnforcerMetrics();
    const keys = enforcerKeys(config.keyPrefix);
    replica = config.replicaMax > 0 ? startLabelReplica({ redisUrl: config.redisUrl, labelPrefix: keys.label(''), maxEntries: config.replicaMax, log }) : undefined;
    if (replica) metrics.watchReplica(replica);
    // The consumer runs in a worker thread: its work never stalls the lookups served here.
    const worker = (consumer = await startConsumerWorker(config, metrics, log));
    const rep = replica;
    server = await startLookupServer({
      host: config.host,
      port: config.port,
      store,
      metrics,
      log,
      replica,
      health: async () => ({ redis: await redis.ping().then((p) => p === 'PONG', () => false), consumer: worker.status(), ...(rep ? { replica: rep.state() } : {}) }),
    });
    const url = server.url;
    log.info({ url, flags: config.flagsTopic, reviews: config.reviewsTopic, group: config.groupId }, 'enforcer running');
    let closing: Promise<void> | undefined;
    return { url, store, consumer: worker, metrics, replica, close: () => (closing ??= closeAll()) };
  } catch (err) {
    // A half-started enforcer must not keep consuming, nor keep the process alive on its clients.
    await closeAll().catch(() => {});
    throw err;
  }
}

/** The command's action: runs until SIGINT/SIGTERM; returns the exit code. */
export async function runEnforce(cli: EnforcerCliOptions): Promise<number> {
  let config: EnforcerConfig;
  try {
    config = loadEnforcerConfig(cli);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  // Made after the config is validated: pino throws on a level it does not know.
  const log = pino({ name: 'callguard-enforcer', level: config.logLevel }, pino.destination(2));
  let running: RunningEnforcer;
  try {
    running = await startEnforcer(config, log);
  } catch (err) {
    process.stderr.write(`callguard enforce: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`callguard enforce: lookup API on ${running.url} (GET /v1/numbers/{number}, /healthz, /metrics)\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
