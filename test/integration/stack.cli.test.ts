/**
 * The `callguard stack` command against the running stack: `status` sees
 * all four services answering, `up` is a no-op when they already answer,
 * and a port held by something that is not the expected service is
 * reported at once instead of waited on.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../bin/callguard.mjs');

async function callguard(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { env: { ...process.env, ...env }, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let squatter: Server | undefined;
const tempDirs: string[] = [];
const tempStateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cg-stack-'));
  tempDirs.push(d);
  return d;
};
afterAll(() => {
  squatter?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('callguard stack', () => {
  it('status reports all four services answering', async () => {
    const { code, stdout } = await callguard(['stack', 'status', '--json']);
    const lines = JSON.parse(stdout) as Array<{ name: string; answering: boolean; detail: string }>;
    expect(lines.map((l) => [l.name, l.answering])).toEqual([
      ['redis', true],
      ['clickhouse', true],
      ['kafka', true],
      ['registry', true],
    ]);
    expect(lines.find((l) => l.name === 'kafka')?.detail).toMatch(/round trip/);
    expect(code).toBe(0);
  });

  it('up is a no-op that starts nothing when everything answers, from a checkout that did not start it', async () => {
    const stateDir = tempStateDir();
    const { code, stdout } = await callguard(['stack', 'up', '--json'], { CALLGUARD_STACK_DIR: stateDir });
    expect(code).toBe(0);
    const lines = JSON.parse(stdout) as Array<{ name: string; state: string }>;
    expect(lines.map((l) => l.state)).toEqual(['reused', 'reused', 'reused', 'reused']);
    expect(existsSync(join(stateDir, 'run', 'redis.pid'))).toBe(false);
  });

  it('init creates and registers the topics under the names CALLGUARD_TOPIC_* give, as the services read them', async () => {
    const suffix = `${process.pid}.${Date.now()}`;
    const env = { CALLGUARD_TOPIC_CALLS: `renamed.calls.${suffix}`, CALLGUARD_TOPIC_FLAGS: `renamed.flags.${suffix}` };
    const { code, stdout, stderr } = await callguard(['stack', 'init', '--json'], env);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`created topics ${env.CALLGUARD_TOPIC_CALLS}, ${env.CALLGUARD_TOPIC_FLAGS}`);
    const boot = JSON.parse(stdout) as { topics: string[]; topicsCreated: string[]; subjects: Record<string, number> };
    expect(boot.topicsCreated.sort()).toEqual([env.CALLGUARD_TOPIC_CALLS, env.CALLGUARD_TOPIC_FLAGS].sort());
    expect(boot.topics).toContain('callguard.complaints.v1');
    expect(Object.keys(boot.subjects)).toEqual(expect.arrayContaining([`${env.CALLGUARD_TOPIC_CALLS}-value`, `${env.CALLGUARD_TOPIC_FLAGS}-value`]));
  });

  it('fails fast and names the holder when a port is taken by something else', async () => {
    squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter!.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as { port: number }).port;
    const stateDir = tempStateDir();
    const started = Date.now();
    const { code, stderr } = await callguard(['stack', 'up', 'redis'], { CALLGUARD_STACK_DIR: stateDir, CALLGUARD_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port}`);
    expect(stderr).toMatch(/held by node \(pid \d+\)/);
    expect(stderr).toContain('does not answer as redis');
    expect(stderr).toContain('CALLGUARD_REDIS_URL');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(existsSync(join(stateDir, 'run', 'redis.pid'))).toBe(false);
  });
});
