/**
 * How `callguard investigate` stops, run as the real command against the
 * local stack:
 * - a SIGTERM while it is still starting (Kafka unreachable: kafkajs retries
 *   the producer's connection for many seconds) gives the start up: exit 0
 *   within seconds (before, the signal had no handler yet and killed it);
 * - a stop that cannot finish (a /healthz request in flight on a ClickHouse
 *   that accepts connections and never answers: the server waits for it)
 *   ends after CALLGUARD_CONSOLE_STOP_SECONDS with exit 1 and a log line
 *   naming what did not close (before, it was still waiting 45 s later);
 * - a SIGINT after the SIGTERM of such a stop ends the process at once,
 *   exit 130 (before, it was swallowed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { startCommand, startSilentServer, type CommandProcess, type SilentServer } from './helpers/command.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';
import { waitFor } from './helpers/wait.ts';

let clickhouse: SilentServer;
let admin: Admin;
/** The consoles' reviews topic: it must exist, the console never creates it. */
let reviewsTopic: string;
const started: CommandProcess[] = [];

beforeAll(async () => {
  clickhouse = await startSilentServer();
  admin = testKafka('callguard-investigator-stop-test').admin();
  await admin.connect();
  reviewsTopic = await createTestTopic(admin, 1, 'is-reviews');
});

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await clickhouse?.close();
  if (admin) {
    await deleteTestTopics(admin, [reviewsTopic].filter(Boolean));
    await admin.disconnect();
  }
});

function investigate(env: NodeJS.ProcessEnv): CommandProcess {
  const id = randomTopic('is');
  const p = startCommand(['investigate', '--port', '0', '--reviews-topic', reviewsTopic, '--key-prefix', `callguard:test:${id}`], {
    CALLGUARD_LOG_LEVEL: 'info',
    CALLGUARD_CONSOLE_USER: 'inv',
    CALLGUARD_CONSOLE_PASSWORD: 'a long passphrase',
    ...env,
  });
  started.push(p);
  return p;
}

/** A console with a /healthz request waiting for a ClickHouse that never answers. */
async function stuckConsole(stopSeconds: string): Promise<CommandProcess> {
  const p = investigate({ CALLGUARD_CLICKHOUSE_URL: `http://127.0.0.1:${clickhouse.port}`, CALLGUARD_CONSOLE_STOP_SECONDS: stopSeconds });
  await p.waitForStderr(/console on http:\/\/\S+ \(/);
  const url = /console on (http:\/\/\S+) \(/.exec(p.stderr())![1];
  const before = clickhouse.accepted();
  void fetch(`${url}/healthz`).catch(() => {});
  await waitFor(() => clickhouse.accepted() > before, { timeoutMs: 20_000, what: '/healthz to ask ClickHouse' });
  return p;
}

describe('callguard investigate stops', () => {
  it('at a SIGTERM during start-up (Kafka still retried): exit 0 within seconds', async () => {
    const p = investigate({ CALLGUARD_KAFKA_BROKERS: '127.0.0.1:1' });
    await p.waitForStderr(/ECONNREFUSED 127\.0\.0\.1:1/); // the producer's connect is being retried
    p.child.kill('SIGTERM');
    const r = await p.exit(30_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r !== 'hung' && r.ms).toBeLessThan(5_000);
    expect(p.stderr()).toMatch(/stopped during start-up/);
    expect(p.stderr()).not.toMatch(/could not start/);
  }, 120_000);

  it('a stop that cannot finish: exit 1 after CALLGUARD_CONSOLE_STOP_SECONDS, naming what did not close', async () => {
    const p = await stuckConsole('2');
    p.child.kill('SIGTERM');
    const r = await p.exit(45_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 1, signal: null });
    expect(r !== 'hung' && r.ms).toBeLessThan(15_000);
    expect(p.stderr()).toMatch(/stop deadline \(2000 ms\) passed: console server \(requests in flight\), Kafka producer, Redis, ClickHouse client did not close/);
  }, 120_000);

  it('a SIGINT after the SIGTERM: exit 130 at once', async () => {
    const p = await stuckConsole('300');
    p.child.kill('SIGTERM');
    await p.waitForStderr(/shutting down/, 10_000);
    p.child.kill('SIGINT');
    const r = await p.exit(45_000);
    expect(r, p.stderr().slice(-2000)).not.toBe('hung');
    expect(r).toMatchObject({ code: 130, signal: null });
    expect(r !== 'hung' && r.ms).toBeLessThan(5_000);
    expect(p.stderr()).toMatch(/SIGINT after SIGTERM: exiting at once/);
  }, 120_000);
});
