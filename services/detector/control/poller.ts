/**
 * Control streams from Redis, polled: allowlist additions and removals and
 * live engine configs, never overlapping. While Redis is unavailable nothing is
 * emitted and what is in force stays.
 */
import { defer, exhaustMap, from, mergeMap, timer, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { EngineConfig } from '../../../shared/config/index.ts';
import { allowlistNumbers } from '../../../shared/contracts/allowlist.ts';
import type { ControlStore } from '../state/stores.ts';
import { resolveLiveConfig } from './live-config.ts';

/** A change to apply to every engine. */
export type ControlEvent =
  | { type: 'allow'; numbers: string[] }
  | { type: 'disallow'; numbers: string[] }
  /** The allowlist was read for the first time (after this read's `allow`): from now on it is the one in force. */
  | { type: 'allowlist-read' }
  | { type: 'config'; config: EngineConfig; raw: string | null } | { type: 'config-rejected'; errors: string[] };

/** The control source: one poll on demand (for the start), and a periodic stream of changes. */
export interface Control {
  /** Polls once; returns what changed since the last poll. */
  poll(): Promise<ControlEvent[]>;
  /** Polls every `periodMs` (first after one period) and emits the changes. */
  events(periodMs: number): Observable<ControlEvent>;
}

/** Polls the allowlist and the live-config key of `store`. */
export function createControl(store: ControlStore, base: EngineConfig, log: Logger): Control {
  const allowed = new Set<string>();
  /** Members that are not phone numbers (logged once each). */
  const bad = new Set<string>();
  let lastRaw: string | null | undefined;
  let read = false;
  const poll = async (): Promise<ControlEvent[]> => {
    const out: ControlEvent[] = [];
    const members = await store.allowlist();
    if (members !== undefined) {
      const fresh: string[] = [];
      const numbers = allowlistNumbers(members, bad, (member, err) => log.warn({ key: store.allowlistKey, member, err }, 'allowlist member is not a phone number; ignored'));
      for (const n of numbers) {
        if (!allowed.has(n)) {
          allowed.add(n);
          fresh.push(n);
        }
      }
      if (fresh.length > 0) out.push({ type: 'allow', numbers: fresh });
      // Members removed from the set (SREM, or the key deleted): no longer allowed.
      const gone: string[] = [];
      for (const n of allowed) if (!numbers.has(n)) gone.push(n);
      for (const n of gone) allowed.delete(n);
      if (gone.length > 0) out.push({ type: 'disallow', numbers: gone });
      if (!read) {
        read = true;
        out.push({ type: 'allowlist-read' });
      }
    }
    const raw = await store.engineConfig();
    if (raw !== undefined && raw !== lastRaw) {
      const first = lastRaw === undefined;
      lastRaw = raw;
      if (first && raw === null) return out;
      const r = resolveLiveConfig(base, raw);
      if (r.ok) out.push({ type: 'config', config: r.config, raw });
      else out.push({ type: 'config-rejected', errors: r.errors });
    }
    return out;
  };
  return {
    poll,
    events: (periodMs) =>
      timer(periodMs, periodMs).pipe(
        exhaustMap(() => defer(() => poll())),
        mergeMap((events) => from(events)),
      ),
  };
}
