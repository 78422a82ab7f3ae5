/**
 * Detached service processes and their pid files. A pid file records the
 * pid and the process's start time (from /proc), so `down` stops exactly
 * the process `up` started and never a later process that reused its pid.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** What to run for one service. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** A log the server writes itself, where its start-up errors go (ClickHouse's error log); shown with {@link logFile}'s tail. */
  errorLog?: string;
}

/** Contents of a pid file. */
export interface PidRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
  startTicks: string;
  command: string;
}

/** Start time of a live process, or undefined when there is no such process. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after it are plain.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    if (state === 'Z' || state === 'X') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Parent pid of a live process, or undefined. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is `ancestor` or one of its descendants (a server's watchdog child, a forked saver). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  let p: number | undefined = pid;
  for (let i = 0; i < 64 && p !== undefined && p > 1; i++) {
    if (p === ancestor) return true;
    p = parentPid(p);
  }
  return false;
}

/** Reads a pid file; undefined if absent or unreadable. */
export function readPidFile(file: string): PidRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
    return Number.isInteger(rec.pid) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** True when the pid file names a live process that is the one we started. */
export function isRunning(rec: PidRecord | undefined): rec is PidRecord {
  return rec !== undefined && processStartTicks(rec.pid) === rec.startTicks;
}

/**
 * The environment of a service process: the caller's, less CALLGUARD_TEST_RUN. test/run.sh stops
 * whatever carries its run's id once the tests are over, as left running by a test; a service that
 * a test starts with `stack up` (stack.cli runs it) belongs to the stack, is
 * stopped by its pid file, and must stay up when the stack is to be left running.
 */
export function serviceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CALLGUARD_TEST_RUN: _testRun, ...rest } = env;
  return rest;
}

/** Starts `spec` in its own session, detached from this process, and writes its pid file. */
export function spawnDetached(spec: LaunchSpec, pidFile: string): PidRecord {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(pidFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: serviceEnv(spec.env ?? process.env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    const rec: PidRecord = {
      pid: child.pid,
      startTicks: processStartTicks(child.pid) ?? '',
      command: [spec.command, ...spec.args].join(' '),
    };
    writeFileSync(pidFile, JSON.stringify(rec) + '\n');
    return rec;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the recorded process: SIGTERM, then SIGKILL after `graceMs`.
 * Removes the pid file. Returns false if the process was not running.
 */
export async function stopProcess(pidFile: string, graceMs = 20_000): Promise<boolean> {
  const rec = readPidFile(pidFile);
  if (!isRunning(rec)) {
    if (existsSync(pidFile)) rmSync(pidFile);
    return false;
  }
  process.kill(rec.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(rec) && Date.now() < deadline) await sleep(100);
  if (isRunning(rec)) {
    process.kill(rec.pid, 'SIGKILL');
    while (isRunning(rec)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return true;
}

/** Last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
