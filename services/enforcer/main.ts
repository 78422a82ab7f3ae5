/**
 * `callguard enforce`: wiring only — config → the consumer in a worker
 * thread (consumer-worker.ts: Kafka, registry, store, record handler) →
 * label replica and lookup API on this thread → graceful shutdown. The
 * logic lives in machine.ts (pure) and its neighbours.
 */
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadEnforcerConfig, type EnforcerCliOptions, type EnforcerConfig } from './config.ts';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import { createEnforcementStore, type EnforcementStore } from './store.ts';
import type { EnforcerConsumer } from './consumer.ts';
import { startConsumerWorker } from './consumer-worker.ts';
import { ALLOWED_HOSTS_VARIABLE, startLookupServer } from './lookup.ts';
import { hostPolicy } from '../../shared/http/allowed-hosts.ts';
import { createEnforcerMetrics, type EnforcerMetrics } from './metrics.ts';
import { startLabelReplica, type LabelReplica } from './label-replica.ts';
import { closeFailedStart, closeInOrder, serveUntilStopped, type CloseOutcome, type CloseStep } from '../../shared/lifecycle/index.ts';

/** A running enforcer. */
export interface RunningEnforcer {
  /** Base URL of the lookup API, e.g. http://127.0.0.1:8089. */
  url: string;
  store: EnforcementStore;
  consumer: EnforcerConsumer;
  metrics: EnforcerMetrics;
  /** The in-process copy of the label keys lookups are answered from (none with replicaMax 0). */
  replica?: LabelReplica;
  /** Stops consuming (offsets committed), closes the API and the clients; with `deadlineMs`, gives up then (see closeInOrder). */
  close(deadlineMs?: number): Promise<CloseOutcome>;
}

/**
 * Starts the consumer and the lookup API with `config`. If a step fails, or `signal` is aborted (a stop signal during
 * the start), what was already started is closed (within the stop deadline) and a StartFailure is thrown.
 */
export async function startEnforcer(config: EnforcerConfig, log: Logger, signal?: AbortSignal): Promise<RunningEnforcer> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  // What the start has opened, closed again (last first) if it fails.
  const opened: CloseStep[] = [{ what: 'Redis', close: () => redis.disconnect() }];
  try {
    await redis.connect();
    signal?.throwIfAborted();
    const keys = enforcerKeys(config.keyPrefix);
    const { maxFutureMs: _, ...machine } = config.machine;
    const store = createEnforcementStore(redis, { keys, protectTtlMs: config.machine.protectTtlMs, minRetentionMs: config.machine.labelTtlMs, machine });
    const metrics = createEnforcerMetrics();
    const replica = config.replicaMax > 0 ? startLabelReplica({ redisUrl: config.redisUrl, labelPrefix: keys.label(''), maxEntries: config.replicaMax, log }) : undefined;
    if (replica) {
      opened.push({ what: 'label replica', close: () => replica.close() });
      metrics.watchReplica(replica);
    }
    // The consumer runs in a worker thread: its work never stalls the lookups served here. A stop signal while it
    // starts (Kafka still being retried) ends the worker.
    const consumer = await startConsumerWorker(config, metrics, log, signal);
    opened.push({ what: 'consumer (leave the group, commit)', close: () => consumer.stop() });
    signal?.throwIfAborted();
    const allowedHosts = hostPolicy(config.host, config.allowedHosts, ALLOWED_HOSTS_VARIABLE);
    if (allowedHosts.warning) log.warn(allowedHosts.warning);
    const server = await startLookupServer({
      host: config.host,
      port: config.port,
      allowedHosts,
      store,
      metrics,
      log,
      replica,
      health: async () => ({ redis: await redis.ping().then((p) => p === 'PONG', () => false), consumer: consumer.status(), ...(replica ? { replica: replica.state() } : {}) }),
    });
    opened.push({ what: 'lookup API', close: () => server.close() });
    signal?.throwIfAborted();
    const url = server.url;
    log.info({ url, flags: config.flagsTopic, reviews: config.reviewsTopic, group: config.groupId }, 'enforcer running');
    // Consuming stops first (records in hand done, offsets committed), then lookups, then the clients.
    const steps: CloseStep[] = [
      { what: 'consumer (leave the group, commit)', close: () => consumer.stop() },
      { what: 'lookup API', close: () => server.close() },
      ...(replica ? [{ what: 'label replica', close: () => replica.close() }] : []),
      { what: 'Redis', close: () => redis.disconnect() },
    ];
    let closing: Promise<CloseOutcome> | undefined;
    return { url, store, consumer, metrics, replica, close: (deadlineMs) => (closing ??= closeInOrder(steps, deadlineMs)) };
  } catch (err) {
    // A half-started enforcer must not keep consuming, nor keep the process alive on its clients.
    throw await closeFailedStart(err, opened, config.stopTimeoutMs);
  }
}

/** The command's action: runs until SIGINT/SIGTERM; returns the exit code (or ends the process, see shared/lifecycle). */
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
  return serveUntilStopped({
    command: 'callguard enforce',
    deadlineMs: config.stopTimeoutMs,
    log,
    start: (signal) => startEnforcer(config, log, signal),
    started: (running) => process.stderr.write(`callguard enforce: lookup API on ${running.url} (GET /v1/numbers/{number}, /healthz, /metrics)\n`),
  });
}
