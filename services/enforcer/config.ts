/**
 * Configuration of `callguard enforce`: command-line options over
 * environment variables over documented defaults, validated once with every
 * error reported at once.
 */
import { DEFAULT_TOPICS } from '../../shared/contracts/records.ts';
import { kafkaBrokersFromEnv, renamedTopicVariableProblems, schemaRegistryUrlFromEnv } from '../../shared/kafka/index.ts';
import { DEFAULT_MACHINE_OPTIONS } from './machine.ts';
import type { HandlerOptions } from './handler.ts';
import { parseDuration } from './duration.ts';
import { parseAllowedHosts } from '../../shared/http/allowed-hosts.ts';
import { listenHostProblem } from '../../shared/http/listen-host.ts';
import { DEFAULT_REDIS_PREFIX, redisPrefixFrom } from '../../shared/env/index.ts';

/** Everything the enforcer needs to start. */
export interface EnforcerConfig {
  /** Lookup API listen address (default 127.0.0.1). */
  host: string;
  /** Lookup API port (default 8089; 0 = any free port). */
  port: number;
  /**
   * Host names the lookup API answers for besides `localhost`, `127.0.0.1` and `[::1]` on a loopback bind
   * (`CALLGUARD_ENFORCER_ALLOWED_HOSTS`, comma-separated; `*` = any): the guard against DNS rebinding
   * (shared/http/allowed-hosts.ts).
   */
  allowedHosts: string[];
  redisUrl: string;
  /**
   * Prefix of every Redis key: `--key-prefix`, else `CALLGUARD_ENFORCER_KEY_PREFIX` (an override), else the shared
   * `CALLGUARD_REDIS_PREFIX` the detector and the console read too, else `callguard`.
   */
  keyPrefix: string;
  brokers: string[];
  registryUrl: string;
  flagsTopic: string;
  reviewsTopic: string;
  dlqTopic: string;
  groupId: string;
  /** A new consumer group starts at the beginning of the topics (old labels age out by themselves). */
  fromBeginning: boolean;
  /**
   * The state machine's tunables, the protection of a dismissal (and how long its DISMISSED view is kept) among them,
   * and how far ahead of processing time a record may be dated (`maxFutureMs`, `CALLGUARD_ENFORCER_MAX_FUTURE_MS`,
   * default 300000 = 5 min; a record dated later goes to the DLQ).
   */
  machine: HandlerOptions;
  /** Most labels the in-process replica holds (0 = no replica: every lookup reads Redis). */
  replicaMax: number;
  /** pino level of the JSON logs on stderr (`CALLGUARD_LOG_LEVEL`, default info). */
  logLevel: string;
  /** How long a stop (SIGTERM/SIGINT) may take before the process exits 1 regardless, ms (`CALLGUARD_ENFORCER_STOP_TIMEOUT`, default 30s). */
  stopTimeoutMs: number;
  /**
   * How often the record handler's copy of the allowlist (`<prefix>:allowlist`) is re-read, ms
   * (`CALLGUARD_ENFORCER_ALLOWLIST_POLL`, default 5s, the detector's period): a number added is unlabelled and its
   * flags ignored within this (services/enforcer/allowlist.ts).
   */
  allowlistPollMs: number;
  /**
   * How often the due set (`<prefix>:enforce:due`) is polled, ms (`CALLGUARD_ENFORCER_DUE_POLL`, default 5s): when a
   * block or pending verification expires, the flags it held back are shown by the lookup within this
   * (services/enforcer/due.ts).
   */
  duePollMs: number;
}

/** Options as given on the command line (all optional strings). */
export interface EnforcerCliOptions {
  host?: string;
  port?: string;
  allowedHosts?: string;
  flagsTopic?: string;
  reviewsTopic?: string;
  dlqTopic?: string;
  group?: string;
  labelTtl?: string;
  blockTtl?: string;
  protectTtl?: string;
  keyPrefix?: string;
  replicaMax?: string;
}

/** Raised with every configuration problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid enforcer configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The documented defaults (see docs/enforcer.md). */
export const ENFORCER_DEFAULTS = {
  host: '127.0.0.1',
  port: 8089,
  redisUrl: 'redis://127.0.0.1:6379',
  keyPrefix: DEFAULT_REDIS_PREFIX,
  groupId: 'callguard-enforcer',
  labelTtl: '7d',
  blockTtl: '30d',
  protectTtl: '30d',
  replicaMax: 2_000_000,
  logLevel: 'info',
  stopTimeout: '30s',
  maxFutureMs: 300_000,
  allowlistPoll: '5s',
  duePoll: '5s',
} as const;

