/**
 * How `callguard enforce` stops, run as the real command against the local
 * stack:
 * - a SIGTERM while it is still starting (Kafka unreachable: kafkajs retries
 *   the connection for many seconds) gives the start up: exit 0 within
 *   seconds (before, the signal had no handler yet and killed the process);
 * - a stop that cannot finish (a record in hand whose schema the registry,
 *   accepting connections but never answering, does not send: the consumer
 *   cannot leave its group) ends after CALLGUARD_ENFORCER_STOP_TIMEOUT with
 *   exit 1 and a log line naming what did not close (before, it hung);
 * - a SIGINT after the SIGTERM of such a stop ends the process at once,
 *   exit 130 (before, it was swallowed and the process hung).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { startCommand, startSilentServer, type CommandProcess, type SilentServer } from './helpers/command.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';
import { waitFor } from './helpers/wait.ts';

let admin: Admin;
let producer: Producer;
let registry: SilentServer;
const topics: string[] = [];
const groups: string[] = [];
const started: CommandProcess[] = [];

beforeAll(async () => {
  const kafka = testKafka('callguard-enforcer-stop-test');
  admin = kafka.admin();
  await admin.connect();
  for (const p of ['es-flags', 'es-reviews', 'es-dlq']) topics.push(await createTestTopic(admin, 1, p));
  // One flag in the Confluent wire format (magic byte, schema id 1): decoding it asks the registry for schema 1.
  producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics[0], messages: [{ key: '+8613900000201', value: Buffer.from([0, 0, 0, 0, 1, 2, 0]) }] });
  registry = await startSilentServer();
});

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await registry?.close();
  await producer?.disconnect();
  if (admin) {
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
});

function enforce(env: NodeJS.ProcessEnv): CommandProcess {
  const group = randomTopic('es-group');
  groups.push(group);
  const [flags, reviews, dlq] = topics;
  const p = startCommand(['enforce', '--port', '0', '--flags-topic', flags, '--reviews-topic', reviews, '--dlq-topic', dlq, '--group', group, '--key-prefix', `callguard:test:${group}`], {
    CALLGUARD_LOG_LEVEL: 'info',
    ...env,
  });
  started.push(p);
  return p;
}

/** An enforcer whose consumer holds the flag while the registry never answers for its schema. */
async function stuckEnforcer(stopTimeout: string): Promise<CommandProcess> {
  const before = registry.accepted();
  const p = enforce({ CALLGUARD_SCHEMA_REGISTRY_URL: `http://127.0.0.1:${registry.port}/apis/ccompat/v7`, CALLGUARD_ENFORCER_STOP_TIMEOUT: stopTimeout });
  await p.waitForStderr(/lookup API on/);
  await waitFor(() => registry.accepted() > before, { timeoutMs: 60_000, what: 'the consumer to ask the registry for the flag schema' });
  return p;
}

describe('callguard enforce stops', () => {
  it('at a SIGTERM during start-up (Kafka still retried): exit 0 within seconds', async () => {
    const p = enforce({ CALLGUARD_KAFKA_BROKERS: '127.0.0.1:1' });
    await p.waitForStderr(/ECONNREFUSED 127\.0\.0\.1:1/); // the consumer's connect is being retried
    p.child.kill('SIGTERM');
    const r = await p.exit(30_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r !== 'hung' && r.ms).toBeLessThan(10_000);
    expect(p.stderr()).toMatch(/stopped during start-up/);
    expect(p.stderr()).not.toMatch(/could not start/);
  }, 120_000);

  it('a stop that cannot finish: exit 1 after CALLGUARD_ENFORCER_STOP_TIMEOUT, naming what did not close', async () => {
    const p = await stuckEnforcer('2s');
    p.child.kill('SIGTERM');
    const r = await p.exit(30_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 1, signal: null });
    expect(r !== 'hung' && r.ms).toBeGreaterThanOrEqual(1_900);
    expect(p.stderr()).toMatch(/stop deadline \(2000 ms\) passed: consumer \(leave the group, commit\), lookup API, label replica, Redis did not close/);
  }, 120_000);

  it('a SIGINT after the SIGTERM: exit 130 at once', async () => {
    const p = await stuckEnforcer('5m');
    p.child.kill('SIGTERM');
    await p.waitForStderr(/shutting down/, 10_000);
    p.child.kill('SIGINT');
    const r = await p.exit(20_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 130, signal: null });
    expect(r !== 'hung' && r.ms).toBeLessThan(5_000);
    expect(p.stderr()).toMatch(/SIGINT after SIGTERM: exiting at once/);
  }, 120_000);
});
