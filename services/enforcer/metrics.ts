/** Prometheus metrics of the enforcer (one registry per running instance). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LabelReplica } from './label-replica.ts';

/** The enforcer's metrics. */
export interface EnforcerMetrics {
  registry: Registry;
  /** Records applied, by kind (flag/review) and machine outcome; kind `allowlist`: numbers unlabelled when allowlisted; kind `due`: expired states settled by the due poller. */
  records: Counter<'kind' | 'outcome'>;
  /** Records routed to the DLQ, by kind. */
  deadLettered: Counter<'kind'>;
  /** Lookups answered, by status (CLEAR, LABELED, ..., invalid). */
  lookups: Counter<'status'>;
  /** Lookup latency inside the server (Redis GET included), seconds. */
  lookupSeconds: Histogram<never>;
  /** Where lookups were answered from: the in-process replica or a Redis GET. */
  lookupReads: Counter<'from'>;
  /** Requests refused with 421 because their Host header was missing or not an allowed name (DNS rebinding guard). */
  misdirected: Counter<never>;
  /** Reports the replica's size and state on every scrape. */
  watchReplica(replica: LabelReplica): void;
}

/** Creates the metrics in a fresh registry (with process defaults). */
export function createEnforcerMetrics(): EnforcerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callguard_enforcer_' });
  return {
    registry,
    records: new Counter({ name: 'callguard_enforcer_records_total', help: 'Flags and reviews applied, by outcome (kind allowlist: labels, pending verifications and blocks removed when the number was allowlisted)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    deadLettered: new Counter({ name: 'callguard_enforcer_dead_lettered_total', help: 'Records that could not be used, sent to the DLQ', labelNames: ['kind'], registers: [registry] }),
    lookups: new Counter({ name: 'callguard_enforcer_lookups_total', help: 'Number lookups answered, by status', labelNames: ['status'], registers: [registry] }),
    lookupSeconds: new Histogram({
      name: 'callguard_enforcer_lookup_seconds',
      help: 'Lookup handling time including the Redis read',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    lookupReads: new Counter({ name: 'callguard_enforcer_lookup_reads_total', help: 'Lookups answered from the in-process label replica or by a Redis GET', labelNames: ['from'], registers: [registry] }),
    misdirected: new Counter({
      name: 'callguard_enforcer_misdirected_requests_total',
      help: 'Requests refused with 421 Misdirected Request: Host header missing or not an allowed name (CALLGUARD_ENFORCER_ALLOWED_HOSTS)',
      registers: [registry],
    }),
    watchReplica(replica) {
      new Gauge({ name: 'callguard_enforcer_label_replica_labels', help: 'Labels held by the in-process replica', registers: [registry], collect() { this.set(replica.size()); } });
      new Gauge({ name: 'callguard_enforcer_label_replica_bytes', help: "Bytes of the replica's off-heap JSON store (live and not yet compacted)", registers: [registry], collect() { this.set(replica.bytes()); } });
      new Gauge({ name: 'callguard_enforcer_label_replica_unknown', help: 'Invalidated label keys not re-read yet (looked up in Redis)', registers: [registry], collect() { this.set(replica.unknown()); } });
      new Gauge({ name: 'callguard_enforcer_label_replica_ready', help: '1 while the replica answers lookups, 0 while lookups read Redis', registers: [registry], collect() { this.set(replica.state() === 'ready' ? 1 : 0); } });
    },
  };
}
