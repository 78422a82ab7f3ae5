/**
 * The detector's settings: endpoints, topic names, timings and limits from
 * environment variables (each with a documented default), plus the engine
 * config (file and/or `CALLGUARD_ENGINE_CONFIG`, see shared/config).
 * Everything is validated once, at start, and every error is reported at
 * once, each naming its variable.
 */
import { z } from 'zod';
import { loadConfig, type EngineConfig } from '../../shared/config/index.ts';
import { DEFAULT_TOPICS } from '../../shared/contracts/records.ts';
import { DEFAULT_KAFKA_BROKERS, DEFAULT_SCHEMA_REGISTRY_URL } from '../../shared/kafka/index.ts';
import { DEFAULT_CLICKHOUSE_DATABASE, DEFAULT_CLICKHOUSE_URL } from '../../shared/clickhouse/index.ts';
import { parseAllowedHosts } from '../../shared/http/allowed-hosts.ts';
import { isListenHost, LISTEN_HOST_EXPECTED } from '../../shared/http/listen-host.ts';
import { DEFAULT_REDIS_PREFIX, REDIS_PREFIX_PATTERN, envBoolean } from '../../shared/env/index.ts';

/** Default Redis URL of the local stack. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A whole number in [min, max]; a value of only blanks is an error (Number(' ') would read it as 0). */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? Number.NaN : v), z.coerce.number().int().min(min).max(max));
const url = z.string().refine((v) => URL.canParse(v), { message: 'not a URL' });
const name = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'not a valid Kafka topic/group name' });

/**
 * Every environment variable the detector reads, with its default. The
 * table in docs/detector.md is this schema in prose.
 */
