/**
 * Configuration of `callguard investigate`: command-line options over
 * environment variables over documented defaults, validated once with every
 * problem reported at once. There is no default login: without
 * CALLGUARD_CONSOLE_USER and CALLGUARD_CONSOLE_PASSWORD the console refuses
 * to start.
 */
import { randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { DEFAULT_TOPICS } from '../../shared/contracts/records.ts';
import { clickHouseDatabaseFromEnv, clickHouseUrlFromEnv } from '../../shared/clickhouse/index.ts';
import { kafkaBrokersFromEnv, renamedTopicVariableProblems, schemaRegistryUrlFromEnv } from '../../shared/kafka/index.ts';
import { parseAllowedHosts } from '../../shared/http/allowed-hosts.ts';
import { listenHostProblem } from '../../shared/http/listen-host.ts';
import { DEFAULT_REDIS_PREFIX, envBooleanFrom, redisPrefixFrom } from '../../shared/env/index.ts';

/** Everything the console needs to start. */
export interface InvestigatorConfig {
  host: string;
  /** 0 = any free port. */
  port: number;
  /**
   * Host names the console answers for besides `localhost`, `127.0.0.1` and `[::1]` on a loopback bind
   * (`CALLGUARD_CONSOLE_ALLOWED_HOSTS`, comma-separated; `*` = any): the guard against DNS rebinding
   * (shared/http/allowed-hosts.ts).
   */
  allowedHosts: string[];
  user: string;
  password: string;
  /** Key of the session cookies' HMAC (random per process when not configured). */
  sessionSecret: Buffer;
  /** True when the secret was generated (sessions end with the process). */
  sessionSecretGenerated: boolean;
  sessionTtlMs: number;
  /** Mark the session cookie `Secure` (behind TLS): `CALLGUARD_CONSOLE_SECURE_COOKIE` `true`/`1` (`false`/`0`, unset: off; anything else is a configuration error). */
  secureCookie: boolean;
  clickhouseUrl: string;
  database: string;
  redisUrl: string;
  /**
   * Prefix of every Redis key: `--key-prefix`, else `CALLGUARD_CONSOLE_KEY_PREFIX` (an override), else the shared
   * `CALLGUARD_REDIS_PREFIX` the detector and the enforcer read too, else `callguard`.
   */
  keyPrefix: string;
  brokers: string[];
  registryUrl: string;
  reviewsTopic: string;
  /** How long a dismissal record is kept in Redis, ms. */
  protectTtlMs: number;
  /** pino level of the JSON logs on stderr (`CALLGUARD_LOG_LEVEL`, default info). */
  logLevel: string;
  /** How long a stop (SIGTERM/SIGINT) may take before the process exits 1 regardless, ms (`CALLGUARD_CONSOLE_STOP_SECONDS`, default 30). */
  stopTimeoutMs: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (`CALLGUARD_CONSOLE_TRUSTED_PROXIES`: addresses or
   * CIDR ranges, comma-separated; default none). The login lockout counts by client address: behind a proxy not
   * listed here every user has the proxy's address, and five wrong passwords from anyone lock everyone out.
   */
  trustedProxies: string[];
}

/** Options as given on the command line. */
export interface InvestigatorCliOptions {
  host?: string;
  port?: string;
  allowedHosts?: string;
  database?: string;
  reviewsTopic?: string;
  keyPrefix?: string;
}

/** Raised with every configuration problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid console configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Documented defaults (docs/investigator.md). */
export const INVESTIGATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 8088,
  sessionTtlHours: 8,
  redisUrl: 'redis://127.0.0.1:6379',
  keyPrefix: DEFAULT_REDIS_PREFIX,
  protectTtlDays: 30,
  logLevel: 'info',
  stopSeconds: 30,
} as const;

