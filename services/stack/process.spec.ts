import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning, processStartTicks, readPidFile, serviceEnv, spawnDetached, stopProcess } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cg-process-'));
const started: number[] = [];

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('detached processes and pid files', () => {
  it('records pid and start time, and stop ends exactly that process', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const rec = spawnDetached({ command: 'sleep', args: ['30'], cwd: dir, logFile: join(dir, 'sleep.log') }, pidFile);
    started.push(rec.pid);
    expect(readPidFile(pidFile)).toEqual(rec);
    expect(rec.startTicks).toBe(processStartTicks(rec.pid));
    expect(isRunning(rec)).toBe(true);
    expect(await stopProcess(pidFile, 5_000)).toBe(true);
    expect(isRunning(rec)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('does not touch a live process whose start time differs from the record (a reused pid)', async () => {
    const real = spawnDetached({ command: 'sleep', args: ['30'], cwd: dir, logFile: join(dir, 'sleep2.log') }, join(dir, 'real.pid'));
    started.push(real.pid);
    const forged = join(dir, 'forged.pid');
    writeFileSync(forged, JSON.stringify({ ...real, startTicks: String(Number(real.startTicks) - 1) }));
    expect(isRunning(readPidFile(forged))).toBe(false);
    expect(await stopProcess(forged, 1_000)).toBe(false);
    expect(isRunning(real)).toBe(true); // still alive
    expect(existsSync(forged)).toBe(false); // the stale file is cleared
    await stopProcess(join(dir, 'real.pid'), 5_000);
  });

  it('treats a missing or garbled pid file as not running', async () => {
    expect(readPidFile(join(dir, 'none.pid'))).toBeUndefined();
    writeFileSync(join(dir, 'bad.pid'), 'not json');
    expect(readPidFile(join(dir, 'bad.pid'))).toBeUndefined();
    expect(await stopProcess(join(dir, 'none.pid'))).toBe(false);
    expect(readFileSync(join(dir, 'bad.pid'), 'utf8')).toBe('not json');
  });
});

describe('service processes and the test run marker', () => {
  it('a service does not inherit CALLGUARD_TEST_RUN (test/run.sh would stop it as a leftover), everything else is kept', async () => {
    expect(serviceEnv({ PATH: '/bin', CALLGUARD_TEST_RUN: '1-2', CALLGUARD_REDIS_URL: 'redis://x' })).toEqual({ PATH: '/bin', CALLGUARD_REDIS_URL: 'redis://x' });
    const pidFile = join(dir, 'marker.pid');
    const rec = spawnDetached(
      { command: 'sleep', args: ['30'], cwd: dir, logFile: join(dir, 'marker.log'), env: { ...process.env, CALLGUARD_TEST_RUN: 'spec-run' } },
      pidFile,
    );
    started.push(rec.pid);
    const environ = readFileSync(`/proc/${rec.pid}/environ`, 'utf8').split('\0');
    expect(environ.some((e) => e.startsWith('CALLGUARD_TEST_RUN='))).toBe(false);
    expect(environ.some((e) => e.startsWith('PATH='))).toBe(true);
    expect(await stopProcess(pidFile, 5_000)).toBe(true);
  });
});
