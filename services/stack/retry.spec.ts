import { describe, expect, it } from 'vitest';
import { firstLine, withRetries } from './retry.ts';

describe('withRetries', () => {
  it('returns the first success, after waiting the given delays between failures', async () => {
    const waited: number[] = [];
    const retried: Array<[string, number, number]> = [];
    const seen: number[] = [];
    const r = await withRetries(
      async (n) => {
        seen.push(n);
        if (n < 3) throw new Error(`attempt ${n} failed\nlog tail`);
        return 'ok';
      },
      { delaysMs: [5, 7], sleep: async (ms) => void waited.push(ms), onRetry: (e, next, d) => retried.push([firstLine(e), next, d]) },
    );
    expect(r).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(waited).toEqual([5, 7]);
    expect(retried).toEqual([
      ['attempt 1 failed', 2, 5],
      ['attempt 2 failed', 3, 7],
    ]);
  });

  it('fails with the last attempt’s own error when every attempt fails', async () => {
    let n = 0;
    await expect(
      withRetries(
        async () => {
          n++;
          throw new Error(`failure ${n}`);
        },
        { delaysMs: [1, 1], sleep: async () => {} },
      ),
    ).rejects.toThrow('failure 3');
    expect(n).toBe(3);
  });

  it('firstLine keeps the first line of the message, without the colon that introduces a log tail', () => {
    expect(firstLine(new Error('mvn failed (exit 1); last lines of /x/maven.log:\n[ERROR] boom'))).toBe('mvn failed (exit 1); last lines of /x/maven.log');
    expect(firstLine('plain')).toBe('plain');
  });

  it('does not retry a success nor wait at all', async () => {
    let slept = false;
    expect(await withRetries(async () => 42, { sleep: async () => void (slept = true) })).toBe(42);
    expect(slept).toBe(false);
  });
});
