import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadStackConfig } from './config.ts';
import { freePort, portListenerPids } from './ports.ts';
import { isRunning, spawnDetached, type PidRecord } from './process.ts';
import type { ProbeResult } from './probes.ts';
import type { StackService } from './service.ts';
import { assertPortsStillFree, START_GRACE_MS, waitReady } from './up.ts';

// The listeners as `ss` names them, unless a test says ss cannot tell (not root, another user's socket).
vi.mock('./ports.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('./ports.ts')>();
  return { ...real, portListenerPids: vi.fn(real.portListenerPids) };
});

const dir = mkdtempSync(join(tmpdir(), 'cg-up-'));
const cfg = loadStackConfig({ CALLGUARD_STACK_DIR: dir });
const holders: ChildProcess[] = [];
const started: PidRecord[] = [];

afterAll(() => {
  for (const h of holders) h.kill('SIGKILL');
  for (const r of started) {
    try {
      if (isRunning(r)) process.kill(r.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.mocked(portListenerPids).mockRestore();
});

/** A server answering `PONG` on 127.0.0.1:port, bound before the process prints `ready`. */
const pongServer = (port: number) =>
  `require('net').createServer((s) => s.end('PONG\\n')).listen(${port}, '127.0.0.1', () => console.log('ready'))` +
  `.on('error', (e) => { console.error('Could not create server TCP listening socket 127.0.0.1:${port}: ' + e.message); process.exit(1); });`;

/** Another process (the distribution's server, in the report) holding `port` and answering there. */
async function holdPort(port: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', pongServer(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    p.once('exit', (code) => reject(new Error(`the port holder exited (${code})`)));
  });
  return p;
}

/** Probe: a TCP connection to the port gets `PONG`, from whichever process holds it. */
function pongProbe(port: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got.startsWith('PONG') ? { ok: true, detail: 'PONG' } : { ok: false, detail: `answered ${JSON.stringify(got)}` }));
    s.on('error', (e) => resolve({ ok: false, detail: e.message }));
  });
}

function fakeService(port: number): StackService {
  return {
    name: 'redis',
    endpoint: `redis://127.0.0.1:${port}`,
    envVar: 'CALLGUARD_REDIS_URL',
    local: true,
    ports: [port],
    startTimeoutSec: 20,
    provision: async () => {},
    launch: async () => {
      throw new Error('not used');
    },
    probe: () => pongProbe(port),
  };
}

/**
 * Starts the fake service's own process as `stack up` does (detached, pid file, log under .stack/logs): a
 * server binding `port` after `bindAfterMs` (ClickHouse 18.16 takes about a second before it binds).
 */
function startFake(port: number, bindAfterMs = 0): PidRecord {
  const rec = spawnDetached(
    { command: process.execPath, args: ['-e', `setTimeout(() => { ${pongServer(port)} }, ${bindAfterMs})`], cwd: dir, logFile: join(dir, 'logs', 'redis.log') },
    join(dir, 'run', 'redis.pid'),
  );
  started.push(rec);
  return rec;
}

describe('waitReady: the answer must come from the process that was started', () => {
  it('fails, naming the port conflict and the log, when the started process dies because another server holds its port and answers', async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const svc = fakeService(port);
    expect((await svc.probe()).ok).toBe(true); // the other server answers as the service would
    const rec = startFake(port); // binds the same port: EADDRINUSE, exits 1
    const err = await waitReady(cfg, svc, rec).then(
      (r) => new Error(`resolved: ${JSON.stringify(r)}, started process alive: ${isRunning(rec)}`),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(new RegExp(`^redis \\(pid ${rec.pid}\\) exited during start-up\\. Another server holds its port ${port} \\(held by node \\(pid ${holder.pid}\\)\\)`));
    expect(err.message).toContain('answered in its place (PONG)');
    expect(err.message).toContain('CALLGUARD_REDIS_URL');
    expect(err.message).toContain(`Could not create server TCP listening socket 127.0.0.1:${port}: listen EADDRINUSE`); // the log's tail
    expect(isRunning(rec)).toBe(false);
  });

  it('fails as well when the started process is slow to bind and still alive once the grace is over: the port answers from another pid', async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const rec = startFake(port, 1_500);
    const err = await waitReady(cfg, fakeService(port), rec).then(
      (r) => new Error(`resolved: ${JSON.stringify(r)}, started process alive: ${isRunning(rec)}`),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(new RegExp(`^redis \\(pid ${rec.pid}\\) exited during start-up\\. Another server holds its port ${port} \\(held by node \\(pid ${holder.pid}\\)\\) on 127\\.0\\.0\\.1 and answered in its place \\(PONG\\)`));
    expect(err.message).toContain('listen EADDRINUSE'); // waited for it to exit, for its log
  });

  it('without ss naming the listeners, a process that dies within the grace after the port answered is not taken for the service', async () => {
    vi.mocked(portListenerPids).mockReturnValue(undefined);
    const port = await freePort();
    await holdPort(port);
    // Alive when the other server answers the first probe, gone 200 ms later.
    const rec = spawnDetached(
      { command: 'sh', args: ['-c', `sleep 0.2; echo "bind 127.0.0.1:${port}: Address already in use"; exit 1`], cwd: dir, logFile: join(dir, 'logs', 'redis.log') },
      join(dir, 'run', 'redis.pid'),
    );
    started.push(rec);
    await expect(waitReady(cfg, fakeService(port), rec)).rejects.toThrow(
      new RegExp(`^redis \\(pid ${rec.pid}\\) exited during start-up\\. Another server holds its port ${port} .*answered in its place \\(PONG\\)[^]*Address already in use`),
    );
    expect(vi.mocked(portListenerPids)).toHaveBeenCalledWith(port);
  });

  it('accepts a started process that answers itself and is still alive after the grace', async () => {
    const port = await freePort();
    const rec = startFake(port);
    const t0 = Date.now();
    expect(await waitReady(cfg, fakeService(port), rec)).toEqual({ ok: true, detail: 'PONG' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(START_GRACE_MS - 5);
    expect(isRunning(rec)).toBe(true);
    process.kill(rec.pid, 'SIGKILL');
  });

  it('accepts a server whose listening socket belongs to a child of the started process (a watchdog that forks the server)', async () => {
    const port = await freePort();
    const script = join(dir, `serve-${port}.js`);
    writeFileSync(script, pongServer(port));
    // `; exit $?` keeps sh from exec-ing node: node is sh's child, and holds the socket.
    const rec = spawnDetached(
      { command: 'sh', args: ['-c', `"${process.execPath}" "${script}"; exit $?`], cwd: dir, logFile: join(dir, 'logs', 'redis.log') },
      join(dir, 'run', 'redis.pid'),
    );
    started.push(rec);
    expect(await waitReady(cfg, fakeService(port), rec)).toEqual({ ok: true, detail: 'PONG' });
    const listeners = portListenerPids(port)!;
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).not.toBe(rec.pid); // the child, not the process started
    process.kill(listeners[0], 'SIGKILL');
  });
});

describe('ports checked again after provisioning', () => {
  it('fails when a port free before provisioning is now held (a package that started its own server)', async () => {
    const port = await freePort();
    await expect(assertPortsStillFree(fakeService(port))).resolves.toBeUndefined();
    const holder = await holdPort(port);
    await expect(assertPortsStillFree(fakeService(port))).rejects.toThrow(
      new RegExp(`^cannot start redis: port ${port} \\(held by node \\(pid ${holder.pid}\\)\\) on 127\\.0\\.0\\.1 was free before redis was provisioned and is not any more`),
    );
  });
});
