/**
 * Fixtures for the detector's integration tests, against the real stack:
 * a fresh set of topics, consumer group, Redis prefix and ClickHouse
 * database per test (removed afterwards); simulated traffic (see
 * helpers/scenario.ts: `callguard simulate` files and `callguard replay` on
 * them) produced to Kafka as Avro with the contract keys; a whole scenario
 * set up and torn down in one call (`prepareScenario`); detectors run as
 * child processes (`node bin/callguard.mjs detect`) so a test can kill -9
 * them; and readers for the flags and DLQ topics and the ClickHouse totals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import { createClickHouse, dropDatabase, type ClickHouse } from '../../shared/clickhouse/index.ts';
import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent } from '../../shared/contracts/records.ts';
import { createSchemaRegistry, registerValueSchema } from '../../shared/kafka/index.ts';
import { detectorEnv, runTopics, type DetectorTopics } from '../../services/detector/launch-env.ts';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { testKafka } from './helpers/kafka.ts';
import { CLI, ROOT, expectedTotals, key, replay, replayPartitioned, simulate, writeScenario, type Scenario, type ScenarioRecords } from './helpers/scenario.ts';
import { waitFor } from './helpers/wait.ts';

export { ROOT, expectedTotals, replay, replayPartitioned, simulate, writeScenario, type Scenario, type ScenarioRecords } from './helpers/scenario.ts';

const REDIS_URL = process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379';

/** Everything one test owns: names of topics, group, Redis prefix and database, and clients. */
export interface Fixture {
  id: string;
  topics: DetectorTopics;
  group: string;
  prefix: string;
  database: string;
  partitions: number;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  registry: SchemaRegistry;
  redis: Redis;
  ch: ClickHouse;
  ids: { calls: number; complaints: number; consents: number };
  /** Environment of a detector wired to this fixture. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** Options of {@link createFixture}. */
export interface FixtureOptions {
  /** Bootstrap servers of another broker (a private one) instead of the stack's; detectors get them too. */
  brokers?: string[];
  /** HTTP endpoint of another ClickHouse (a private one) instead of the stack's; detectors get it too. */
  clickhouseUrl?: string;
}

/** Creates topics (inputs with `partitions` partitions), registers schemas and connects clients. */
export async function createFixture(partitions: number, opts: FixtureOptions = {}): Promise<Fixture> {
  const id = `dt${randomBytes(5).toString('hex')}`;
  const topics = runTopics(id);
  const kafka = testKafka(`callguard-test-${id}`, opts.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.calls, numPartitions: partitions },
      { topic: topics.complaints, numPartitions: partitions },
      { topic: topics.consents, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.flags, numPartitions: 2 },
      { topic: topics.dlq, numPartitions: 1 },
    ],
  });
  const registry = createSchemaRegistry({ clientId: 'callguard-test' });
  const ids = {
    calls: await registerValueSchema(registry, topics.calls, 'CallEvent'),
    complaints: await registerValueSchema(registry, topics.complaints, 'ComplaintReport'),
    consents: await registerValueSchema(registry, topics.consents, 'ConsentRecord'),
  };
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const ch = createClickHouse(opts.clickhouseUrl ? { url: opts.clickhouseUrl } : {});
  const f: Fixture = {
    id,
    topics,
    group: `${id}-group`,
    prefix: `callguard:test:${id}`,
    database: `cg_${id}`,
    partitions,
    kafka,
    admin,
    producer,
    registry,
    redis,
    ch,
    ids,
    env(extra = {}) {
      return {
        ...process.env,
        ...(opts.brokers ? { CALLGUARD_KAFKA_BROKERS: opts.brokers.join(',') } : {}),
        ...(opts.clickhouseUrl ? { CALLGUARD_CLICKHOUSE_URL: opts.clickhouseUrl } : {}),
        ...detectorEnv({ topics, group: f.group, redisPrefix: f.prefix, database: f.database, port: 0 }),
        CALLGUARD_DETECTOR_FLUSH_MS: '300',
        CALLGUARD_DETECTOR_SNAPSHOT_MS: '1000',
        CALLGUARD_LOG_LEVEL: 'info',
        ...extra,
      };
    },
    async cleanup() {
      await producer.disconnect().catch(() => {});
      await admin.deleteTopics({ topics: Object.values(topics), timeout: 10_000 }).catch(() => {});
      const groups = (await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId).filter((g) => g.startsWith(id));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
      await admin.disconnect().catch(() => {});
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${f.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await dropDatabase(ch, f.database).catch(() => {});
      await ch.close();
    },
  };
  return f;
}