/** The levels `CALLGUARD_LOG_LEVEL` may name (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Builds the configuration; throws {@link ConfigError} listing every problem. */
export function loadInvestigatorConfig(cli: InvestigatorCliOptions = {}, env: NodeJS.ProcessEnv = process.env): InvestigatorConfig {
  const problems: string[] = [];
  const pick = (c: string | undefined, name: string, fallback: string) => c ?? (env[name] || fallback);
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) problems.push(`${name}: ${JSON.stringify(text)} is not a positive number`);
    return n;
  };
  const user = env.CALLGUARD_CONSOLE_USER ?? '';
  const password = env.CALLGUARD_CONSOLE_PASSWORD ?? '';
  if (!user) problems.push('CALLGUARD_CONSOLE_USER is not set (there is no default login)');
  else if (!/^[A-Za-z0-9._@-]{1,64}$/.test(user)) problems.push('CALLGUARD_CONSOLE_USER: use 1-64 letters, digits and . _ @ -');
  if (!password) problems.push('CALLGUARD_CONSOLE_PASSWORD is not set (there is no default login)');
  else if (password.length < 8) problems.push('CALLGUARD_CONSOLE_PASSWORD: at least 8 characters');
  const secretText = env.CALLGUARD_CONSOLE_SESSION_SECRET ?? '';
  if (secretText && secretText.length < 32) problems.push('CALLGUARD_CONSOLE_SESSION_SECRET: at least 32 characters');
  const portText = pick(cli.port, 'CALLGUARD_CONSOLE_PORT', String(INVESTIGATOR_DEFAULTS.port));
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) problems.push(`port (CALLGUARD_CONSOLE_PORT): ${JSON.stringify(portText)} is not a port number`);
  const host = pick(cli.host, 'CALLGUARD_CONSOLE_HOST', INVESTIGATOR_DEFAULTS.host);
  const hostProblem = listenHostProblem(host, 'host (CALLGUARD_CONSOLE_HOST)');
  if (hostProblem) problems.push(hostProblem);
  const allowed = parseAllowedHosts(pick(cli.allowedHosts, 'CALLGUARD_CONSOLE_ALLOWED_HOSTS', ''), 'allowed hosts (CALLGUARD_CONSOLE_ALLOWED_HOSTS)');
  problems.push(...allowed.problems);
  const database = pick(cli.database, 'CALLGUARD_CLICKHOUSE_DATABASE', clickHouseDatabaseFromEnv(env));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) problems.push(`database (CALLGUARD_CLICKHOUSE_DATABASE): ${JSON.stringify(database)} is not a plain identifier`);
  const keyPrefix = redisPrefixFrom(env, { cli: cli.keyPrefix, variable: 'CALLGUARD_CONSOLE_KEY_PREFIX' }, problems).prefix;
  const secureCookie = envBooleanFrom(env, 'CALLGUARD_CONSOLE_SECURE_COOKIE', false, problems);
  const reviewsTopic = pick(cli.reviewsTopic, 'CALLGUARD_TOPIC_REVIEWS', DEFAULT_TOPICS.reviews);
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(reviewsTopic)) problems.push(`reviews topic (CALLGUARD_TOPIC_REVIEWS): ${JSON.stringify(reviewsTopic)} is not a valid Kafka topic name`);
  problems.push(...renamedTopicVariableProblems(env, ['CALLGUARD_REVIEWS_TOPIC']));
  const ttlHours = positive('CALLGUARD_CONSOLE_SESSION_HOURS', env.CALLGUARD_CONSOLE_SESSION_HOURS || String(INVESTIGATOR_DEFAULTS.sessionTtlHours));
  const protectDays = positive('CALLGUARD_CONSOLE_PROTECT_DAYS', env.CALLGUARD_CONSOLE_PROTECT_DAYS || String(INVESTIGATOR_DEFAULTS.protectTtlDays));
  const stopSeconds = positive('CALLGUARD_CONSOLE_STOP_SECONDS', env.CALLGUARD_CONSOLE_STOP_SECONDS || String(INVESTIGATOR_DEFAULTS.stopSeconds));
  const logLevel = env.CALLGUARD_LOG_LEVEL || INVESTIGATOR_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`CALLGUARD_LOG_LEVEL: ${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}`);
  const trustedProxies = (env.CALLGUARD_CONSOLE_TRUSTED_PROXIES ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  for (const bad of trustedProxies.filter((x) => !isAddressOrRange(x))) {
    problems.push(`CALLGUARD_CONSOLE_TRUSTED_PROXIES: ${JSON.stringify(bad)} is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    allowedHosts: allowed.hosts,
    user,
    password,
    sessionSecret: secretText ? Buffer.from(secretText, 'utf8') : randomBytes(32),
    sessionSecretGenerated: !secretText,
    sessionTtlMs: ttlHours * 3_600_000,
    secureCookie,
    clickhouseUrl: clickHouseUrlFromEnv(env),
    database,
    redisUrl: env.CALLGUARD_REDIS_URL || INVESTIGATOR_DEFAULTS.redisUrl,
    keyPrefix,
    brokers: kafkaBrokersFromEnv(env),
    registryUrl: schemaRegistryUrlFromEnv(env),
    reviewsTopic,
    protectTtlMs: protectDays * 86_400_000,
    logLevel,
    stopTimeoutMs: Math.round(stopSeconds * 1_000),
    trustedProxies,
  };
}

/** An IPv4 (dotted four-part) or IPv6 address, or a CIDR range of one. */
function isAddressOrRange(s: string): boolean {
  const addr = s.split('/')[0];
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr) && !ipaddr.IPv6.isValid(addr)) return false;
  return !s.includes('/') || ipaddr.isValidCIDR(s);
}
