/**
 * Retries an operation with exponential backoff (with jitter) until it
 * succeeds or the signal aborts; each failure is reported and logged
 * (first few at warn, then every tenth), and the success after them is logged.
 */
import type { Logger } from 'pino';

/** Options of {@link retry}. */
export interface RetryOptions {
  what: string;
  signal: AbortSignal;
  log: Logger;
  onError?: (err: unknown) => void;
  initialMs?: number;
  maxMs?: number;
  /** Errors not to retry: thrown at once. */
  fatal?: (err: unknown) => boolean;
  /** A longer backoff ceiling for some failures (e.g. permanent ones that wait for a person); `maxMs` otherwise. */
  maxMsFor?: (err: unknown) => number | undefined;
}

/** Error thrown by {@link retry} when aborted. */
export class RetryAbortedError extends Error {
  constructor(
    what: string,
    readonly lastError: unknown,
  ) {
    super(`gave up on ${what}: ${(lastError as Error)?.message ?? 'aborted'}`);
    this.name = 'RetryAbortedError';
  }
}

/** Runs `fn` until it resolves; throws {@link RetryAbortedError} once `signal` aborts. */
export async function retry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  let delay = opts.initialMs ?? 200;
  const max = opts.maxMs ?? 5_000;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) throw new RetryAbortedError(opts.what, lastError);
    try {
      const v = await fn();
      if (attempt > 1) opts.log.info({ what: opts.what, attempts: attempt }, 'recovered');
      return v;
    } catch (e) {
      lastError = e;
      if (opts.fatal?.(e)) throw e;
      opts.onError?.(e);
      if (attempt <= 3 || attempt % 10 === 0) opts.log.warn({ what: opts.what, attempt, err: (e as Error)?.message ?? String(e) }, 'failed; retrying');
    }
    const ceiling = opts.maxMsFor?.(lastError) ?? max;
    delay = Math.min(ceiling, delay);
    await sleep(delay * (0.75 + Math.random() * 0.5), opts.signal);
    delay = Math.min(ceiling, delay * 2);
  }
}

/** Waits `ms`, or less when `signal` aborts (resolves either way, never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
