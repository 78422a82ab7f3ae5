/**
 * The enforcer's Kafka consumer in a worker thread, so that decoding fetch
 * batches, Avro and the Redis compare-and-set of each record never stall
 * the event loop that answers lookups for call setup. The lookup side
 * (main thread) starts it with {@link startConsumerWorker}; the worker
 * reports its status, how many records it handled and its metric counts
 * (applied to the main thread's Prometheus counters) every 100 ms, and
 * stops — records in hand done, offsets committed — when asked.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createKafka, createSchemaRegistry, LogLevel } from '../../shared/kafka/index.ts';
import type { EnforcerConfig } from './config.ts';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import { createEnforcementStore } from './store.ts';
import { createRecordHandler } from './handler.ts';
import { createAllowlistPoller, readAllowlistSet, type AllowlistPoller } from './allowlist.ts';
import { createDuePoller, type DuePoller } from './due.ts';
import { allowlistKey } from '../../shared/contracts/allowlist.ts';
import { startEnforcerConsumer, type ConsumerStatus, type EnforcerConsumer, type RecordCounters } from './consumer.ts';
import type { EnforcerMetrics } from './metrics.ts';
import { untilAborted } from '../../shared/lifecycle/index.ts';

/** What the worker tells the main thread. */
type FromWorker =
  | { type: 'report'; status: ConsumerStatus; handled: number; records: Array<[string, string, number]>; dead: Array<[string, number]> }
  | { type: 'started' }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

const REPORT_MS = 100;

/**
 * Starts the consumer in a worker thread; resolves once it has joined (subscribed), rejects if it cannot start or
 * `signal` is aborted first (the worker is then ended, whatever it was waiting for: Kafka's connect is retried for
 * many seconds).
 */
export async function startConsumerWorker(config: EnforcerConfig, metrics: EnforcerMetrics, log: Logger, signal?: AbortSignal): Promise<EnforcerConsumer> {
  // The worker loads this TypeScript file through tsx's loader, registered in the worker as the CLI does
  // (on Node 20 loader hooks of the main thread do not reach workers, nor does `--import` in execArgv).
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: { config, logLevel: log.level } });
  let status: ConsumerStatus = 'starting';
  let handled = 0;
  let stopped: (() => void) | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'started') resolve();
      else if (m.type === 'failed') reject(new Error(m.message));
      else if (m.type === 'stopped') stopped?.();
      else {
        status = m.status;
        handled = m.handled;
        for (const [kind, outcome, n] of m.records) metrics.records.inc({ kind, outcome }, n);
        for (const [kind, n] of m.dead) metrics.deadLettered.inc({ kind }, n);
      }
    });
    worker.once('error', (err) => {
      status = 'crashed';
      log.error({ err }, 'enforcer consumer worker failed');
      reject(err);
    });
    worker.once('exit', (code) => {
      if (status !== 'stopped') status = 'crashed';
      reject(new Error(`consumer worker exited with ${code}`));
    });
  });
  // A worker that could not start may still hold Kafka connections: end it, or it keeps the process alive.
  await untilAborted(started, signal).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  return {
    status: () => status,
    handled: () => handled,
    async stop() {
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage({ type: 'stop' });
      await Promise.race([done, exited]);
      status = 'stopped';
      await worker.terminate();
    },
  };
}

/**
 * Worker side: the clients, the store, the allowlist poller, the handler and the consumer; counts reported to the
 * main thread. The allowlist is read once before consuming (an allowlisted number's flags are ignored from the first
 * record) and then every `allowlistPollMs`, on this thread, where the handler consults it.
 */
async function runWorker(): Promise<void> {
  const port = parentPort!;
  const { config, logLevel } = workerData as { config: EnforcerConfig; logLevel: string };
  const log = pino({ name: 'callguard-enforcer', level: logLevel }, pino.destination(2));
  const records = new Map<string, number>();
  const dead = new Map<string, number>();
  const counters: RecordCounters = {
    record: (kind, outcome) => records.set(`${kind}\t${outcome}`, (records.get(`${kind}\t${outcome}`) ?? 0) + 1),
    deadLettered: (kind) => dead.set(kind, (dead.get(kind) ?? 0) + 1),
  };
  let consumer: EnforcerConsumer | undefined;
  let allowlist: AllowlistPoller | undefined;
  let due: DuePoller | undefined;
  const report = () => {
    const msg: FromWorker = {
      type: 'report',
      status: consumer?.status() ?? 'starting',
      handled: consumer?.handled() ?? 0,
      records: [...records].map(([k, n]) => [...(k.split('\t') as [string, string]), n]),
      dead: [...dead],
    };
    records.clear();
    dead.clear();
    port.postMessage(msg);
  };
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  try {
    await redis.connect();
    const { maxFutureMs: _, ...machine } = config.machine;
    const store = createEnforcementStore(redis, { keys: enforcerKeys(config.keyPrefix), protectTtlMs: config.machine.protectTtlMs, minRetentionMs: config.machine.labelTtlMs, machine });
    const kafka = createKafka({ clientId: 'callguard-enforcer', brokers: config.brokers, logLevel: LogLevel.ERROR });
    const registry = createSchemaRegistry({ url: config.registryUrl, clientId: 'callguard-enforcer' });
    const key = allowlistKey(config.keyPrefix);
    allowlist = createAllowlistPoller({
      read: readAllowlistSet(redis, key),
      key,
      store,
      intervalMs: config.allowlistPollMs,
      log,
      unlabelled: (number) => {
        counters.record('allowlist', 'allowlisted');
        log.info({ number }, 'allowlisted: label, pending verification or block removed');
      },
    });
    await allowlist.poll();
    allowlist.start();
    // Expired blocks and pending verifications whose held-back flags stand again (due.ts): settled from now on.
    due = createDuePoller({
      store,
      machine,
      intervalMs: config.duePollMs,
      allowlist,
      log,
      settled: (number, t) => {
        counters.record('due', t.outcome);
        log.info({ number, outcome: t.outcome, status: t.state.status, flagId: t.state.active?.flagId ?? null }, 'block or pending verification expired: settled (the flags it held back stand again)');
      },
    });
    void due.poll();
    due.start();
    consumer = await startEnforcerConsumer({
      kafka,
      handle: createRecordHandler(registry, store, config.machine, allowlist),
      counters,
      log,
      flagsTopic: config.flagsTopic,
      reviewsTopic: config.reviewsTopic,
      dlqTopic: config.dlqTopic,
      groupId: config.groupId,
      fromBeginning: config.fromBeginning,
    });
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromWorker);
    await due?.stop();
    await allowlist?.stop();
    redis.disconnect();
    return;
  }
  const timer = setInterval(report, REPORT_MS);
  port.postMessage({ type: 'started' } satisfies FromWorker);
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    void (async () => {
      await consumer.stop().catch((err: unknown) => log.error({ err }, 'consumer stop failed'));
      await due?.stop();
      await allowlist?.stop();
      clearInterval(timer);
      report();
      redis.disconnect();
      port.postMessage({ type: 'stopped' } satisfies FromWorker);
    })();
  });
}

if (!isMainThread && (workerData as { config?: unknown } | null)?.config) await runWorker();
