/**
 * Readiness probes: each answers whether a service really works, not just
 * whether its port is open. Kafka: a produce/consume round trip through a
 * throw-away topic and consumer group; registry: a Confluent-API call;
 * Redis: PING; ClickHouse: SELECT 1. Probes never throw.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createKafka, LogLevel } from '../../shared/kafka/index.ts';
import { createClickHouse } from '../../shared/clickhouse/index.ts';

/** A probe's verdict. */
export interface ProbeResult {
  ok: boolean;
  /** Version or error, for the status line. */
  detail: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const fail = (err: unknown): ProbeResult => ({ ok: false, detail: (err as Error)?.message ?? String(err) });

/** Cheap Kafka check: the broker answers a cluster description. */
export async function kafkaMetadata(brokers: string[], timeoutMs = 5_000): Promise<ProbeResult> {
  const admin = createKafka({ clientId: 'callguard-stack-probe', brokers, logLevel: LogLevel.NOTHING, config: { retry: { retries: 0 } } }).admin();
  try {
    const info = await withTimeout(
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeoutMs,
      'Kafka metadata',
    );
    return { ok: true, detail: `cluster ${info.clusterId}, ${info.brokers.length} broker(s)` };
  } catch (err) {
    return fail(err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Produces one message to a fresh topic and consumes it back in a fresh group; cleans both up. */
export async function kafkaRoundTrip(brokers: string[], timeoutMs = 30_000): Promise<ProbeResult> {
  const kafka = createKafka({ clientId: 'callguard-stack-probe', brokers, logLevel: LogLevel.NOTHING, config: { retry: { retries: 2 } } });
  const id = randomUUID().slice(0, 8);
  const topic = `__callguard_probe_${id}`;
  const groupId = `callguard-probe-${id}`;
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 });
  const started = Date.now();
  try {
    await withTimeout(
      (async () => {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
        await producer.connect();
        const value = `probe-${id}`;
        await producer.send({ topic, messages: [{ key: id, value }] });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                if (message.value?.toString() === value) resolve();
              },
            })
            .catch(reject);
        });
      })(),
      timeoutMs,
      'Kafka produce/consume round trip',
    );
    return { ok: true, detail: `produce/consume round trip in ${Date.now() - started} ms` };
  } catch (err) {
    return fail(err);
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic], timeout: 5_000 }).catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/** GET <url>/subjects must answer a JSON array. */
export async function registryProbe(url: string, timeoutMs = 5_000): Promise<ProbeResult> {
  try {
    const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ok: false, detail: `GET /subjects answered HTTP ${res.status}` };
    const body: unknown = await res.json();
    if (!Array.isArray(body)) return { ok: false, detail: 'GET /subjects did not answer a JSON array (not a schema registry?)' };
    return { ok: true, detail: `${body.length} subject(s)` };
  } catch (err) {
    return fail(err);
  }
}

/** PING must answer PONG. */
export async function redisProbe(url: string, timeoutMs = 3_000): Promise<ProbeResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await withTimeout(redis.connect(), timeoutMs, 'Redis connect');
    const pong = await withTimeout(redis.ping(), timeoutMs, 'Redis PING');
    if (pong !== 'PONG') return { ok: false, detail: `PING answered ${String(pong)}` };
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { ok: true, detail: `PONG, redis ${version}` };
  } catch (err) {
    return fail(lastError ?? err);
  } finally {
    redis.disconnect();
  }
}

/** SELECT 1 must answer 1. */
export async function clickhouseProbe(url: string, timeoutMs = 5_000): Promise<ProbeResult> {
  const ch = createClickHouse({ url, requestTimeoutMs: timeoutMs });
  try {
    const rows = await ch.query<{ ok: number; v: string }>('SELECT 1 AS ok, version() AS v');
    if (rows[0]?.ok !== 1) return { ok: false, detail: `SELECT 1 answered ${JSON.stringify(rows)}` };
    return { ok: true, detail: `SELECT 1 ok, clickhouse ${rows[0].v}` };
  } catch (err) {
    return fail(err);
  } finally {
    await ch.close().catch(() => {});
  }
}
