/**
 * The detector's Prometheus metrics (prom-client, own registry). Hot-path
 * counts are kept as plain numbers by the partition tasks and added here as
 * deltas once per tick, so no label lookup happens per event.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OUTPUTS } from '../pipeline/output-health.ts';

/** What a stored partition snapshot holds: `fresh`, the empty state at the task's start offsets (about 200 bytes); `full`, the engine's state. */
export type SnapshotKind = 'fresh' | 'full';
const SNAPSHOT_KINDS: readonly SnapshotKind[] = ['fresh', 'full'];

/** All metrics of one detector process. */
export class DetectorMetrics {
  readonly registry = new Registry();
  readonly events = new Counter({ name: 'callguard_detector_events_total', help: 'Input records by topic and result (accepted, duplicate, late, invalid)', labelNames: ['topic', 'result'], registers: [this.registry] });
  readonly consents = new Counter({ name: 'callguard_detector_consents_total', help: 'Consent records read (valid, invalid, tombstone)', labelNames: ['result'], registers: [this.registry] });
  readonly flags = new Counter({ name: 'callguard_detector_flags_total', help: 'Flags emitted to the flags topic, by severity', labelNames: ['severity'], registers: [this.registry] });
  readonly flagReasons = new Counter({ name: 'callguard_detector_flag_reasons_total', help: 'Reasons of emitted flags, by rule', labelNames: ['rule'], registers: [this.registry] });
  readonly flagsDeduplicated = new Counter({ name: 'callguard_detector_flags_deduplicated_total', help: 'Flags not emitted again: already emitted (Redis marks) or below the committed offset after a restart', labelNames: ['how'], registers: [this.registry] });
  readonly flagsFenced = new Counter({ name: 'callguard_detector_flags_fenced_total', help: 'Flags dropped because another instance took their partition (it recomputes them)', labelNames: ['partition'], registers: [this.registry] });
  readonly fencedWrites = new Counter({ name: 'callguard_detector_fenced_writes_total', help: 'Partition writes refused by the ownership fence (another instance owns the partition now)', labelNames: ['what'], registers: [this.registry] });
  readonly pendingWaits = new Counter({ name: 'callguard_detector_pending_waits_total', help: 'Flags whose emission waited for another attempt\'s young pending mark', registers: [this.registry] });
  readonly pendingWaitSeconds = new Counter({ name: 'callguard_detector_pending_wait_seconds_total', help: 'Time the flag lane waited for young pending marks of other attempts', registers: [this.registry] });
  readonly dlq = new Counter({ name: 'callguard_detector_dlq_total', help: 'Records sent to the DLQ, by source topic and reason', labelNames: ['topic', 'reason'], registers: [this.registry] });
  readonly keyOtherForm = new Counter({ name: 'callguard_detector_key_other_form_total', help: 'Calls and complaints accepted although their key is not their normalised number (another form of it, or no key): they landed on the partition their number belongs to; keyed otherwise they go to the DLQ as misrouted', labelNames: ['topic', 'partition'], registers: [this.registry] });
  readonly belowPosition = new Counter({ name: 'callguard_detector_records_below_position_total', help: 'Calls and complaints fetched below their partition task\'s position without a seek to explain it, dropped unprocessed and not sent to the DLQ: Kafka reset a position past the partition\'s end (log truncated, topic re-created)', labelNames: ['topic', 'partition'], registers: [this.registry] });
  readonly late = new Counter({ name: 'callguard_detector_late_events_total', help: 'Events behind their partition watermark (sent to the DLQ)', labelNames: ['topic'], registers: [this.registry] });
  readonly lag = new Gauge({ name: 'callguard_detector_consumer_lag', help: 'Records between the processed position and the end of the partition', labelNames: ['topic', 'partition'], registers: [this.registry] });
  readonly watermark = new Gauge({ name: 'callguard_detector_watermark_ms', help: 'Event-time watermark per partition (ms)', labelNames: ['partition'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({ name: 'callguard_detector_batch_seconds', help: 'Time to decode and process one consumed batch', labelNames: ['topic'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'callguard_detector_batch_records', help: 'Records per consumed batch', buckets: [1, 10, 100, 1_000, 5_000, 20_000], registers: [this.registry] });
  readonly checkpointSeconds = new Histogram({ name: 'callguard_detector_checkpoint_seconds', help: 'Time to make one checkpoint durable (produce, ClickHouse, commit, snapshots)', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly sinkErrors = new Counter({ name: 'callguard_detector_sink_errors_total', help: 'Failed attempts to write outputs, by sink', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkBlocked = new Gauge({ name: 'callguard_detector_sink_blocked', help: '1 while a sink refuses writes with a permanent error (e.g. a ClickHouse table missing); offsets stay uncommitted', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkFailing = new Gauge({ name: 'callguard_detector_sink_failing', help: '1 while writes to a sink (kafka: flags and DLQ records; clickhouse) have been failing for longer than CALLGUARD_DETECTOR_OUTPUT_GRACE_MS (retried; /readyz degraded; nothing committed meanwhile)', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkPermanentErrors = new Counter({ name: 'callguard_detector_sink_permanent_errors_total', help: 'Failed writes with a permanent error, by sink and server error code', labelNames: ['sink', 'code'], registers: [this.registry] });
  readonly snapshotBytes = new Gauge({ name: 'callguard_detector_snapshot_bytes', help: 'Size of the last stored snapshot per partition, labelled with its kind (fresh: empty state at the start offsets, no engine parts; full: the engine state)', labelNames: ['partition', 'kind'], registers: [this.registry] });
  readonly snapshotSeconds = new Histogram({ name: 'callguard_detector_snapshot_seconds', help: 'Time to compress and store one partition snapshot, by kind (fresh: no engine parts, only the Redis write; full: engine copy, deflate and write)', labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly pending = new Gauge({ name: 'callguard_detector_pending_records', help: 'Records held or awaiting a checkpoint', registers: [this.registry] });
  readonly waitingCalls = new Gauge({ name: 'callguard_detector_provider_hour_waiting_calls', help: 'Calls not yet counted in provider_hour because a flag they depend on has not been kept or dismissed by the flag lane yet (and the later calls of their provider and hour, queued behind them); normally drained within one lane round. Part of _pending_records', registers: [this.registry] });
  readonly undecidedFlags = new Gauge({ name: 'callguard_detector_undecided_flags', help: 'LABEL-or-above flags raised whose fate (kept or dismissed) the flag lane has not told the aggregates yet; normally drained within one lane round', registers: [this.registry] });
  readonly paused = new Gauge({ name: 'callguard_detector_paused', help: '1 while consumption is paused because outputs lag', registers: [this.registry] });
  readonly partitions = new Gauge({ name: 'callguard_detector_assigned_partitions', help: 'Partition numbers this instance runs an engine for', registers: [this.registry] });
  readonly redisUp = new Gauge({ name: 'callguard_detector_redis_up', help: '1 when Redis answers', registers: [this.registry] });
  readonly consentsCurrent = new Gauge({ name: 'callguard_detector_consents_current', help: '1 while the consents reader has caught up and follows the topic; 0 before, and once it failed for good (the detector then stops with exit 1)', registers: [this.registry] });
  readonly degraded = new Gauge({ name: 'callguard_detector_degraded', help: '1 while detecting without Redis (no dedup marks, snapshots, allowlist or threshold refresh)', registers: [this.registry] });
  readonly engineTableBytes = new Gauge({ name: 'callguard_detector_engine_table_bytes', help: 'Bytes the engines\' tables hold in use, by table (numbers, index, pairs, dedup, swarms): they grow with the population up to their bounds', labelNames: ['table'], registers: [this.registry] });
  readonly trackedNumbers = new Gauge({ name: 'callguard_detector_tracked_numbers', help: 'Numbers with state in the engines', registers: [this.registry] });
  readonly configReloads = new Counter({ name: 'callguard_detector_config_reloads_total', help: 'Live engine-config changes, applied or rejected', labelNames: ['result'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'callguard_detector_' });
    this.sinkBlocked.set({ sink: 'clickhouse' }, 0);
    for (const sink of OUTPUTS) this.sinkFailing.set({ sink }, 0);
    for (const kind of SNAPSHOT_KINDS) this.snapshotSeconds.zero({ kind });
  }

  /** A stored snapshot of `partition`: its time by kind, and its size as the partition's only `_snapshot_bytes` series. */
  snapshotStored(partition: number, kind: SnapshotKind, bytes: number, seconds: number): void {
    const p = String(partition);
    for (const other of SNAPSHOT_KINDS) if (other !== kind) this.snapshotBytes.remove({ partition: p, kind: other });
    this.snapshotBytes.set({ partition: p, kind }, bytes);
    this.snapshotSeconds.observe({ kind }, seconds);
  }
}
