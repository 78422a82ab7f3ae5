/**
 * `callguard enforce`, `callguard investigate` and `callguard detect` that
 * cannot start (their HTTP port is taken) say so and exit 1, instead of
 * hanging on the clients they had already opened — and, for the enforcer,
 * instead of consuming flags in the background of a process that reported
 * it could not start. A detector stopped (SIGTERM) while it still waits for
 * a dependency at start exits 0 at once instead of retrying on until its
 * start-up deadline and then exiting 1.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';

const CLI = resolve(import.meta.dirname, '../../bin/callguard.mjs');
const LIMIT_MS = 40_000;

/**
 * Runs the CLI; kills it after LIMIT_MS. With `termOn`, sends SIGTERM as soon as stdout matches it. Resolves with its
 * exit code (null when killed), its output and how long after the SIGTERM it exited (undefined when none was sent).
 */
function callguard(args: string[], env: NodeJS.ProcessEnv, opts: { termOn?: RegExp } = {}): Promise<{ code: number | null; stderr: string; stdout: string; msAfterTerm?: number }> {
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, CALLGUARD_LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let termAt: number | undefined;
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (opts.termOn && termAt === undefined && opts.termOn.test(stdout)) {
      termAt = Date.now();
      child.kill('SIGTERM');
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout, msAfterTerm: termAt === undefined ? undefined : Date.now() - termAt });
    }),
  );
}

let squatter: Server;
let port: number;
let admin: Admin;
const topics: string[] = [];
const group = randomTopic('startfail');

beforeAll(async () => {
  squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
  port = (squatter.address() as { port: number }).port;
  admin = testKafka('callguard-startup-failure-test').admin();
  await admin.connect();
  for (const p of ['sf-flags', 'sf-reviews', 'sf-dlq']) topics.push(await createTestTopic(admin, 1, p));
});

afterAll(async () => {
  squatter?.close();
  if (admin) {
    await deleteTestTopics(admin, topics);
    await admin.deleteGroups([group]).catch(() => {});
    await admin.disconnect();
  }
});

describe('a service that cannot start exits', () => {
  it('callguard enforce with its port taken: exit 1, nothing left running', async () => {
    const [flags, reviews, dlq] = topics;
    const r = await callguard(['enforce', '--port', String(port), '--flags-topic', flags, '--reviews-topic', reviews, '--dlq-topic', dlq, '--group', group, '--key-prefix', `callguard:test:${group}`], {});
    expect(r.stderr).toMatch(/could not start/);
    expect(r.code, `still running after ${LIMIT_MS} ms`).toBe(1);
  });

  it('callguard investigate with its port taken: exit 1', async () => {
    const r = await callguard(['investigate', '--port', String(port), '--reviews-topic', topics[1], '--key-prefix', `callguard:test:${group}`], {
      CALLGUARD_CONSOLE_USER: 'inv',
      CALLGUARD_CONSOLE_PASSWORD: 'a long passphrase',
    });
    expect(r.stderr).toMatch(/could not start/);
    expect(r.code, `still running after ${LIMIT_MS} ms`).toBe(1);
  });

  /** A detector of its own: random group, Redis prefix and topic names (it stops before it reads any topic). */
  const detectorEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const id = randomTopic('sfdet');
    return {
      CALLGUARD_LOG_LEVEL: 'info',
      CALLGUARD_DETECTOR_GROUP: id,
      CALLGUARD_REDIS_PREFIX: `callguard:test:${id}`,
      CALLGUARD_TOPIC_CALLS: `${id}.calls`,
      CALLGUARD_TOPIC_COMPLAINTS: `${id}.complaints`,
      CALLGUARD_TOPIC_CONSENTS: `${id}.consents`,
      CALLGUARD_TOPIC_FLAGS: `${id}.flags`,
      CALLGUARD_TOPIC_DLQ: `${id}.dlq`,
      ...extra,
    };
  };

  it('callguard detect with its ops port taken: exit 1, not left running on its Redis client', async () => {
    const r = await callguard(['detect'], detectorEnv({ CALLGUARD_DETECTOR_PORT: String(port) }));
    expect(r.stdout).toMatch(/detector failed to start/);
    expect(r.stdout).toMatch(/EADDRINUSE/);
    expect(r.code, `still running after ${LIMIT_MS} ms`).toBe(1);
  }, 60_000);

  it('callguard detect stopped while it waits for ClickHouse at start: exit 0 within seconds', async () => {
    // Nothing listens on port 1: the migration is retried until the start-up deadline (60 s) unless stopped. The
    // SIGTERM goes once the detector has logged a failed attempt, i.e. while it really waits for ClickHouse (a signal
    // at a fixed time after the spawn could land while the CLI is still loading, or registering its schema).
    const r = await callguard(['detect'], detectorEnv({ CALLGUARD_DETECTOR_PORT: '0', CALLGUARD_CLICKHOUSE_URL: 'http://127.0.0.1:1' }), { termOn: /migrate ClickHouse database/ });
    expect(r.msAfterTerm, `no migration attempt logged within ${LIMIT_MS} ms:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`).toBeDefined();
    expect(r.code, `exit code ${r.code} ${r.msAfterTerm} ms after the SIGTERM`).toBe(0);
    expect(r.msAfterTerm).toBeLessThan(15_000); // at once, not at the 60 s start-up deadline
    expect(r.stdout).toMatch(/stopped during start-up/);
  }, 60_000);
});
