/**
 * `npm run soak:detector [-- --minutes 10 --rate 20000 --numbers 50000]`:
 * is the detector's memory flat at constant load?
 *
 * Starts one `callguard detect` (a child process, default settings, 4
 * partitions, fresh topics/group/Redis prefix/ClickHouse database, all
 * removed at the end) against the local stack, then offers a constant rate
 * of live call events (startTime = the wall clock at send; a fixed
 * population of subscribers, couriers and telemarketers, see
 * test/bench/synthetic-calls.ts) for `--minutes`. Every `--sample-seconds`
 * (15) it reads the detector's RSS, V8 heap used and external memory (its
 * /metrics, plus /proc for RSS), the bytes its engines' tables hold in use
 * (`callguard_detector_engine_table_bytes`: they grow with the population,
 * the pair tables with every new caller→callee pair, up to their bounds)
 * with what it has processed and its lag;
 * progress goes to stderr. At the end it prints every sample, the baseline
 * (the idle detector before any load, same run) and the least-squares slope
 * of heap used, RSS, external memory, the engine tables and RSS less the
 * engine tables over the second half, with its standard error: flat = the
 * slope is within noise (see memory-stats.ts).
 *
 * Bounded: at most `rate × minutes × 60` events (rate ≤ 100,000/s,
 * minutes ≤ 60), the run ends after `minutes` whatever happens, and every
 * endpoint must be on loopback. It uses both cores of this machine (the
 * load generator, Kafka, ClickHouse and the detector); run it on purpose,
 * not in a loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { clickHouseUrlFromEnv, createClickHouse, dropDatabase } from '../../shared/clickhouse/index.ts';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { createKafka, createSchemaRegistry, ensureTopics, kafkaBrokersFromEnv, registerValueSchema, schemaRegistryUrlFromEnv, topicSpecsFor, LogLevel } from '../../shared/kafka/index.ts';
import { detectorEnv, runTopics } from '../../services/detector/launch-env.ts';
import { CallStream } from '../bench/synthetic-calls.ts';
import { fetchText, loadAverage, metricSum, rssBytes, waitUntil } from '../bench/process-probes.ts';
import { fitLine, isFlat } from './memory-stats.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PARTITIONS = 4;
const TICK_MS = 20;
const T0 = performance.now();
const say = (msg: string) => process.stderr.write(`[soak:detector ${((performance.now() - T0) / 1000).toFixed(0)}s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1048576;

/** One memory sample of the detector. */
interface Sample {
  /** Seconds since the load began (negative: the idle baseline). */
  t: number;
  offered: number;
  accepted: number;
  lag: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** Bytes the engines' tables hold in use (bounded tables filling up). */
  tables: number;
  tracked: number;
}

