/**
 * A private, throw-away Redis for tests that stop Redis or freeze it: the
 * redis-server the stack runs (Debian's package, on PATH, as
 * services/stack/redis.ts starts it) on a free loopback port with a
 * temporary folder and nothing saved, so the stack's shared Redis is never
 * disturbed. Its process is a child of the test process (it carries
 * CALLGUARD_TEST_RUN, so test/run.sh stops it if a test leaves it behind).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisProbe } from '../../../services/stack/probes.ts';
import { freePort } from '../../../services/stack/ports.ts';
import { ownedProcess, startPrivateServer, type PrivateServer } from './owned-process.ts';

/** A redis-server this test process started and owns. */
export interface PrivateRedis extends PrivateServer {
  /** `redis://127.0.0.1:<port>`, for CALLGUARD_REDIS_URL. */
  readonly url: string;
}

/** Starts a private redis-server; fails (never skips) when it does not answer within 20 s. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-private-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const logFile = join(dir, 'redis.log');
  const server = ownedProcess({
    command: 'redis-server',
    args: ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--daemonize', 'no', '--save', '', '--appendonly', 'no', '--logfile', ''],
    cwd: dir,
    logFile,
    ready: async () => (await redisProbe(url, 2_000)).ok,
    what: `the private Redis on ${url} (redis-server)`,
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  return Object.assign(await startPrivateServer(dir, server), { url });
}