/** Records for the input topics (each list produced in order, consents first, then calls, then complaints). */
export interface InputRecords {
  calls?: CallEvent[];
  complaints?: ComplaintReport[];
  consents?: ConsentRecord[];
}

/** Produces records as Avro with the contract keys, in order, in requests of `batch`. */
export async function produce(f: Fixture, records: InputRecords, batch = 2_000): Promise<void> {
  const send = async <T>(topic: string, id: number, list: T[] | undefined, keyOf: (r: T) => string) => {
    if (!list) return;
    for (let i = 0; i < list.length; i += batch) {
      const slice = list.slice(i, i + batch);
      const messages = await Promise.all(slice.map(async (r) => ({ key: keyOf(r), value: await f.registry.encode(id, r) })));
      await f.producer.send({ topic, acks: -1, messages });
    }
  };
  await send(f.topics.consents, f.ids.consents, records.consents, (c) => `${key(c.caller)}|${key(c.callee)}`);
  await send(f.topics.calls, f.ids.calls, records.calls, (c) => key(c.caller));
  await send(f.topics.complaints, f.ids.complaints, records.complaints, (c) => key(c.reported));
}

/** Puts the allowlist into the fixture's Redis set. */
export async function loadAllowlist(f: Fixture, numbers: string[]): Promise<void> {
  if (numbers.length > 0) await f.redis.sadd(`${f.prefix}:allowlist`, ...numbers);
}