const envSchema = z.object({
  CALLGUARD_KAFKA_BROKERS: z
    .string()
    .default(DEFAULT_KAFKA_BROKERS)
    .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((bs) => bs.length > 0 && bs.every((b) => /^[^:\s]+:\d+$/.test(b)), { message: 'expected host:port[,host:port...]' }),
  CALLGUARD_SCHEMA_REGISTRY_URL: url.default(DEFAULT_SCHEMA_REGISTRY_URL),
  CALLGUARD_REDIS_URL: url.default(DEFAULT_REDIS_URL),
  CALLGUARD_CLICKHOUSE_URL: url.default(DEFAULT_CLICKHOUSE_URL),
  CALLGUARD_CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not a safe identifier' }).default(DEFAULT_CLICKHOUSE_DATABASE),
  CALLGUARD_TOPIC_CALLS: name.default(DEFAULT_TOPICS.calls),
  CALLGUARD_TOPIC_COMPLAINTS: name.default(DEFAULT_TOPICS.complaints),
  CALLGUARD_TOPIC_CONSENTS: name.default(DEFAULT_TOPICS.consents),
  CALLGUARD_TOPIC_FLAGS: name.default(DEFAULT_TOPICS.flags),
  CALLGUARD_TOPIC_DLQ: name.default(DEFAULT_TOPICS.dlq),
  CALLGUARD_DETECTOR_GROUP: name.default('callguard-detector'),
  CALLGUARD_DETECTOR_HOST: z
    .string()
    .refine(isListenHost, { message: `not ${LISTEN_HOST_EXPECTED}` })
    .default('127.0.0.1'),
  CALLGUARD_DETECTOR_PORT: int(0, 65_535).default(9464),
  // Parsed (and every bad entry reported) by parseAllowedHosts below, shared with the console and the enforcer.
  CALLGUARD_DETECTOR_ALLOWED_HOSTS: z.string().default(''),
  CALLGUARD_DETECTOR_FLUSH_MS: int(10, 60_000).default(1_000),
  CALLGUARD_DETECTOR_SNAPSHOT_MS: int(100, 3_600_000).default(60_000),
  CALLGUARD_DETECTOR_IDLE_MS: int(100, 86_400_000).default(30_000),
  CALLGUARD_DETECTOR_MERGE_HOLD_MS: int(0, 600_000).default(30_000),
  CALLGUARD_DETECTOR_MAX_FUTURE_MS: int(0).default(60_000),
  CALLGUARD_DETECTOR_MAX_PENDING: int(1_000).default(500_000),
  CALLGUARD_DETECTOR_CONTROL_POLL_MS: int(100, 3_600_000).default(5_000),
  CALLGUARD_DETECTOR_DEDUP_TTL_S: int(60).default(14 * 86_400),
  CALLGUARD_DETECTOR_FROM_BEGINNING: envBoolean.default(true),
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: int(1_024, 256 << 20).default(2 << 20),
  CALLGUARD_DETECTOR_PRODUCE_TIMEOUT_MS: int(1_000, 120_000).default(5_000),
  CALLGUARD_DETECTOR_PRODUCE_RETRIES: int(1, 20).default(2),
  CALLGUARD_DETECTOR_PENDING_GRACE_MS: int(0, 3_600_000).optional(),
  CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: int(0, 3_600_000).default(10_000),
  CALLGUARD_DETECTOR_CONTACT_NOTES: z.enum(['local', 'off']).default('local'),
  CALLGUARD_DETECTOR_CAMPAIGNS: z.enum(['process', 'partition']).default('process'),
  // Shared with the enforcer and the console (shared/env): they read it too, their own variable overriding it.
  CALLGUARD_REDIS_PREFIX: z.string().regex(REDIS_PREFIX_PATTERN, { message: 'letters, digits and : . _ - only' }).default(DEFAULT_REDIS_PREFIX),
  CALLGUARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Validated detector settings. */
export interface DetectorConfig {
  kafka: { brokers: string[]; registryUrl: string; group: string; fromBeginning: boolean; fetchMaxBytesPerPartition: number };
  topics: { calls: string; complaints: string; consents: string; flags: string; dlq: string };
  redis: { url: string; prefix: string; dedupTtlSec: number };
  clickhouse: { url: string; database: string };
  /**
   * The ops server: listen address, and the Host names it answers for besides those of a loopback bind
   * (`CALLGUARD_DETECTOR_ALLOWED_HOSTS`, comma-separated, `*` = any; canonical form): the guard against DNS rebinding.
   */
  http: { host: string; port: number; allowedHosts: string[] };
  /** Checkpoint period: outputs flushed and offsets committed about this often. */
  flushMs: number;
  /** Engine state snapshots per partition about this often (at a checkpoint). */
  snapshotMs: number;
  /** A caught-up partition with no input for this long advances its event time by the wall clock. */
  idleMs: number;
  /** After this long waiting for the other stream of a partition, its end offset is re-read from the broker (the wait ends only if nothing is there). */
  mergeHoldMs: number;
  /** Events later than wall clock + this are refused (DLQ). */
  maxFutureMs: number;
  /** Outputs and held inputs above this pause consumption until a checkpoint drains them. */
  maxPending: number;
  /** Allowlist and live-threshold refresh period. */
  controlPollMs: number;
  /** Output producer: request and acknowledgement timeout (ms) and kafkajs retries per send; together they bound how long a produce can be in flight. */
  produce: { timeoutMs: number; retries: number };
  /**
   * A flag marked pending by another attempt less than this long ago (ms)
   * may still land on the topic: the lane waits for its mark to turn
   * emitted before settling it by reading the topic. Default: the longest a
   * produce can be in flight ({@link maxProduceInFlightMs}).
   */
  pendingGraceMs: number;
  /**
   * `local`: a call X→Y tells the engine of Y's partition, when it runs in
   * this process, that X has called Y (engine.noteCallBack); `off`: each
   * partition knows only its own calls (results independent of how
   * partitions are spread over instances).
   */
  contactNotes: 'local' | 'off';
  /**
   * `process`: one set of campaign groups and one table of callees' swarm
   * loads shared by every partition engine of the process (a number block,
   * and the numbers flooding one victim, spread over partitions);
   * `partition`: each engine has its own (results independent of the
   * instance layout).
   */
  campaigns: 'process' | 'partition';
  /**
   * How long a stop (SIGTERM/SIGINT) may take (ms): the final checkpoint is
   * given up at this minus a reserve for leaving the group
   * (pipeline/stop-budget.ts), and if the stop has still not finished at
   * this the process exits 1 naming what did not.
   */
  stopTimeoutMs: number;
  /**
   * How long (ms) the writes to an output (the Kafka producer of flags and
   * DLQ records, the ClickHouse writer) may keep failing before /readyz
   * reports `degraded` and `_sink_failing` is 1: the writes are retried
   * without end meanwhile, and nothing is committed. Longer than a passing
   * hiccup (a broker's leader election, a ClickHouse restart), short enough
   * for a probe to notice an output that is gone.
   */
  outputGraceMs: number;
  logLevel: string;
  /** The engine config at start (file, then CALLGUARD_ENGINE_CONFIG); live overrides come from Redis. */
  engine: EngineConfig;
  /** The file the engine config came from, if any. */
  engineConfigFile?: string;
}

/** Result of {@link loadDetectorConfig}: the settings, or every problem found. */
export type DetectorConfigResult = { ok: true; config: DetectorConfig } | { ok: false; errors: string[] };

/** Reads and validates every setting; never throws. */
export function loadDetectorConfig(env: NodeJS.ProcessEnv, opts: { engineConfigFile?: string } = {}): DetectorConfigResult {
  const errors: string[] = [];
  const parsed = envSchema.safeParse(pickEnv(env));
  if (!parsed.success) for (const i of parsed.error.issues) errors.push(`${i.path.join('.')}: ${i.message}`);
  const engine = loadConfig({ file: opts.engineConfigFile, env });
  if (!engine.ok) for (const e of engine.errors) errors.push(`engine config: ${e}`);
  // Read from the raw environment, so that its problems are reported even when another variable does not parse.
  const allowed = parseAllowedHosts(env.CALLGUARD_DETECTOR_ALLOWED_HOSTS ?? '', 'CALLGUARD_DETECTOR_ALLOWED_HOSTS');
  errors.push(...allowed.problems);
  if (parsed.success) {
    const e = parsed.data;
    const topics = [e.CALLGUARD_TOPIC_CALLS, e.CALLGUARD_TOPIC_COMPLAINTS, e.CALLGUARD_TOPIC_CONSENTS, e.CALLGUARD_TOPIC_FLAGS, e.CALLGUARD_TOPIC_DLQ];
    if (new Set(topics).size !== topics.length) errors.push('CALLGUARD_TOPIC_*: the five topics must be distinct');
  }
  if (errors.length > 0 || !parsed.success || !engine.ok) return { ok: false, errors };
  const e = parsed.data;
  return {
    ok: true,
    config: {
      kafka: { brokers: e.CALLGUARD_KAFKA_BROKERS, registryUrl: e.CALLGUARD_SCHEMA_REGISTRY_URL.replace(/\/+$/, ''), group: e.CALLGUARD_DETECTOR_GROUP, fromBeginning: e.CALLGUARD_DETECTOR_FROM_BEGINNING, fetchMaxBytesPerPartition: e.CALLGUARD_DETECTOR_FETCH_MAX_BYTES },
      topics: {
        calls: e.CALLGUARD_TOPIC_CALLS,
        complaints: e.CALLGUARD_TOPIC_COMPLAINTS,
        consents: e.CALLGUARD_TOPIC_CONSENTS,
        flags: e.CALLGUARD_TOPIC_FLAGS,
        dlq: e.CALLGUARD_TOPIC_DLQ,
      },
      redis: { url: e.CALLGUARD_REDIS_URL, prefix: e.CALLGUARD_REDIS_PREFIX, dedupTtlSec: e.CALLGUARD_DETECTOR_DEDUP_TTL_S },
      clickhouse: { url: e.CALLGUARD_CLICKHOUSE_URL, database: e.CALLGUARD_CLICKHOUSE_DATABASE },
      http: { host: e.CALLGUARD_DETECTOR_HOST, port: e.CALLGUARD_DETECTOR_PORT, allowedHosts: allowed.hosts },
      flushMs: e.CALLGUARD_DETECTOR_FLUSH_MS,
      snapshotMs: e.CALLGUARD_DETECTOR_SNAPSHOT_MS,
      idleMs: e.CALLGUARD_DETECTOR_IDLE_MS,
      mergeHoldMs: e.CALLGUARD_DETECTOR_MERGE_HOLD_MS,
      maxFutureMs: e.CALLGUARD_DETECTOR_MAX_FUTURE_MS,
      maxPending: e.CALLGUARD_DETECTOR_MAX_PENDING,
      controlPollMs: e.CALLGUARD_DETECTOR_CONTROL_POLL_MS,
      produce: { timeoutMs: e.CALLGUARD_DETECTOR_PRODUCE_TIMEOUT_MS, retries: e.CALLGUARD_DETECTOR_PRODUCE_RETRIES },
      pendingGraceMs: e.CALLGUARD_DETECTOR_PENDING_GRACE_MS ?? maxProduceInFlightMs(e.CALLGUARD_DETECTOR_PRODUCE_TIMEOUT_MS, e.CALLGUARD_DETECTOR_PRODUCE_RETRIES),
      contactNotes: e.CALLGUARD_DETECTOR_CONTACT_NOTES,
      campaigns: e.CALLGUARD_DETECTOR_CAMPAIGNS,
      stopTimeoutMs: e.CALLGUARD_DETECTOR_STOP_TIMEOUT_MS,
      outputGraceMs: e.CALLGUARD_DETECTOR_OUTPUT_GRACE_MS,
      logLevel: e.CALLGUARD_LOG_LEVEL,
      engine: engine.config,
      engineConfigFile: opts.engineConfigFile,
    },
  };
}

/**
 * How far ahead of the wall clock a call may be dated and still be accepted:
 * `MAX_FUTURE_MS`, but never more than half the engine's allowed lateness. A
 * call moves its partition's watermark (latest event time minus the
 * lateness); one accepted further ahead would put the watermark past the
 * wall clock, and every on-time call after it would be late (DLQ) until the
 * clock caught up. Half leaves on-time calls the other half of the lateness
 * to arrive. Complaints do not move the watermark: they keep `MAX_FUTURE_MS`.
 */
export function callsFutureLimitMs(maxFutureMs: number, allowedLatenessMs: number): number {
  return Math.min(maxFutureMs, Math.floor(allowedLatenessMs / 2));
}

/** Longest backoff (ms) between two kafkajs attempts of the output producer. */
export const PRODUCE_RETRY_MAX_MS = 1_000;
/** Slack (ms) for a request the broker read but answered late, and for clocks of instances a little apart. */
export const PRODUCE_SLACK_MS = 5_000;

/**
 * The longest one send of the output producer can be in flight: every
 * attempt (1 + retries) may take the full request timeout, with at most
 * {@link PRODUCE_RETRY_MAX_MS} between attempts, plus {@link PRODUCE_SLACK_MS}.
 * With the defaults (5 s, 2 retries): 3 × 5 + 2 × 1 + 5 = 22 s.
 */
export function maxProduceInFlightMs(timeoutMs: number, retries: number): number {
  return (retries + 1) * timeoutMs + retries * PRODUCE_RETRY_MAX_MS + PRODUCE_SLACK_MS;
}

/** Only the variables of the schema, with empty strings treated as unset. */
function pickEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

/** The variables the detector reads, for `--help` and the docs. */
export const DETECTOR_ENV_VARS = Object.keys(envSchema.shape);
