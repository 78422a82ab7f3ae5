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
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickhouseServerLaunch } from '../../../services/stack/clickhouse.ts';
import { clickhouseProbe } from '../../../services/stack/probes.ts';
import { freePort } from '../../../services/stack/ports.ts';
import { tailFile } from '../../../services/stack/process.ts';
import { ownedProcess, startPrivateServer, type PrivateServer } from './owned-process.ts';

/** A ClickHouse server this test process started and owns. */
export interface PrivateClickHouse extends PrivateServer {
  /** HTTP endpoint (`http://127.0.0.1:<port>`), for CALLGUARD_CLICKHOUSE_URL. */
  readonly url: string;
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
  const server = ownedProcess({
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    logFile: spec.logFile,
    ready: async () => (await clickhouseProbe(url, 2_000)).ok,
    what: `the private ClickHouse on ${url} (${spec.command})`,
    timeoutMs: 60_000,
    intervalMs: 200,
    // Its bind and config errors go to clickhouse-server.err.log.
    detail: () => `see ${logs}:\n${tailFile(join(dir, 'clickhouse-server.err.log'))}`,
  });
  return Object.assign(await startPrivateServer(dir, server), { url });
}
