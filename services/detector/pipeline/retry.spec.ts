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
  it('reports each failure, then the success after them with the number of attempts', async () => {
    const op = failing(2);
    const errors: string[] = [];
    const recovered: number[] = [];
    const v = await retry(op.fn, { what: 'write', signal: new AbortController().signal, log, initialMs: 1, onError: (e) => errors.push((e as Error).message), onRecovered: (n) => recovered.push(n) });
    expect(v).toBe('ok');
    expect(errors).toEqual(['refused 1', 'refused 2']);
    expect(recovered).toEqual([3]);
  });

  it('does not report a recovery when the first attempt succeeds', async () => {
    const recovered: number[] = [];
    await retry(failing(0).fn, { what: 'write', signal: new AbortController().signal, log, onRecovered: (n) => recovered.push(n) });
    expect(recovered).toEqual([]);
  });

  it('does not report a recovery when given up (abort, fatal error)', async () => {
    const recovered: number[] = [];
    const abort = new AbortController();
    const op = failing(100);
    const given = retry(op.fn, { what: 'write', signal: abort.signal, log, initialMs: 1, maxMs: 2, onRecovered: (n) => recovered.push(n) });
    await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await expect(given).rejects.toBeInstanceOf(RetryAbortedError);
    await expect(retry(failing(1).fn, { what: 'write', signal: new AbortController().signal, log, fatal: () => true, onRecovered: (n) => recovered.push(n) })).rejects.toThrow('refused 1');
    expect(recovered).toEqual([]);
  });
});
