/**
 * A poll repeated every `intervalMs` after the previous one ended, never two
 * at once: what the enforcer's pollers (allowlist, due set) share.
 */

export interface RepeatedPoll<T> {
  /** Runs the poll now, or joins the one in progress. */
  poll(): Promise<T>;
  /** Polls every `intervalMs` (first after one period), never overlapping. */
  start(): void;
  /** Stops polling; resolves when a poll in progress is done. */
  stop(): Promise<void>;
}

/** Repeats `pollOnce` (which must not throw) every `intervalMs` once started. */
export function repeatPoll<T>(pollOnce: () => Promise<T>, intervalMs: number): RepeatedPoll<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  let stopped = false;

  const poll = (): Promise<T> => (running ??= pollOnce().finally(() => (running = undefined)));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll().finally(schedule), intervalMs);
    timer.unref?.();
  };

  return {
    poll,
    start() {
      stopped = false;
      if (timer === undefined) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
