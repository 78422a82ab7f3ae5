/**
 * The lookup bench's server process: the enforcer's lookup API
 * (`startLookupServer`) with the label replica, as `callguard enforce`
 * serves it, for one key prefix, on a free loopback port. Spawned by
 * lookup.bench.ts with an IPC channel; it answers:
 *
 * - `{ cmd: 'mark' }`: starts counting GC pauses (the measured phase begins);
 * - `{ cmd: 'stats' }`: GC pauses since the mark by kind (count, total and
 *   longest pause), the heap now, and where lookups were read from;
 * - `{ cmd: 'heap' }`: a full GC, then the live heap and the replica's
 *   share of it (the heap after a full GC before the replica started
 *   subtracted). Asked for only after the timed phases: a forced GC before
 *   them would clean up the replica's load garbage, which the service
 *   itself has to collect while it serves.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import { createEnforcementStore } from '../../services/enforcer/store.ts';
import { startLookupServer } from '../../services/enforcer/lookup.ts';
import { createEnforcerMetrics } from '../../services/enforcer/metrics.ts';
import { startLabelReplica } from '../../services/enforcer/label-replica.ts';

/** GC pauses of one kind. */
export interface GcFigures {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** What the server reports at the end of a phase. */
export interface ServerStats {
  gc: Record<'scavenge' | 'markCompact' | 'incremental' | 'weak', GcFigures>;
  heapUsedMiB: number;
  reads: string;
}

/** The live heap after a full GC. */
export interface ServerHeap {
  /** Heap used after a full GC, MiB. */
  heapMiB: number;
  /** Of which the replica, MiB. */
  replicaMiB: number;
  labels: number;
}

/** What the server reports once it listens. */
export interface ServerReady {
  url: string;
  labels: number;
  loadMs: number;
  /** Heap used once the replica has loaded (its load garbage included), MiB. */
  heapMiB: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const kinds = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
} as const;

function emptyGc(): ServerStats['gc'] {
  return Object.fromEntries(Object.values(kinds).map((k) => [k, { count: 0, totalMs: 0, maxMs: 0 }])) as ServerStats['gc'];
}

const heapMiB = () => process.memoryUsage().heapUsed / 2 ** 20;

/** Serves lookups for `prefix` until SIGTERM. */
export async function serveLookups(redisUrl: string, prefix: string, mode: 'replica' | 'redis'): Promise<void> {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const keys = enforcerKeys(prefix);
  const store = createEnforcementStore(redis, { keys, protectTtlMs: 86_400_000, minRetentionMs: 86_400_000 });
  const metrics = createEnforcerMetrics();
  gc();
  const heapBefore = heapMiB();
  const t = performance.now();
  const replica = mode === 'replica' ? startLabelReplica({ redisUrl, labelPrefix: keys.label(''), maxEntries: 2_000_000 }) : undefined;
  await replica?.whenReady();
  const loadMs = performance.now() - t;
  const server = await startLookupServer({ host: '127.0.0.1', port: 0, store, metrics, replica, health: async () => ({ redis: true, consumer: 'bench' }) });
  const url = server.url;

  let figures = emptyGc();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[(e as unknown as { detail: { kind: number } }).detail.kind];
      if (!kind) continue;
      const f = figures[kind];
      f.count++;
      f.totalMs += e.duration;
      f.maxMs = Math.max(f.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'mark') {
      figures = emptyGc();
      process.send?.({ marked: true });
    }
    if (m.cmd === 'heap') {
      gc();
      const heap: ServerHeap = { heapMiB: heapMiB(), replicaMiB: heapMiB() - heapBefore, labels: replica?.size() ?? 0 };
      process.send?.({ heap });
    }
    if (m.cmd === 'stats') {
      void (async () => {
        const reads = (await metrics.lookupReads.get()).values.map((v) => `${v.labels.from} ${v.value}`).join(', ');
        const stats: ServerStats = { gc: figures, heapUsedMiB: heapMiB(), reads: reads || 'nowhere' };
        process.send?.({ stats });
      })();
    }
  });
  process.on('SIGTERM', () => {
    void (async () => {
      await server.close();
      await replica?.close();
      redis.disconnect();
      process.disconnect?.();
    })();
  });
  const ready: ServerReady = { url, labels: replica?.size() ?? 0, loadMs, heapMiB: heapMiB() };
  process.send?.({ ready });
}
