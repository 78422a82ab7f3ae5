/** A long-running `callguard` command as a child process: its stderr, signals sent to it, its exit. And a silent server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { waitFor } from './wait.ts';

const CLI = resolve(import.meta.dirname, '../../../bin/callguard.mjs');

/** A running `node bin/callguard.mjs …`. */
export interface CommandProcess {
  child: ChildProcess;
  /** stderr so far (the services log JSON there). */
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects after `timeoutMs`, or if the process ends first). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when ended by a signal) and how long after `since` it came, or 'hung' after `limitMs` (the process is then killed with SIGKILL). */
  exit(limitMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number } | 'hung'>;
}

/** Starts `callguard <args>` with `env` on top of this process's environment. */
export function startCommand(args: string[], env: NodeJS.ProcessEnv): CommandProcess {
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let ended: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done((ended = { code, signal, at: Date.now() }))),
  );
  return {
    child,
    stderr: () => stderr,
    async waitForStderr(pattern, timeoutMs = 60_000) {
      await waitFor(
        () => {
          if (pattern.test(stderr)) return true;
          if (ended) throw new Error(`exited (${ended.code ?? ended.signal}) before stderr matched ${pattern}:\n${stderr.slice(-3000)}`);
          return false;
        },
        { timeoutMs, intervalMs: 50, what: `stderr to match ${pattern}` },
      );
    },
    async exit(limitMs) {
      const since = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([exited, new Promise<'hung'>((done) => (timer = setTimeout(() => done('hung'), limitMs)))]);
      clearTimeout(timer);
      if (r === 'hung') {
        child.kill('SIGKILL');
        await exited;
        return 'hung';
      }
      return { code: r.code, signal: r.signal, ms: r.at - since };
    },
  };
}

/** A TCP server on loopback that accepts connections and never answers: a dependency that hangs. */
export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
