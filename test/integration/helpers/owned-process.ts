/**
 * A server process a test starts, stops and starts again itself (a private
 * broker or database on free loopback ports), so that stopping it never
 * disturbs the stack's shared one. Its output goes to a log file; start
 * resolves once `ready` says it answers, and fails at once, naming the log,
 * if the process exits first (a port taken meanwhile, a config refused).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';

export interface OwnedProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Where its stdout and stderr go (appended). */
  logFile: string;
  /** Whether it answers yet (called every `intervalMs`). */
  ready: () => Promise<boolean>;
  /** Named in errors, e.g. `the private Kafka broker on 127.0.0.1:40123`. */
  what: string;
  timeoutMs: number;
  intervalMs: number;
  /** Where to look when it fails (default: the log file); may read the log's tail. */
  detail?: () => string;
}

export interface OwnedProcess {
  /** True while its process runs. */
  readonly running: boolean;
  /** Starts it (no-op while running); resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 30 s; or SIGKILL at once) and waits for the process to exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Sends `signal` to its process while it runs (SIGSTOP freezes it: its sockets stay open, nothing answers; SIGCONT resumes it). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

export function ownedProcess(o: OwnedProcessOptions): OwnedProcess {
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const detail = o.detail ?? (() => `see ${o.logFile}`);

  const start = async (): Promise<void> => {
    if (proc) return;
    const log = createWriteStream(o.logFile, { flags: 'a' });
    const p = spawn(o.command, o.args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.pipe(log);
    p.stderr.pipe(log);
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
    const deadline = Date.now() + o.timeoutMs;
    let last: string;
    for (;;) {
      if (proc !== p) throw new Error(`${o.what} exited during start-up; ${detail()}`);
      try {
        if (await o.ready()) return;
        last = 'not answering';
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) throw new Error(`${o.what} did not answer within ${o.timeoutMs / 1000} s (${last}); ${detail()}`);
      await new Promise((r) => setTimeout(r, o.intervalMs));
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

  const signal = (sig: 'SIGSTOP' | 'SIGCONT'): void => {
    if (!proc) throw new Error(`${o.what} is not running`);
    proc.kill(sig);
  };

  return {
    get running() {
      return proc !== null;
    },
    start,
    stop,
    signal,
  };
}

/** A private server as a test holds it: its process and its folder (config, data, logs). */
export interface PrivateServer extends OwnedProcess {
  /** Its folder. */
  readonly dir: string;
  /** Stops it if running and deletes its folder. */
  destroy(): Promise<void>;
}

/**
 * Starts `server`, whose files are in `dir`, and returns its handle; if it
 * does not start, kills it, deletes `dir` and throws (the test fails, it
 * never skips).
 */
export async function startPrivateServer(dir: string, server: OwnedProcess): Promise<PrivateServer> {
  try {
    await server.start();
  } catch (err) {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    get running() {
      return server.running;
    },
    start: (...a: Parameters<typeof server.start>) => server.start(...a),
    stop: (...a: Parameters<typeof server.stop>) => server.stop(...a),
    signal: (...a: Parameters<typeof server.signal>) => server.signal(...a),
    async destroy() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