function options() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '20000' },
      numbers: { type: 'string', default: '50000' },
      'sample-seconds': { type: 'string', default: '15' },
    },
  });
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}] (got ${v})`);
    return n;
  };
  return {
    minutes: num('minutes', values.minutes, 0.5, 60),
    rate: num('rate', values.rate, 100, 100_000),
    numbers: Math.round(num('numbers', values.numbers, 1_000, 5_000_000)),
    sampleSeconds: num('sample-seconds', values['sample-seconds'], 1, 300),
  };
}

/** Refuses endpoints that are not on this machine: the soak offers thousands of events a second. */
function requireLoopback(): void {
  const hosts: Array<[string, string]> = [
    ...kafkaBrokersFromEnv().map((b): [string, string] => ['Kafka', b.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')]),
    ['registry', new URL(schemaRegistryUrlFromEnv()).hostname],
    ['Redis', new URL(process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379').hostname],
    ['ClickHouse', new URL(clickHouseUrlFromEnv()).hostname],
  ];
  for (const [what, h] of hosts) {
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(h)) throw new Error(`${what} endpoint ${h} is not loopback: the soak only runs against the local stack`);
  }
}

async function main(): Promise<void> {
  const opt = options();
  requireLoopback();
  const maxEvents = Math.round(opt.rate * opt.minutes * 60);
  const id = `soak${randomBytes(4).toString('hex')}`;
  const topics = runTopics(id);
  const kafka = createKafka({ clientId: 'callguard-soak', logLevel: LogLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379');
  const ch = createClickHouse();
  const database = `cg_${id}`;
  const prefix = `callguard:soak:${id}`;
  const group = `${id}-detector`;
  let detector: ChildProcess | undefined;
  try {
    await ensureTopics(admin, topicSpecsFor(topics, PARTITIONS));
    const registry = createSchemaRegistry({ clientId: 'callguard-soak' });
    const schemaId = await registerValueSchema(registry, topics.calls, 'CallEvent');
    const type = (await registry.getSchema(schemaId)) as unknown as { toBuffer(v: unknown): Buffer };
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    const encode = (e: CallEvent) => Buffer.concat([header, type.toBuffer(e)]);
    const producer = kafka.producer({ maxInFlightRequests: 8 });
    await producer.connect();

    const port = 19_000 + Math.floor(Math.random() * 1000);
    const env = { ...process.env, ...detectorEnv({ topics, group, redisPrefix: prefix, database, port }), CALLGUARD_LOG_LEVEL: 'warn' };
    detector = spawn(process.execPath, [join(ROOT, 'bin/callguard.mjs'), 'detect'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const pid = detector.pid!;
    await waitUntil(async () => (await fetchText(port, '/readyz'))?.includes('"assigned":true') ?? false, 120_000, 'the detector to be assigned its partitions', 250);
    await sleep(3_000);
    say(`detector ${pid} ready on port ${port}; load average ${loadAverage()}`);

    let offered = 0;
    const sampleNow = async (t: number): Promise<Sample> => {
      const m = (await fetchText(port, '/metrics')) ?? '';
      return {
        t,
        offered,
        accepted: metricSum(m, 'callguard_detector_events_total', 'result="accepted"'),
        lag: metricSum(m, 'callguard_detector_consumer_lag'),
        rss: rssBytes(pid) || metricSum(m, 'callguard_detector_process_resident_memory_bytes'),
        heapUsed: metricSum(m, 'callguard_detector_nodejs_heap_size_used_bytes'),
        external: metricSum(m, 'callguard_detector_nodejs_external_memory_bytes'),
        tables: metricSum(m, 'callguard_detector_engine_table_bytes'),
        tracked: metricSum(m, 'callguard_detector_tracked_numbers'),
      };
    };
    const baseline = await sampleNow(0);
    const samples: Sample[] = [];
    const line = (s: Sample) =>
      `t=${String(Math.round(s.t)).padStart(4)} s  offered ${s.offered.toLocaleString().padStart(11)}  accepted ${s.accepted.toLocaleString().padStart(11)}  lag ${String(s.lag).padStart(8)}  ` +
      `RSS ${(s.rss / MB).toFixed(0).padStart(5)} MB  heap ${(s.heapUsed / MB).toFixed(0).padStart(5)} MB  external ${(s.external / MB).toFixed(0).padStart(4)} MB  tables ${(s.tables / MB).toFixed(0).padStart(4)} MB  numbers ${s.tracked.toLocaleString()}`;
    say(`baseline (idle): ${line(baseline)}`);
    say(`offering ${opt.rate.toLocaleString()} call events/s for ${opt.minutes} min (${opt.numbers.toLocaleString()} numbers, at most ${maxEvents.toLocaleString()} events), sampling every ${opt.sampleSeconds} s`);

    // ---- constant load ------------------------------------------------------
    const stream = new CallStream({ numbers: opt.numbers, rate: 1_000, seed: 11 });
    const durationMs = opt.minutes * 60_000;
    const perTick = (opt.rate * TICK_MS) / 1000;
    const inFlight = new Set<Promise<unknown>>();
    let sendErrors = 0;
    let seq = 0;
    let nextSample = opt.sampleSeconds * 1000;
    const start = performance.now();
    for (let tick = 0; ; tick++) {
      const due = tick * TICK_MS;
      if (due >= durationMs || offered >= maxEvents) break;
      const wait = start + due - performance.now();
      if (wait > 1) await sleep(wait);
      const elapsed = performance.now() - start;
      if (elapsed >= durationMs) break;
      const want = Math.min(maxEvents, Math.floor((tick + 1) * perTick)) - offered;
      if (want > 0) {
        const now = Date.now();
        const events = stream.chunk(want).map((e) => {
          const d = e.endTime - e.startTime;
          return { ...e, eventId: `s${seq++}`, startTime: now, answerTime: e.answerTime === null ? null : now + Math.min(6_000, d), endTime: now + d };
        });
        const p = producer
          .send({ topic: topics.calls, acks: -1, messages: events.map((e) => ({ key: e.caller, value: encode(e) })) })
          .catch(() => void sendErrors++)
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
        offered += events.length;
        while (inFlight.size > 64) await Promise.race(inFlight);
      }
      if (elapsed >= nextSample) {
        nextSample += opt.sampleSeconds * 1000;
        const s = await sampleNow(elapsed / 1000);
        samples.push(s);
        say(`${line(s)}  (load average ${loadAverage()})`);
        if (detector.exitCode !== null) throw new Error(`the detector exited (code ${detector.exitCode})`);
      }
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - start) / 1000;
    samples.push(await sampleNow(seconds));
    say(`load ended: ${offered.toLocaleString()} events offered in ${seconds.toFixed(0)} s (${Math.round(offered / seconds).toLocaleString()}/s), ${sendErrors} failed sends`);
    await producer.disconnect();

    // ---- report ---------------------------------------------------------------
    const half = samples.filter((s) => s.t >= seconds / 2);
    const span = (half.at(-1)?.t ?? 0) - (half[0]?.t ?? 0);
    const fitOf = (pick: (s: Sample) => number) => fitLine(half.map((s) => s.t / 60), half.map((s) => pick(s) / MB));
    const heap = fitOf((s) => s.heapUsed);
    const rss = fitOf((s) => s.rss);
    const ext = fitOf((s) => s.external);
    const tables = fitOf((s) => s.tables);
    const rest = fitOf((s) => s.rss - s.tables);
    const verdict = (f: ReturnType<typeof fitLine>) =>
      `${f.slope >= 0 ? '+' : ''}${f.slope.toFixed(2)} ± ${f.slopeSe.toFixed(2)} MB/min (residual sd ${f.residualSd.toFixed(1)} MB): ${isFlat(f, span / 60) ? 'flat (within noise)' : 'GROWING'}`;
    const last = samples.at(-1)!;
    const out = [
      '',
      `callguard detector soak: ${opt.minutes} min at ${opt.rate.toLocaleString()} call events/s offered (loopback, local stack, one detector, ${PARTITIONS} partitions, ${opt.numbers.toLocaleString()} numbers)`,
      `  load average at the end ${loadAverage()}; offered ${offered.toLocaleString()} (${Math.round(offered / seconds).toLocaleString()}/s), accepted by the detector ${last.accepted.toLocaleString()}, lag at the end ${last.lag.toLocaleString()}`,
      `  baseline (idle detector, same run): RSS ${(baseline.rss / MB).toFixed(0)} MB, heap used ${(baseline.heapUsed / MB).toFixed(0)} MB, external ${(baseline.external / MB).toFixed(0)} MB`,
      '  samples:',
      ...samples.map((s) => `    ${line(s)}`),
      `  second half (${half.length} samples over ${(span / 60).toFixed(1)} min), least-squares slope:`,
      `    heap used ${verdict(heap)}`,
      `    RSS       ${verdict(rss)}`,
      `    external  ${verdict(ext)}`,
      `    engine tables in use ${verdict(tables)} (bounded: the pair tables fill with new caller→callee pairs up to pairCacheEntries)`,
      `    RSS less the engine tables ${verdict(rest)}`,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    if (detector && detector.exitCode === null) {
      detector.kill('SIGTERM');
      await Promise.race([new Promise((r) => detector!.once('exit', r)), sleep(60_000)]);
      if (detector.exitCode === null) detector.kill('SIGKILL');
    }
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    const groups = (await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId).filter((g) => g.startsWith(id));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect().catch(() => {});
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await dropDatabase(ch, database).catch(() => {});
    await ch.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`soak:detector failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
