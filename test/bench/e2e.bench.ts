/**
 * `npm run bench:e2e`: the streaming detector end to end against the local
 * stack (loopback only), in one run of about two to three minutes:
 *
 *  A. sustained rate — N Avro call events are produced to a 4-partition
 *     topic first, then one `callguard detect` process (a child, default
 *     settings) consumes them; the rate is N over the time from its
 *     partition assignment to the moment the group has committed every
 *     offset (so flags, DLQ and ClickHouse rows of all N are durable);
 *  B. the raw consume rate of the same topic by a bare kafkajs consumer
 *     (eachBatch, nothing done per record), for the ratio;
 *  C. latency — with the detector caught up, call events are produced at a
 *     fixed offered load with startTime = the wall clock at send; a steady
 *     trickle of new robocallers (70 sequential calls each) makes flags, and
 *     produce-to-flag latency is the flag's arrival on the flags topic minus
 *     its detectedAt (the triggering call's send time). It is split at the
 *     flag's emittedAt (the engine raised it) and its record timestamp (the
 *     flag lane produced it), and its worst per 2 s of send time is printed,
 *     so that an episode shows apart from a tail spread over the run.
 *
 * Per process it prints CPU µs per event during A (from /proc, so it holds
 * on a loaded machine), and for the detector the user/system split, its GC
 * pauses (prom-client's GC histogram) and minor page faults per event (a
 * cold start grows the engines' tables and the heap: on this VM first
 * touches of fresh memory show up as system time).
 *
 * Everything it creates (topics, group, Redis keys, ClickHouse database) is
 * removed at the end. Options (env): E2E_EVENTS (default 1 000 000),
 * E2E_RATE (default 50 000 events/s), E2E_SECONDS (default 20),
 * E2E_DETECTOR_NODE_ARGS (extra node flags for the detector child, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load),
 * E2E_DETECTOR_LOG (a file for the detector's logs, at debug level: the
 * checkpoint steps' timings are there).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { createClickHouse, dropDatabase } from '../../shared/clickhouse/index.ts';
import type { CallEvent, FlagEvent } from '../../shared/contracts/records.ts';
import { createKafka, createSchemaRegistry, ensureTopics, registerValueSchema, topicSpecsFor, LogLevel } from '../../shared/kafka/index.ts';
import { detectorEnv, runTopics } from '../../services/detector/launch-env.ts';
import { cpuSeconds, fetchText, loadAverage, metricSum, rssBytes, waitUntil } from './process-probes.ts';
import { CallStream } from './synthetic-calls.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const N = Number(process.env.E2E_EVENTS ?? 1_000_000);
const RATE = Number(process.env.E2E_RATE ?? 50_000);
const SECONDS = Number(process.env.E2E_SECONDS ?? 20);
const PARTITIONS = 4;

const say = (msg: string) => process.stderr.write(`[bench:e2e ${((performance.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const T0 = performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ctx {
  id: string;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  registry: SchemaRegistry;
  schemaId: number;
  topics: { calls: string; complaints: string; consents: string; flags: string; dlq: string };
  group: string;
}

async function main(): Promise<void> {
  const id = `bench${randomBytes(4).toString('hex')}`;
  const topics = runTopics(id);
  const kafka = createKafka({ clientId: 'callguard-bench', logLevel: LogLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicSpecsFor(topics, PARTITIONS));
  const registry = createSchemaRegistry({ clientId: 'callguard-bench' });
  const schemaId = await registerValueSchema(registry, topics.calls, 'CallEvent');
  // Several requests in flight: the load generator must not be the bottleneck (loopback, no retries expected).
  const producer = kafka.producer({ maxInFlightRequests: 8 });
  await producer.connect();
  const ctx: Ctx = { id, kafka, admin, producer, registry, schemaId, topics, group: `${id}-detector` };
  const redis = new Redis(process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379');
  const ch = createClickHouse();
  const database = `cg_${id}`;
  let detector: ReturnType<typeof spawn> | undefined;
  try {
    // ---- A: pre-produce, then one detector consumes everything ----------
    say(`producing ${N.toLocaleString()} Avro call events to ${topics.calls} (${PARTITIONS} partitions)`);
    const produced = await produceHistoric(ctx, N);
    say(`produced in ${produced.seconds.toFixed(1)} s (${Math.round(N / produced.seconds).toLocaleString()} events/s from this producer)`);

    const port = 19_000 + Math.floor(Math.random() * 1000);
    const env = {
      ...process.env,
      ...detectorEnv({ topics, group: ctx.group, redisPrefix: `callguard:bench:${id}`, database, port }),
      CALLGUARD_LOG_LEVEL: process.env.E2E_DETECTOR_LOG ? 'debug' : 'warn',
    };
    const nodeArgs = (process.env.E2E_DETECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const logTo = process.env.E2E_DETECTOR_LOG ? openSync(process.env.E2E_DETECTOR_LOG, 'w') : 'ignore';
    detector = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/callguard.mjs'), 'detect'], { cwd: ROOT, env, stdio: ['ignore', logTo, 'inherit'] });
    const pid = detector.pid!;
    await waitUntil(async () => (await fetchText(port, '/readyz'))?.includes('"assigned":true') ?? false, 120_000, 'detector assigned');
    const tA = performance.now();
    const pids = { detector: pid, ...stackPids() };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
    const split0 = cpuSplit(pid);
    const gc0 = metricSum((await fetchText(port, '/metrics')) ?? '', 'callguard_detector_nodejs_gc_duration_seconds_sum');
    say('detector assigned its partitions; consuming');
    const rss: number[] = [];
    let last = 0;
    await waitUntil(
      async () => {
        const c = await committed(ctx, topics.calls);
        rss.push(rssBytes(pid));
        if (c - last >= N / 10) {
          say(`  committed ${c.toLocaleString()} / ${N.toLocaleString()}`);
          last = c;
        }
        return c >= N;
      },
      600_000,
      'detector to commit every offset',
      250,
    );
    const secondsA = (performance.now() - tA) / 1000;
    const rateA = N / secondsA;
    const cpuA = cpuSince(cpu0, pids);
    const split1 = cpuSplit(pid);
    const metricsA = (await fetchText(port, '/metrics')) ?? '';
    const gcA = metricSum(metricsA, 'callguard_detector_nodejs_gc_duration_seconds_sum') - gc0;
    say(`A: ${Math.round(rateA).toLocaleString()} events/s end to end (${secondsA.toFixed(1)} s), ${metricSum(metricsA, 'callguard_detector_flags_total')} flags`);

    // ---- B: bare kafkajs consumer over the same topic ---------------------
    const cpuB0 = process.cpuUsage();
    const secondsB = await bareConsume(ctx, N);
    const cpuB = process.cpuUsage(cpuB0);
    const rateB = N / secondsB;
    say(`B: bare kafkajs consumer ${Math.round(rateB).toLocaleString()} events/s (${secondsB.toFixed(1)} s)`);

    // ---- C: fixed offered load, produce-to-flag latency -------------------
    say(`C: offering ${RATE.toLocaleString()} events/s for ${SECONDS} s with new robocallers every 20 ms`);
    const lat = await latencyRun(ctx, RATE, SECONDS, pid, rss);
    const metricsC = (await fetchText(port, '/metrics')) ?? '';

    // ---- report ------------------------------------------------------------
    const q = (xs: number[], p: number) => (xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]);
    lat.latencies.sort((a, b) => a - b);
    lat.toEmit.sort((a, b) => a - b);
    lat.fromEmit.sort((a, b) => a - b);
    lat.toSend.sort((a, b) => a - b);
    lat.acked.sort((a, b) => a - b);
    const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
    const lines = [
      '',
      'callguard detector end to end (loopback, local stack, one detector process, 4 partitions)',
      `  machine: ${cpus()} cores shown to Node; load average at start ${loadAverage()}`,
      `  A. sustained:  ${Math.round(rateA).toLocaleString()} call events/s through the detector (${N.toLocaleString()} Avro events, durable end to end: flags, aggregates, commits)`,
      `  B. bare kafkajs consume of the same topic: ${Math.round(rateB).toLocaleString()} events/s`,
      `     ratio A/B: ${((100 * rateA) / rateB).toFixed(0)}%; the bare consumer's own CPU: ${((cpuB.user + cpuB.system) / N).toFixed(1)} µs per event (kafkajs' share of the detector's)`,
      `     CPU per event during A: ${Object.entries(cpuA)
        .map(([k, s]) => `${k} ${((s * 1e6) / N).toFixed(1)} µs`)
        .join(', ')} (detector alone: ${Math.round(N / Math.max(cpuA.detector, 0.01)).toLocaleString()} events per CPU-second)`,
      `     detector during A: user ${(((split1.user - split0.user) * 1e6) / N).toFixed(1)} µs + system ${(((split1.system - split0.system) * 1e6) / N).toFixed(1)} µs per event; ` +
        `GC pauses ${((gcA * 1e6) / N).toFixed(1)} µs per event; ${((split1.minorFaults - split0.minorFaults) / N).toFixed(2)} minor page faults per event`,
      `  C. offered ${RATE.toLocaleString()} events/s for ${SECONDS} s (achieved ${Math.round(lat.achievedRate).toLocaleString()}/s from the producer): ${lat.latencies.length} flags`,
      `     produce-to-flag latency p50 ${q(lat.latencies, 0.5).toFixed(0)} ms, p99 ${q(lat.latencies, 0.99).toFixed(0)} ms, max ${q(lat.latencies, 1).toFixed(0)} ms`,
      `       of which call sent → flag raised: p50 ${q(lat.toEmit, 0.5).toFixed(0)} ms, p99 ${q(lat.toEmit, 0.99).toFixed(0)} ms; flag raised → flag read: p50 ${q(lat.fromEmit, 0.5).toFixed(0)} ms, p99 ${q(lat.fromEmit, 0.99).toFixed(0)} ms ` +
        `(raised → produced by the flag lane: p50 ${q(lat.toSend, 0.5).toFixed(0)} ms, p99 ${q(lat.toSend, 0.99).toFixed(0)} ms)`,
      `       worst latency per 2 s of send time (ms): ${lat.timeline}`,
      `       the bench's own sends, scheduled → acknowledged by the broker: p50 ${q(lat.acked, 0.5).toFixed(0)} ms, p99 ${q(lat.acked, 0.99).toFixed(0)} ms`,
      `     detector consumer lag at the end: ${metricSum(metricsC, 'callguard_detector_consumer_lag')} records`,
      `  detector RSS: min ${mb(Math.min(...rss))}, max ${mb(Math.max(...rss))}, last ${mb(rss.at(-1) ?? 0)}`,
      `  detector internals (whole run): batch processing ${metricSum(metricsC, 'callguard_detector_batch_seconds_sum').toFixed(1)} s over ${metricSum(metricsC, 'callguard_detector_batch_seconds_count')} batches; ` +
        `${metricSum(metricsC, 'callguard_detector_checkpoint_seconds_count')} checkpoints, ${metricSum(metricsC, 'callguard_detector_checkpoint_seconds_sum').toFixed(1)} s in total; ` +
        `${metricSum(metricsC, 'callguard_detector_snapshot_seconds_count', 'kind="full"')} full snapshots, ${metricSum(metricsC, 'callguard_detector_snapshot_seconds_sum', 'kind="full"').toFixed(1)} s (and ${metricSum(metricsC, 'callguard_detector_snapshot_seconds_count', 'kind="fresh"')} fresh), last sizes ${mb(metricSum(metricsC, 'callguard_detector_snapshot_bytes'))} in all; ` +
        `paused ${metricSum(metricsC, 'callguard_detector_paused')}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    if (detector && detector.exitCode === null) {
      detector.kill('SIGTERM');
      await Promise.race([new Promise((r) => detector!.once('exit', r)), sleep(30_000)]);
      if (detector.exitCode === null) detector.kill('SIGKILL');
    }
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    const groups = (await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId).filter((g) => g.startsWith(id));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect().catch(() => {});
    const keys = await redis.keys(`callguard:bench:${id}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await dropDatabase(ch, database).catch(() => {});
    await ch.close();
  }
}

function cpus(): number {
  return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
}

/** The local stack's server processes (from .stack/run/*.pid), for CPU accounting. */
function stackPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['kafka', 'clickhouse', 'redis']) {
    try {
      out[name] = (JSON.parse(readFileSync(join(ROOT, '.stack/run', `${name}.pid`), 'utf8')) as { pid: number }).pid;
    } catch {
      // not started by this checkout's stack: not accounted
    }
  }
  return out;
}