/** The levels `CALLGUARD_LOG_LEVEL` may name (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Builds the configuration; throws {@link ConfigError} listing every bad value. */
export function loadEnforcerConfig(cli: EnforcerCliOptions = {}, env: NodeJS.ProcessEnv = process.env): EnforcerConfig {
  const problems: string[] = [];
  const pick = (cliValue: string | undefined, envName: string, fallback: string) => cliValue ?? (env[envName] || fallback);
  const duration = (name: string, text: string, allowZero: boolean): number => {
    const ms = parseDuration(text);
    if (ms === null || (!allowZero && ms === 0)) {
      problems.push(`${name}: ${JSON.stringify(text)} is not a duration like 7d, 12h, 30m${allowZero ? ' or 0' : ''}`);
      return 0;
    }
    return ms;
  };
  const portText = pick(cli.port, 'CALLGUARD_ENFORCER_PORT', String(ENFORCER_DEFAULTS.port));
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) problems.push(`port (CALLGUARD_ENFORCER_PORT): ${JSON.stringify(portText)} is not a port number`);
  const host = pick(cli.host, 'CALLGUARD_ENFORCER_HOST', ENFORCER_DEFAULTS.host);
  const hostProblem = listenHostProblem(host, 'host (CALLGUARD_ENFORCER_HOST)');
  if (hostProblem) problems.push(hostProblem);
  const allowed = parseAllowedHosts(pick(cli.allowedHosts, 'CALLGUARD_ENFORCER_ALLOWED_HOSTS', ''), 'allowed hosts (CALLGUARD_ENFORCER_ALLOWED_HOSTS)');
  problems.push(...allowed.problems);
  const keyPrefix = redisPrefixFrom(env, { cli: cli.keyPrefix, variable: 'CALLGUARD_ENFORCER_KEY_PREFIX' }, problems).prefix;
  const replicaText = pick(cli.replicaMax, 'CALLGUARD_ENFORCER_REPLICA_MAX', String(ENFORCER_DEFAULTS.replicaMax));
  if (!/^\d+$/.test(replicaText)) problems.push(`label replica size (CALLGUARD_ENFORCER_REPLICA_MAX): ${JSON.stringify(replicaText)} is not a whole number (0 = no replica)`);
  const maxFutureText = env.CALLGUARD_ENFORCER_MAX_FUTURE_MS || String(ENFORCER_DEFAULTS.maxFutureMs);
  const maxFutureMs = Number(maxFutureText);
  if (!/^\d+$/.test(maxFutureText) || !Number.isSafeInteger(maxFutureMs)) {
    problems.push(`future tolerance (CALLGUARD_ENFORCER_MAX_FUTURE_MS): ${JSON.stringify(maxFutureText)} is not a whole number of milliseconds`);
  }
  const logLevel = env.CALLGUARD_LOG_LEVEL || ENFORCER_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`CALLGUARD_LOG_LEVEL: ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}`);
  const config: EnforcerConfig = {
    host,
    port,
    allowedHosts: allowed.hosts,
    redisUrl: env.CALLGUARD_REDIS_URL || ENFORCER_DEFAULTS.redisUrl,
    keyPrefix,
    brokers: kafkaBrokersFromEnv(env),
    registryUrl: schemaRegistryUrlFromEnv(env),
    flagsTopic: pick(cli.flagsTopic, 'CALLGUARD_TOPIC_FLAGS', DEFAULT_TOPICS.flags),
    reviewsTopic: pick(cli.reviewsTopic, 'CALLGUARD_TOPIC_REVIEWS', DEFAULT_TOPICS.reviews),
    dlqTopic: pick(cli.dlqTopic, 'CALLGUARD_TOPIC_DLQ', DEFAULT_TOPICS.dlq),
    groupId: pick(cli.group, 'CALLGUARD_ENFORCER_GROUP', ENFORCER_DEFAULTS.groupId),
    fromBeginning: true,
    machine: {
      ...DEFAULT_MACHINE_OPTIONS,
      labelTtlMs: duration('label TTL (CALLGUARD_ENFORCER_LABEL_TTL)', pick(cli.labelTtl, 'CALLGUARD_ENFORCER_LABEL_TTL', ENFORCER_DEFAULTS.labelTtl), false),
      blockTtlMs: duration('block TTL (CALLGUARD_ENFORCER_BLOCK_TTL)', pick(cli.blockTtl, 'CALLGUARD_ENFORCER_BLOCK_TTL', ENFORCER_DEFAULTS.blockTtl), true),
      protectTtlMs: duration('protection TTL (CALLGUARD_ENFORCER_PROTECT_TTL)', pick(cli.protectTtl, 'CALLGUARD_ENFORCER_PROTECT_TTL', ENFORCER_DEFAULTS.protectTtl), false),
      maxFutureMs,
    },
    replicaMax: Number(replicaText),
    logLevel,
    stopTimeoutMs: duration('stop timeout (CALLGUARD_ENFORCER_STOP_TIMEOUT)', env.CALLGUARD_ENFORCER_STOP_TIMEOUT || ENFORCER_DEFAULTS.stopTimeout, false),
    allowlistPollMs: duration('allowlist poll period (CALLGUARD_ENFORCER_ALLOWLIST_POLL)', env.CALLGUARD_ENFORCER_ALLOWLIST_POLL || ENFORCER_DEFAULTS.allowlistPoll, false),
    duePollMs: duration('due poll period (CALLGUARD_ENFORCER_DUE_POLL)', env.CALLGUARD_ENFORCER_DUE_POLL || ENFORCER_DEFAULTS.duePoll, false),
  };
  for (const [name, topic] of [['flags topic (CALLGUARD_TOPIC_FLAGS)', config.flagsTopic], ['reviews topic (CALLGUARD_TOPIC_REVIEWS)', config.reviewsTopic], ['DLQ topic (CALLGUARD_TOPIC_DLQ)', config.dlqTopic]] as const) {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) problems.push(`${name}: ${JSON.stringify(topic)} is not a valid Kafka topic name`);
  }
  if (config.brokers.length === 0) problems.push('CALLGUARD_KAFKA_BROKERS: no broker given');
  problems.push(...renamedTopicVariableProblems(env, ['CALLGUARD_FLAGS_TOPIC', 'CALLGUARD_REVIEWS_TOPIC', 'CALLGUARD_DLQ_TOPIC']));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
