/**
 * `callguard detect`: wiring only — config → clients → pipeline → graceful
 * shutdown. The logic lives in pipeline/, the I/O adapters in kafka/,
 * state/, sinks/ and ops/.
 */
import { pino, type Logger } from 'pino';
import { createClickHouse, migrate } from '../../shared/clickhouse/index.ts';
import { createSchemaRegistry, registerValueSchema } from '../../shared/kafka/index.ts';
import { closeInOrder, stopWithin, watchStopSignals, type CloseStep, type StopSignals } from '../../shared/lifecycle/index.ts';
import { loadDetectorConfig, PRODUCE_RETRY_MAX_MS, type DetectorConfig } from './config.ts';
import { createControl } from './control/poller.ts';
import { AvroCodec } from './kafka/codec.ts';
import { KafkajsGroupSource, KafkajsTopicReader, KafkajsTopicScanner, kafkaClient } from './kafka/kafkajs-source.ts';
import { KafkajsSink } from './kafka/kafkajs-sink.ts';
import { DetectorMetrics } from './ops/metrics.ts';
import { ALLOWED_HOSTS_VARIABLE, startOpsServer } from './ops/http.ts';
import { hostPolicy } from '../../shared/http/allowed-hosts.ts';
import { Detector } from './pipeline/detector.ts';
import { retry } from './pipeline/retry.ts';
import { ClickHouseRowWriter } from './sinks/clickhouse-writer.ts';
import { connectRedis } from './state/redis.ts';
import { OwnerFence } from './state/owner-fence.ts';
import { ConsentDlqMarks, ControlStore, EmittedMarks, FlagDedup, SnapshotStore } from './state/stores.ts';

/** Options from the command line. */
export interface DetectOptions {
  /** Engine config file (YAML or JSON). */
  config?: string;
}

/**
 * Runs the detector until SIGTERM/SIGINT; resolves with the exit code (or ends the process: a second stop signal, or
 * a stop past CALLGUARD_DETECTOR_STOP_TIMEOUT_MS, see shared/lifecycle).
 */
