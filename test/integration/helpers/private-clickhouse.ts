/**
 * A private, throw-away ClickHouse server for tests that stop and restart
 * ClickHouse: the binary the stack runs (Debian's 18.16 `clickhouse-server`,
 * or `clickhouse server` of a newer release), configured by the stack's own
 * code (services/stack/clickhouse.ts: loopback only, UTC, `default` user
 * without password) but on free loopback ports and a temporary folder, so
 * the shared ClickHouse of the stack — which may belong to another checkout
 * or another user's run — is never stopped. Stopping and starting keeps the
 * ports and the data (a real server restart). Like private-kafka.ts, its
 * process is a child of the test process (it carries CALLGUARD_TEST_RUN, so
 * test/run.sh stops it if a test leaves it behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickhouseServerLaunch } from '../../../services/stack/clickhouse.ts';
import { clickhouseProbe } from '../../../services/stack/probes.ts';
import { tailFile } from '../../../services/stack/process.ts';

/** A ClickHouse server this test process started and owns. */
export interface PrivateClickHouse {
  /** HTTP endpoint (`http://127.0.0.1:<port>`), for CALLGUARD_CLICKHOUSE_URL. */
  readonly url: string;
  /** Its folder: config, data (`data/`) and logs. */
  readonly dir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Starts it again on the same ports and data; resolves once it answers `SELECT 1`. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 30 s) and waits for the process to exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it if running and deletes its folder. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts a private ClickHouse server; fails (never skips) when it does not answer within 60 s. */
export async function startPrivateClickHouse(): Promise<PrivateClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-private-clickhouse-'));
  const httpPort = await freePort();
  let nativePort = await freePort();
  while (nativePort === httpPort) nativePort = await freePort();
  const spec = clickhouseServerLaunch({ dir, logDir: dir, httpPort, nativePort });
  const url = `http://127.0.0.1:${httpPort}`;
  const logs = `${spec.logFile}, ${join(dir, 'clickhouse-server.err.log')}`;
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (proc) return;
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    const p = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.pipe(log);
    p.stderr!.pipe(log);
    proc = p;
    exited = new Promise<void>((r) =>
      p.once('exit', () => {
        if (proc === p) proc = null;
        r();
      }),
    );
    p.once('error', () => {
      if (proc === p) proc = null;
    });
    const deadline = Date.now() + 60_000;
    let last = 'not checked yet';
    for (;;) {
      // Exited (a port taken meanwhile, a config the binary refuses): said at once, not after the minute.
      if (proc !== p) throw new Error(`the private ClickHouse (${spec.command}) exited during start-up; see ${logs}:\n${tailFile(join(dir, 'clickhouse-server.err.log'))}`);
      const probe = await clickhouseProbe(url, 2_000);
      if (probe.ok) return;
      last = probe.detail;
      if (Date.now() >= deadline) throw new Error(`the private ClickHouse on ${url} did not answer within 60 s (${last}); see ${logs}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const p = proc;
    if (!p) return;
    const done = exited;
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(t);
  };

  try {
    await start();
  } catch (err) {
    await stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    dir,
    get running() {
      return proc !== null;
    },
    start,
    stop,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
