/**
 * `callguard enforce` and `callguard investigate` that cannot start (their
 * HTTP port is taken) say so and exit 1, instead of hanging on the clients
 * they had already opened — and, for the enforcer, instead of consuming
 * flags in the background of a process that reported it could not start.
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

/** Runs the CLI; kills it after LIMIT_MS. Resolves with its exit code (null when killed) and stderr. */
function callguard(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, CALLGUARD_LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr, ms: Date.now() - started });
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
});
