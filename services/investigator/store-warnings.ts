/**
 * The console's warnings when Redis does not answer for sessions and failed
 * logins: at most one line per kind every `intervalMs`, saying how many were
 * left out since the last one. While Redis is away every login try and
 * every authenticated request would otherwise log a line of its own.
 */
import type { Logger } from 'pino';
import type { StoreCall } from './auth.ts';

const MESSAGES: Record<StoreCall, string> = {
  login: 'Redis did not answer for failed logins; this process counts its own meanwhile (per-instance lockout)',
  verify: "Redis did not answer for logged-out sessions; this process's own logouts still hold",
  revoke: "Redis did not answer for logged-out sessions; this process's own logouts still hold",
};

/** An onStoreError for createAuth that logs each kind at most once every `intervalMs`. */
export function storeWarnings(log: Pick<Logger, 'warn'>, intervalMs = 10_000, now: () => number = Date.now): (err: unknown, during: StoreCall) => void {
  const last = new Map<StoreCall, { at: number; left: number }>();
  return (err, during) => {
    const t = now();
    const seen = last.get(during);
    if (seen && t - seen.at < intervalMs) {
      seen.left++;
      return;
    }
    last.set(during, { at: t, left: 0 });
    log.warn({ err, during, ...(seen && seen.left > 0 ? { leftOut: seen.left } : {}) }, MESSAGES[during]);
  };
}
