/**
 * The local stack's configuration: where each service listens (from the
 * CALLGUARD_* endpoint variables, with the documented defaults), which
 * versions are provisioned, and where state lives.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaBrokersFromEnv, schemaRegistryUrlFromEnv } from '../../shared/kafka/index.ts';
import { clickHouseUrlFromEnv } from '../../shared/clickhouse/index.ts';
import { MAVEN_CENTRAL } from './maven-direct.ts';

/** Versions provisioned from Maven Central. */
export const VERSIONS = {
  kafka: '4.1.1',
  log4j: '2.24.3',
  /** Apicurio for Java 21+ (3.3.x is compiled for 21). */
  apicurio: '3.3.3',
  /** Apicurio when only Java 17 is found: the 3.0.x line is compiled for 17. */
  apicurioJava17: '3.0.9',
} as const;

/** A host:port endpoint, and whether the stack runs it here (loopback) or only checks it. */
export interface Endpoint {
  host: string;
  port: number;
  /** True when the host is loopback: `stack up` starts the service itself. */
  local: boolean;
}

/** Everything `stack up|down|status` needs to know. */
export interface StackConfig {
  /** The repository root (the folder holding package.json). */
  root: string;
  /** State folder, `CALLGUARD_STACK_DIR` or `<root>/.stack`. */
  stateDir: string;
  /** Downloaded archives and Maven outputs. */
  cacheDir: string;
  /** Maven local repository override (`CALLGUARD_MAVEN_REPO`), default ~/.m2/repository. */
  mavenRepo: string | undefined;
  /** The remote Maven repository for direct downloads (`CALLGUARD_MAVEN_REMOTE`), default Maven Central. */
  mavenRemote: string;
  kafka: Endpoint & { brokers: string[]; controllerPort: number };
  registry: Endpoint & { url: string; managementPort: number };
  redis: Endpoint & { url: string };
  clickhouse: Endpoint & { url: string; nativePort: number };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function endpointOf(hostPort: string, defaultPort: number): Endpoint {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort.trim());
  if (!m) throw new Error(`cannot parse host:port from ${JSON.stringify(hostPort)}`);
  const host = m[1];
  return { host, port: m[2] ? Number(m[2]) : defaultPort, local: LOOPBACK.has(host) };
}

function urlEndpoint(url: string, name: string, defaultPort: number): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${name} is not a URL: ${JSON.stringify(url)}`);
  }
  return endpointOf(u.host || `127.0.0.1:${defaultPort}`, defaultPort);
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

/** Repository root: two levels above this file. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Reads the stack configuration from the environment. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stateDir = resolve(env.CALLGUARD_STACK_DIR || resolve(REPO_ROOT, '.stack'));
  const brokers = kafkaBrokersFromEnv(env);
  const kafka = endpointOf(brokers[0] ?? '127.0.0.1:9092', 9092);
  const registryUrl = schemaRegistryUrlFromEnv(env);
  const redisUrl = env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379';
  const clickhouseUrl = clickHouseUrlFromEnv(env);
  return {
    root: REPO_ROOT,
    stateDir,
    cacheDir: resolve(stateDir, 'cache'),
    mavenRepo: env.CALLGUARD_MAVEN_REPO || undefined,
    mavenRemote: env.CALLGUARD_MAVEN_REMOTE || MAVEN_CENTRAL,
    kafka: { ...kafka, brokers, controllerPort: intEnv(env, 'CALLGUARD_KAFKA_CONTROLLER_PORT', kafka.port + 1) },
    registry: {
      ...urlEndpoint(registryUrl, 'CALLGUARD_SCHEMA_REGISTRY_URL', 8081),
      url: registryUrl,
      managementPort: intEnv(env, 'CALLGUARD_REGISTRY_MANAGEMENT_PORT', 8091),
    },
    redis: { ...urlEndpoint(redisUrl, 'CALLGUARD_REDIS_URL', 6379), url: redisUrl },
    clickhouse: {
      ...urlEndpoint(clickhouseUrl, 'CALLGUARD_CLICKHOUSE_URL', 8123),
      url: clickhouseUrl,
      nativePort: intEnv(env, 'CALLGUARD_CLICKHOUSE_NATIVE_PORT', 9000),
    },
  };
}