/** User and system CPU seconds and minor page faults of a process so far (/proc/<pid>/stat), zeros when it is gone. */
function cpuSplit(pid: number): { user: number; system: number; minorFaults: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state is field 3, minflt 10, utime 14, stime 15 (clock ticks, 100 a second).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100, minorFaults: Number(f[7]) };
  } catch {
    return { user: 0, system: 0, minorFaults: 0 };
  }
}

/** CPU seconds used by the detector and each stack server since `before`. */
function cpuSince(before: Record<string, number>, pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - (before[k] ?? 0)]));
}

async function committed(ctx: Ctx, topic: string): Promise<number> {
  const res = await ctx.admin.fetchOffsets({ groupId: ctx.group, topics: [topic] });
  return res[0]?.partitions.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0) ?? 0;
}

/** Encodes with the registered schema (header + avsc) and produces keyed by caller, several requests in flight. */
async function produceHistoric(ctx: Ctx, n: number): Promise<{ seconds: number }> {
  const stream = new CallStream({ numbers: 300_000, rate: 2_000, seed: 7 });
  const encode = await encoder(ctx);
  const t0 = performance.now();
  const CHUNK = 20_000;
  let inFlight: Promise<unknown>[] = [];
  for (let done = 0; done < n; done += CHUNK) {
    const events = stream.chunk(Math.min(CHUNK, n - done));
    const messages = events.map((e) => ({ key: e.caller, value: encode(e) }));
    for (let i = 0; i < messages.length; i += 2_000) inFlight.push(ctx.producer.send({ topic: ctx.topics.calls, acks: -1, messages: messages.slice(i, i + 2_000) }));
    if (inFlight.length >= 10) {
      await Promise.all(inFlight);
      inFlight = [];
    }
    if ((done / CHUNK) % 15 === 0) say(`  produced ${done.toLocaleString()}`);
  }
  await Promise.all(inFlight);
  return { seconds: (performance.now() - t0) / 1000 };
}