export async function runDetector(opts: DetectOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const loaded = loadDetectorConfig(env, { engineConfigFile: opts.config });
  if (!loaded.ok) {
    process.stderr.write(`callguard detect: invalid configuration:\n${loaded.errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const cfg = loaded.config;
  const log = pino({ level: cfg.logLevel, base: { svc: 'callguard-detector', pid: process.pid } });
  // Watched from before the start: the first SIGTERM/SIGINT gives the start up or begins the graceful stop; any
  // second one, the same or the other, exits at once (130/143) without closing anything.
  const stop = watchStopSignals({ log });
  return run(cfg, log, stop);
}

async function run(cfg: DetectorConfig, log: Logger, stop: StopSignals): Promise<number> {
  const end = { deadlineMs: cfg.stopTimeoutMs, log };
  const metrics = new DetectorMetrics();
  const startup = new AbortController();
  const startupTimer = setTimeout(() => startup.abort(), 60_000);
  // A stop signal while a dependency is still being waited for ends the start at once (there is nothing to flush).
  const onStop = () => startup.abort();
  if (stop.signal.aborted) onStop();
  else stop.signal.addEventListener('abort', onStop, { once: true });
  // What the start sequence has opened, closed again (last first) if it fails: an open Redis client would keep the
  // process alive after "detector failed to start".
  const opened: CloseStep[] = [];

  let started: Started;
  try {
    started = await startServices(cfg, log, metrics, startup.signal, opened);
  } catch (e) {
    const signal = stop.received();
    if (signal === undefined) {
      // A failed start: the signals get Node's default handling again (a signal then ends the process).
      stop.dispose();
      log.fatal({ err: (e as Error).message, stack: (e as Error).stack }, 'detector failed to start');
    }
    await stopWithin((ms) => closeInOrder([...opened].reverse(), ms), end);
    if (signal === undefined) return 1;
    log.info({ signal }, 'stopped during start-up, before the pipeline was built: nothing to flush');
    return 0;
  } finally {
    clearTimeout(startupTimer);
    stop.signal.removeEventListener('abort', onStop);
  }
  const { detector, sink, redis, ch, ops } = started;
  let code = 0;
  try {
    const failed = detector.failed.then((e) => {
      throw e;
    });
    failed.catch(() => {}); // observed by the races below; a failure after the stop signal changes nothing
    await Promise.race([detector.start(), stop.first, failed]);
    const signal = await Promise.race([stop.first, failed]);
    log.info({ signal, deadlineMs: cfg.stopTimeoutMs }, 'stopping: finishing the batch, flushing, snapshotting, committing');
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'detector failed');
    code = 1;
  }
  // A stop that came while the detector was still joining its group first lets the join return (it waits for the
  // group's other members, up to their rebalance timeout; a second signal cuts it short). From then on the stop is
  // bounded by CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: the final checkpoint gets it minus a reserve for leaving the group
  // and is given up then (a sink that does not answer; exit 1), and the consumers leave within the reserve; if the
  // closes have still not finished by the deadline, the process exits 1 naming what did not. Either way the input
  // since the last commit is read again after a restart (docs/detector.md, "A stop that does not finish").
  await detector.halt();
  const steps: CloseStep[] = [
    { what: 'detector (final checkpoint: flags, DLQ, ClickHouse rows, snapshots, commit; leave the group)', close: () => detector.stop(cfg.stopTimeoutMs) },
    { what: 'output producer', close: () => sink.close() },
    { what: 'Redis', close: () => redis.close() },
    { what: 'ClickHouse client', close: () => ch.close() },
    { what: 'ops endpoint', close: () => ops.close() },
  ];
  const stopped = await stopWithin((ms) => closeInOrder(steps, ms), end);
  log.info('stopped');
  return Math.max(code, stopped);
}

interface Started {
  detector: Detector;
  sink: KafkajsSink;
  redis: ReturnType<typeof connectRedis>;
  ch: ReturnType<typeof createClickHouse>;
  ops: Awaited<ReturnType<typeof startOpsServer>>;
}

/** The clients, the pipeline and the ops endpoint; each client is added to `opened` (its close) as it is made. */
async function startServices(cfg: DetectorConfig, log: Logger, metrics: DetectorMetrics, signal: AbortSignal, opened: CloseStep[]): Promise<Started> {
  const registry = createSchemaRegistry({ url: cfg.kafka.registryUrl, clientId: 'callguard-detector' });
  const codec = new AvroCodec(registry);
  // Registered by the detector's start, after its topic check.
  const flagEncoder = async () => {
    const id = await retry(() => registerValueSchema(registry, cfg.topics.flags, 'FlagEvent'), { what: `register the FlagEvent schema at ${cfg.kafka.registryUrl}`, signal, log });
    return codec.encoder(id);
  };

  const ch = createClickHouse({ url: cfg.clickhouse.url });
  opened.push({ what: 'ClickHouse client', close: () => ch.close() });
  await retry(() => migrate(ch, { database: cfg.clickhouse.database }), { what: `migrate ClickHouse database ${cfg.clickhouse.database}`, signal, log });

  const redis = connectRedis(cfg.redis.url, log.child({ component: 'redis' }));
  opened.push({ what: 'Redis', close: () => redis.close() });
  const kafka = kafkaClient(cfg.kafka.brokers, 'callguard-detector', log.child({ component: 'kafkajs' }));
  const source = new KafkajsGroupSource(kafka, { groupId: cfg.kafka.group, topics: [cfg.topics.calls, cfg.topics.complaints], fromBeginning: cfg.kafka.fromBeginning, maxBytesPerPartition: cfg.kafka.fetchMaxBytesPerPartition });
  const consents = new KafkajsTopicReader(kafka, cfg.topics.consents, cfg.kafka.group);
  // The output producer has its own client: its request timeout and retries bound how long a produce can be in
  // flight, which the flag lane's grace for another owner's pending marks is derived from (config.ts).
  const producerKafka = kafkaClient(cfg.kafka.brokers, 'callguard-detector', log.child({ component: 'kafkajs-producer' }), { requestTimeout: cfg.produce.timeoutMs });
  const sink = new KafkajsSink(producerKafka, {
    ackTimeoutMs: cfg.produce.timeoutMs,
    retries: cfg.produce.retries,
    maxRetryTimeMs: PRODUCE_RETRY_MAX_MS,
    onRenewed: (topic) => log.warn({ topic }, 'output producer renewed: a failed send was given up, another went next (kafkajs-sink.ts)'),
    compressTopics: new Set([cfg.topics.dlq]),
  });
  opened.push({ what: 'output producer', close: () => sink.close() });
  const { prefix } = cfg.redis;
  const fence = new OwnerFence(redis, prefix, cfg.kafka.group, cfg.topics.calls);
  const detector = new Detector({
    config: cfg,
    source,
    consents,
    scanner: new KafkajsTopicScanner(kafka, cfg.kafka.group),
    codec,
    sink,
    writer: new ClickHouseRowWriter(ch, cfg.clickhouse.database),
    redis,
    snapshots: new SnapshotStore(redis, prefix, cfg.kafka.group, cfg.topics.calls, fence),
    marks: new EmittedMarks(redis, prefix, cfg.kafka.group, cfg.topics.calls, fence),
    fence,
    consentDlqMarks: new ConsentDlqMarks(redis, prefix, cfg.kafka.group, cfg.topics.consents),
    dedup: new FlagDedup(redis, prefix, cfg.topics.flags, cfg.redis.dedupTtlSec, fence),
    control: createControl(new ControlStore(redis, prefix), cfg.engine, log.child({ component: 'control' })),
    flagEncoder,
    metrics,
    log,
  });
  const allowedHosts = hostPolicy(cfg.http.host, cfg.http.allowedHosts, ALLOWED_HOSTS_VARIABLE);
  if (allowedHosts.warning) log.warn(allowedHosts.warning);
  const ops = await startOpsServer(cfg.http.host, cfg.http.port, metrics.registry, () => detector.readiness(), allowedHosts);
  log.info({ host: cfg.http.host, port: ops.port }, 'ops endpoint listening (/metrics, /healthz, /readyz)');
  return { detector, sink, redis, ch, ops };
}
