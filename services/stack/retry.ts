/**
 * Retrying a download step (mvn, apt-get) that can fail for a moment: a
 * connection reset, a mirror briefly answering 5xx, the dpkg lock held.
 * A step that still fails after the last attempt fails with its own error.
 */

/** Seconds to wait before the 2nd, 3rd, ... attempt: three attempts in all by default. */
export const DOWNLOAD_RETRY_DELAYS_MS = [10_000, 30_000] as const;

/**
 * Runs `attempt(n)` (n from 1) until it resolves, at most `delaysMs.length + 1`
 * times, waiting `delaysMs[n-1]` before attempt n+1 and calling `onRetry`
 * with the error that made it retry.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  opts: {
    delaysMs?: readonly number[];
    onRetry?: (err: unknown, nextAttempt: number, delayMs: number) => void;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<T> {
  const delays = opts.delaysMs ?? DOWNLOAD_RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n > delays.length) throw err;
      const delay = delays[n - 1];
      opts.onRetry?.(err, n + 1, delay);
      await sleep(delay);
    }
  }
}

/** First line of an error's message, for a one-line retry notice (without the colon that introduced the log tail). */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n', 1)[0].replace(/:\s*$/, '');
}