/** A detector child process. */
export interface DetectorProcess {
  proc: ChildProcess;
  /** Port of its ops endpoint, once it has logged it. */
  port(): Promise<number>;
  /** Every log line so far (JSON objects; other lines as `{ raw }`). */
  logs: Array<Record<string, unknown>>;
  /** Sends a signal and waits for the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Starts `callguard detect` with the fixture's environment. */
export function startDetector(f: Fixture, extra: Record<string, string> = {}): DetectorProcess {
  const proc = spawn(process.execPath, [CLI, 'detect'], { cwd: ROOT, env: f.env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
      if (process.env.CALLGUARD_TEST_VERBOSE) process.stderr.write(`[detector ${proc.pid}] ${line}\n`);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolveExit) => proc.once('exit', (code) => resolveExit(code)));
  return {
    proc,
    logs,
    exited,
    port: () =>
      waitFor(() => logs.find((l) => typeof l.port === 'number' && l.msg === 'ops endpoint listening (/metrics, /healthz, /readyz)')?.port as number | undefined, {
        what: 'the detector ops port',
        timeoutMs: 60_000,
      }),
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * Resolves with the first log line of `d` that `match` accepts, polling (rejects after `timeoutMs`). For a log
 * line asserted after a state seen elsewhere (/readyz, /metrics, a commit): the detector's logger writes
 * asynchronously, so the line can reach the pipe after that state is visible.
 */
export function waitForLog(d: DetectorProcess, match: (l: Record<string, unknown>) => boolean, what: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return waitFor(() => d.logs.find(match), { what: `the detector to log ${what}`, timeoutMs, intervalMs: 50 });
}

/** Where a scenario's traffic comes from: `callguard simulate` with these arguments, or records a test makes up. */
export type ScenarioSource = { seed: number; scale: number; hours: number; scenario?: string } | { records: ScenarioRecords };

/**
 * The detector settings under which its flags do not depend on how the partitions are spread over
 * instances, so they equal replay per partition (the `partitioned` oracle): no contact notes across
 * partitions, campaign groups per partition. Tests with `partitioned: true` start detectors with them.
 */
export const PER_PARTITION_ENV = { CALLGUARD_DETECTOR_CONTACT_NOTES: 'off', CALLGUARD_DETECTOR_CAMPAIGNS: 'partition' } as const;

/**
 * {@link PER_PARTITION_ENV} with small fetches, frequent checkpoints and a low pending limit: they keep a stream
 * long enough for membership changes (joins, kills, stops) to land mid-stream.
 */
export const MID_STREAM_ENV = {
  ...PER_PARTITION_ENV,
  CALLGUARD_DETECTOR_FLUSH_MS: '200',
  CALLGUARD_DETECTOR_SNAPSHOT_MS: '500',
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '16384',
  CALLGUARD_DETECTOR_MAX_PENDING: '3000',
} as const;

/** Options of {@link prepareScenario}: the traffic, the fixture around it and what is done before the tests. */
export type ScenarioOptions = ScenarioSource & {
  /** Partitions of the input topics. */
  partitions: number;
  /**
   * The oracle is replay once per partition ({@link replayPartitioned}: for detectors with
   * `CONTACT_NOTES=off` and `CAMPAIGNS=partition`); otherwise one replay over all the traffic.
   */
  partitioned?: boolean;
  /** Another broker's bootstrap servers (a private one), as in {@link FixtureOptions}. */
  brokers?: string[];
  /** Another ClickHouse's HTTP endpoint (a private one), as in {@link FixtureOptions}. */
  clickhouseUrl?: string;
  /** `false`: calls only; the complaints are dropped from the scenario and its files before replay. */
  complaints?: boolean;
  /** `false`: no allowlist; it is emptied in the scenario and its files before replay and not loaded into Redis. */
  allowlist?: boolean;
  /**
   * Engine config for replay (`--config`, a file in the scenario's folder) and for every detector
   * started by {@link PreparedScenario.start} (`CALLGUARD_ENGINE_CONFIG`).
   */
  engineConfig?: Record<string, unknown>;
  /** What is produced before the tests: every record (the default), nothing (`false`), or what this returns. */
  produce?: false | ((s: Scenario) => InputRecords);
};

/** A scenario ready for a test: fixture, traffic, replay's flags; detectors it started; one teardown. */
export interface PreparedScenario {
  f: Fixture;
  s: Scenario;
  /** Replay's flags on the traffic (per partition when `partitioned`). */
  expected: FlagEvent[];
  /** Every detector started by {@link PreparedScenario.start}, in order. */
  readonly detectors: DetectorProcess[];
  /** Starts a detector on the fixture (with the scenario's engine config) and keeps it for {@link PreparedScenario.dispose}. */
  start(extra?: Record<string, string>): DetectorProcess;
  /** Kills (SIGKILL) every detector it started, then removes the fixture and the scenario's files. */
  dispose(): Promise<void>;
}

/**
 * The set-up the detector tests share, in their order: creates the fixture
 * (topics, group, Redis prefix, database), simulates or writes the traffic,
 * runs replay for the expected flags, loads the allowlist into Redis and
 * produces the traffic. If a step fails, what was made so far is removed
 * and the error is thrown.
 */
export async function prepareScenario(opts: ScenarioOptions): Promise<PreparedScenario> {
  let f: Fixture | undefined;
  let s: Scenario | undefined;
  try {
    f = await createFixture(opts.partitions, { brokers: opts.brokers, clickhouseUrl: opts.clickhouseUrl });
    s = 'records' in opts ? writeScenario(opts.records) : await simulate(opts);
    if (opts.complaints === false) {
      s.complaints = [];
      writeFileSync(join(s.dir, 'complaints.jsonl'), '');
    }
    if (opts.allowlist === false) {
      s.allowlist = [];
      writeFileSync(join(s.dir, 'allowlist.txt'), '');
    }
    const replayArgs: string[] = [];
    if (opts.engineConfig) {
      writeFileSync(join(s.dir, 'engine.json'), JSON.stringify(opts.engineConfig));
      replayArgs.push('--config', join(s.dir, 'engine.json'));
    }
    const expected = opts.partitioned ? await replayPartitioned(s, opts.partitions, replayArgs) : await replay(s, replayArgs);
    await loadAllowlist(f, s.allowlist);
    if (opts.produce !== false) await produce(f, opts.produce ? opts.produce(s) : { consents: s.consents, calls: s.calls, complaints: s.complaints });
    return prepared(f, s, expected, opts.engineConfig);
  } catch (err) {
    await f?.cleanup().catch(() => {});
    s?.cleanup();
    throw err;
  }
}

function prepared(f: Fixture, s: Scenario, expected: FlagEvent[], engineConfig: Record<string, unknown> | undefined): PreparedScenario {
  const detectors: DetectorProcess[] = [];
  const engineEnv: Record<string, string> = engineConfig ? { CALLGUARD_ENGINE_CONFIG: JSON.stringify(engineConfig) } : {};
  return {
    f,
    s,
    expected,
    detectors,
    start(extra = {}) {
      const d = startDetector(f, { ...engineEnv, ...extra });
      detectors.push(d);
      return d;
    },
    async dispose() {
      for (const d of detectors) await d.stop('SIGKILL');
      await f.cleanup();
      s.cleanup();
    },
  };
}

/** Resolves once the group has committed the end of every input partition (all outputs durable). */
export async function waitForCommitted(f: Fixture, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    async () => {
      for (const topic of [f.topics.calls, f.topics.complaints]) {
        const ends = await f.admin.fetchTopicOffsets(topic);
        const committed = await f.admin.fetchOffsets({ groupId: f.group, topics: [topic] });
        const byPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
        for (const e of ends) if ((byPartition.get(e.partition) ?? -1) < Number(e.high)) return false;
      }
      return true;
    },
    { what: 'the detector group to commit every input', timeoutMs, intervalMs: 250 },
  );
}

/** Records of `topic` committed so far by the fixture's group, over all partitions. */
export async function committedCount(f: Fixture, topic: string = f.topics.calls): Promise<number> {
  const res = await f.admin.fetchOffsets({ groupId: f.group, topics: [topic] });
  return res[0]?.partitions.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0) ?? 0;
}

/** Every record of `topic` from the beginning up to its current end. */
export async function readTopic(f: Fixture, topic: string): Promise<Array<{ key: string | null; value: Buffer | null; headers: Record<string, string> }>> {
  const ends = await f.admin.fetchTopicOffsets(topic);
  const total = ends.reduce((a, e) => a + Number(e.high) - Number(e.low), 0);
  const out: Array<{ key: string | null; value: Buffer | null; headers: Record<string, string> }> = [];
  if (total === 0) return out;
  const consumer = f.kafka.consumer({ groupId: `${f.id}-reader-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolveRead, reject) => {
    const timer = setTimeout(() => reject(new Error(`read only ${out.length} of ${total} records of ${topic}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: message.key?.toString() ?? null, value: message.value, headers });
        if (out.length >= total) {
          clearTimeout(timer);
          resolveRead();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/** The flags on the fixture's flags topic, decoded. */
export async function readFlags(f: Fixture): Promise<FlagEvent[]> {
  const records = await readTopic(f, f.topics.flags);
  return Promise.all(records.map(async (r) => (await f.registry.decode(r.value!)) as FlagEvent));
}

/** A flag without its wall-clock field, numbers as plain numbers: for comparing runs. */
export function comparable(flag: FlagEvent): Omit<FlagEvent, 'emittedAt'> {
  const { emittedAt: _, ...rest } = flag;
  return JSON.parse(JSON.stringify({ ...rest, accessProvider: rest.accessProvider ?? null })) as Omit<FlagEvent, 'emittedAt'>;
}

/** Flags keyed by flagId (comparable form). */
export function byId(flags: FlagEvent[]): Map<string, Omit<FlagEvent, 'emittedAt'>> {
  return new Map(flags.map((fl) => [fl.flagId, comparable(fl)]));
}

/** Totals of the contract tables, read as investigators would (FINAL, summed over srcs). */
export async function clickhouseTotals(f: Fixture): Promise<{ flags: number; distinctFlags: number; calls: number; answered: number; rejected: number; complaints: number; providerCalls: number }> {
  const db = `\`${f.database}\``;
  const [a] = await f.ch.query<{ n: string; d: string }>(`SELECT count() AS n, uniqExact(flag_id) AS d FROM ${db}.flags FINAL`);
  const [b] = await f.ch.query<{ c: string; a: string; r: string; k: string }>(
    `SELECT sum(calls) AS c, sum(answered) AS a, sum(rejected) AS r, sum(complaints) AS k FROM ${db}.number_minute FINAL`,
  );
  const [c] = await f.ch.query<{ c: string }>(`SELECT sum(calls) AS c FROM ${db}.provider_hour FINAL`);
  return {
    flags: Number(a.n),
    distinctFlags: Number(a.d),
    calls: Number(b.c),
    answered: Number(b.a),
    rejected: Number(b.r),
    complaints: Number(b.k),
    providerCalls: Number(c.c),
  };
}

/** The {@link clickhouseTotals} of a run that emitted exactly `expected` (replay's flags) on the scenario's traffic. */
export function replayTotals(s: Scenario, expected: FlagEvent[]): Awaited<ReturnType<typeof clickhouseTotals>> {
  const want = expectedTotals(s);
  return { flags: expected.length, distinctFlags: expected.length, ...want, providerCalls: want.calls };
}

/** `body` behind the Confluent wire header naming schema `id` (magic byte 0, the id in 4 bytes big-endian). */
export function wireFormat(id: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, (id >>> 24) & 255, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), body]);
}

/** GETs a path of a detector's ops endpoint. */
export async function ops(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one Prometheus sample (sum over label sets matching `labels`; 0 when there is none, see {@link samples}). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text, name, labels).reduce((a, v) => a + v, 0);
}

/**
 * The values of the samples of `name` whose label sets include `labels`, one per label set, in the order of the
 * text: `[]` when there is none. For asserting a 0 that must really be there ({@link metric} reads a missing or
 * renamed metric as 0 too).
 */
export function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) out.push(Number(m[3]));
  }
  return out;
}
