import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withStackLock } from './lock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each test's lock file, in a folder of its own under the temp dir, removed after the test. */
const dirs: string[] = [];
const lockFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-lock-'));
  dirs.push(dir);
  return join(dir, 'stack');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stack lock', () => {
  it('a second command waits until the first has finished, then runs', async () => {
    const file = lockFile();
    const events: string[] = [];
    const first = withStackLock('up', async () => {
      events.push('first in');
      await sleep(600);
      events.push('first out');
    }, { file });
    await sleep(50);
    const second = withStackLock('up', async () => {
      events.push('second in');
    }, { file });
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('is released when the command fails', async () => {
    const file = lockFile();
    await expect(withStackLock('up', async () => { throw new Error('boom'); }, { file })).rejects.toThrow('boom');
    expect(await withStackLock('up', async () => 'ran', { file, waitMs: 100 })).toBe('ran');
  });

  it('gives up after the wait, naming the lock', async () => {
    const file = lockFile();
    const holder = withStackLock('up', () => sleep(1_500), { file });
    await sleep(50);
    await expect(withStackLock('down', async () => 'ran', { file, waitMs: 500 })).rejects.toThrow(/held .*stack\.lock for \d+ s; down gave up waiting/);
    await holder;
  });

  it('takes over the lock of a holder that died (not refreshed for the stale time)', async () => {
    const file = lockFile();
    mkdirSync(`${file}.lock`); // what a `stack up` killed with SIGKILL leaves
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    expect(await withStackLock('up', async () => 'ran', { file, waitMs: 2_000, staleMs: 10_000 })).toBe('ran');
  });
});
