import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { retry, RetryAbortedError } from './retry.ts';

const log = pino({ level: 'silent' });

/** An operation that fails `n` times, then answers 'ok'. */
function failing(n: number) {
  let calls = 0;
  return {
    fn: async () => {
      if (++calls <= n) throw new Error(`refused ${calls}`);
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('retry', () => {
  it('reports each failure, then returns the answer of the attempt that succeeds', async () => {
    const op = failing(2);
    const errors: string[] = [];
    const v = await retry(op.fn, { what: 'write', signal: new AbortController().signal, log, initialMs: 1, onError: (e) => errors.push((e as Error).message) });
    expect(v).toBe('ok');
    expect(errors).toEqual(['refused 1', 'refused 2']);
    expect(op.calls()).toBe(3);
  });

  it('gives up when aborted (RetryAbortedError) or at once on a fatal error', async () => {
    const abort = new AbortController();
    const given = retry(failing(100).fn, { what: 'write', signal: abort.signal, log, initialMs: 1, maxMs: 2 });
    await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await expect(given).rejects.toBeInstanceOf(RetryAbortedError);
    const fatal = failing(1);
    await expect(retry(fatal.fn, { what: 'write', signal: new AbortController().signal, log, fatal: () => true })).rejects.toThrow('refused 1');
    expect(fatal.calls()).toBe(1);
  });
});