async function encoder(ctx: Ctx): Promise<(e: CallEvent) => Buffer> {
  const type = (await ctx.registry.getSchema(ctx.schemaId)) as unknown as { toBuffer(v: unknown): Buffer };
  const header = Buffer.alloc(5);
  header.writeUInt32BE(ctx.schemaId, 1);
  return (e) => Buffer.concat([header, type.toBuffer(e)]);
}

async function bareConsume(ctx: Ctx, n: number): Promise<number> {
  const consumer = ctx.kafka.consumer({ groupId: `${ctx.id}-bare`, maxBytesPerPartition: 2 << 20, maxBytes: 16 << 20, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.topics.calls, fromBeginning: true });
  let count = 0;
  // Timed from the group join, as run A is timed from the detector's assignment:
  // the first fetch counts (timing from the first batch received would leave it out).
  let first = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    first = performance.now();
  });
  const seconds = await new Promise<number>((resolveRun) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= n) resolveRun((performance.now() - first) / 1000);
      },
    });
  });
  await consumer.disconnect();
  return seconds;
}

/**
 * Offers `rate` events/s for `seconds`: background subscribers plus a new
 * robocaller every 20 ms making 70 sequential calls over about 1.4 s.
 * Each event's startTime is the wall clock when its request is built.
 */
