/**
 * One `stack up` or `stack down` at a time on this machine, for this user.
 * The services listen on machine-wide ports, so two checkouts (or two
 * terminals, or a test run and a demo) bringing the stack up at once would
 * each start a Kafka on :9092 and one would fail half-way. The second
 * command now waits for the first; then its `up` finds the services
 * answering and reuses them.
 *
 * proper-lockfile holds the lock as a directory (atomic mkdir) whose mtime the
 * holder refreshes; a holder killed with SIGKILL leaves a lock that goes
 * stale after `staleMs` and is taken over.
 */
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { progress, StackError } from './log.ts';

/** The machine-wide lock of this user's stack commands (a directory `<file>.lock` is what is created). */
export function defaultLockFile(): string {
  return join(tmpdir(), `callguard-stack-${userInfo().uid}`);
}

/** Options of {@link withStackLock}. */
export interface StackLockOptions {
  file?: string;
  /** How long to wait for another command's lock before giving up, ms (default 15 min: a cold `up` takes ~2). */
  waitMs?: number;
  /** A lock not refreshed for this long is taken over (its holder died), ms (default 30 s). */
  staleMs?: number;
  /** Told every 10 s while waiting. */
  onWait?: (waitedMs: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` holding the stack lock; waits (bounded) while another command holds it. */
export async function withStackLock<T>(what: string, fn: () => Promise<T>, o: StackLockOptions = {}): Promise<T> {
  const file = o.file ?? defaultLockFile();
  const waitMs = o.waitMs ?? 15 * 60_000;
  const staleMs = o.staleMs ?? 30_000;
  const onWait = o.onWait ?? ((ms) => progress(`waiting for another callguard stack command to finish (${Math.round(ms / 1000)} s; lock ${file}.lock)`));
  const started = Date.now();
  let told = started;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        stale: staleMs,
        retries: 0,
        // Losing the lock (its directory removed, the refresh failing) must not crash a half-done `up`: warn and go on.
        onCompromised: (err) => progress(`the stack lock was lost (${err.message}); another stack command may run at the same time`),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const waited = Date.now() - started;
      if (waited >= waitMs) throw new StackError(`another callguard stack command has held ${file}.lock for ${Math.round(waited / 1000)} s; ${what} gave up waiting`);
      if (Date.now() - told >= 10_000) {
        told = Date.now();
        onWait(waited);
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