async function latencyRun(
  ctx: Ctx,
  rate: number,
  seconds: number,
  pid: number,
  rss: number[],
): Promise<{ latencies: number[]; toEmit: number[]; fromEmit: number[]; toSend: number[]; acked: number[]; timeline: string; achievedRate: number }> {
  const latencies: number[] = [];
  // Each flag's latency by the second of the run its call was sent in, so the report shows whether the tail is
  // spread over the run or a few episodes (a checkpoint, a major GC, a table growing).
  const bySecond: number[][] = [];
  // The two halves of each latency, split at the flag's emittedAt (the detector's clock when the engine raised it):
  // call sent → flag raised (the bench's producer, the broker, the detector's fetch and processing), and flag raised →
  // flag read here (the detector's flag lane: claim, produce with acks from all replicas, and this consumer's fetch).
  const toEmit: number[] = [];
  const fromEmit: number[] = [];
  // Flag raised → its produce (the record's timestamp, set by the detector's producer when the lane sends it): the
  // lane's own share of "flag raised → flag read"; the rest is the broker and this process's consumer.
  const toSend: number[] = [];
  // How long each tick's send took to be acknowledged by the broker (from the tick's scheduled time): the part of
  // "call sent → flag raised" spent before the detector could read the calls.
  const acked: number[] = [];
  const flagsConsumer = ctx.kafka.consumer({ groupId: `${ctx.id}-flags`, maxWaitTimeInMs: 20 });
  await flagsConsumer.connect();
  await flagsConsumer.subscribe({ topic: ctx.topics.flags, fromBeginning: false });
  const startedAt = Date.now();
  await flagsConsumer.run({
    eachMessage: async ({ message }) => {
      const now = Date.now();
      const f = (await ctx.registry.decode(message.value!)) as FlagEvent;
      if (f.detectedAt >= startedAt) {
        latencies.push(now - f.detectedAt);
        (bySecond[Math.floor((f.detectedAt - startedAt) / 1000)] ??= []).push(now - f.detectedAt);
        toEmit.push(f.emittedAt - f.detectedAt);
        fromEmit.push(now - f.emittedAt);
        toSend.push(Number(message.timestamp) - f.emittedAt);
      }
    },
  });
  await sleep(3_000); // let the flags consumer join (it reads from the end)
  const encode = await encoder(ctx);
  const background = new CallStream({ numbers: 200_000, rate: 1_000, seed: 99 });
  const tickMs = 20;
  const perTick = Math.round((rate * tickMs) / 1000);
  const robots: Array<{ number: string; next: number; made: number }> = [];
  let robotSeq = 0;
  let sent = 0;
  let seq = 0;
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let tick = 0; (tick * tickMs) / 1000 < seconds; tick++) {
    const due = t0 + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const now = Date.now();
    robots.push({ number: `+86170${String(10_000_000 + robotSeq++).padStart(8, '0')}`, next: 0, made: 0 });
    const events: CallEvent[] = [];
    for (const r of robots) {
      if (r.made >= 70) continue;
      r.made++;
      const callee = `+86139${String(20_000_000 + r.made + robotSeq * 100).padStart(8, '0')}`;
      events.push({ eventId: `l${seq++}`, probeId: 'bench', caller: r.number, callee, startTime: now, answerTime: null, endTime: now + 3_000, outcome: 'NO_ANSWER', releaseCause: 480, accessProvider: 'robo-carrier' });
    }
    while (robots.length > 0 && robots[0].made >= 70) robots.shift();
    for (const e of background.chunk(Math.max(0, perTick - events.length))) {
      const d = e.endTime - e.startTime;
      events.push({ ...e, eventId: `l${seq++}`, startTime: now, answerTime: e.answerTime === null ? null : now + 6_000, endTime: now + d });
    }
    const messages = events.map((e) => ({ key: e.caller, value: encode(e) }));
    const p = ctx.producer
      .send({ topic: ctx.topics.calls, acks: -1, messages })
      .then(() => acked.push(Date.now() - now))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent += messages.length;
    if (inFlight.size > 50) await Promise.race(inFlight);
    if (tick % 250 === 0) {
      rss.push(rssBytes(pid));
      say(`  offered ${sent.toLocaleString()} events, ${latencies.length} flags so far`);
    }
  }
  await Promise.all(inFlight);
  const achievedRate = sent / ((performance.now() - t0) / 1000);
  await sleep(5_000); // flags of the last events
  rss.push(rssBytes(pid));
  await flagsConsumer.disconnect();
  // Worst latency of each 2-s slice of send time, from the first slice with flags.
  const first = bySecond.findIndex((xs) => xs !== undefined);
  const slices: string[] = [];
  for (let s = Math.max(first, 0); s < bySecond.length; s += 2) slices.push(String(Math.max(0, ...(bySecond[s] ?? []), ...(bySecond[s + 1] ?? []))));
  return { latencies, toEmit, fromEmit, toSend, acked, timeline: slices.join(' '), achievedRate };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:e2e failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
