/**
 * What the detector pipeline's parts share: the services it is wired to
 * ({@link DetectorDeps}, built by main.ts) and the mutable state of one
 * detector ({@link DetectorState}): the partition tasks, who owns what,
 * what is paused, checkpoint and readiness flags. Only the pipeline's work
 * loop (detector.ts) and the checkpoints it starts touch it, one work item
 * at a time; the functions in ownership.ts, batches.ts, consents-control.ts,
 * flow-control.ts, checkpoint-runner.ts, consent-dlq-flush.ts and
 * metrics-update.ts take it as their first argument.
 */
import { Subject, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { EngineConfig } from '../../../shared/config/index.ts';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { ConsentRecords } from './consent-records.ts';
import { CampaignGroups, InboundSwarms } from '../../../shared/engine/index.ts';
import type { DetectorConfig } from '../config.ts';
import type { Control, ControlEvent } from '../control/poller.ts';
import type { AvroCodec } from '../kafka/codec.ts';
import type { GroupSource, Sink, SourceBatch, SourceEvent, TopicReader, TopicScanner } from '../kafka/source.ts';
import type { DetectorMetrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/http.ts';
import type { RowWriter } from '../sinks/clickhouse-writer.ts';
import type { RedisHandle } from '../state/redis.ts';
import type { ConsentDlqMarks, EmittedMarks, FlagDedup, SnapshotStore } from '../state/stores.ts';
import type { OwnerFence } from '../state/owner-fence.ts';
import { ConsentDlq, type ConsentDlqDue } from './consent-dlq.ts';
import type { FlagLane } from './flag-lane.ts';
import { OutputHealth } from './output-health.ts';
import type { Side } from './merge.ts';
import type { PartitionTask, TaskStats } from './partition-task.ts';

/** Everything the pipeline is wired to (main.ts builds these). */
export interface DetectorDeps {
  config: DetectorConfig;
  source: GroupSource;
  consents: TopicReader;
  /** Reads the flags topic back to settle flags a dead owner left pending. */
  scanner: TopicScanner;
  codec: AvroCodec;
  sink: Sink;
  writer: RowWriter;
  redis: RedisHandle;
  snapshots: SnapshotStore;
  marks: EmittedMarks;
  /** How far unusable consent records have been sent to the DLQ, per consents partition. */
  consentDlqMarks: ConsentDlqMarks;
  dedup: FlagDedup;
  /** Ownership generations per calls partition (see state/owner-fence.ts). */
  fence: OwnerFence;
  control: Control;
  /**
   * Registers the FlagEvent schema for the flags topic and returns its
   * encoder; called once by the start, after the topic check (a missing
   * flags topic leaves no subject behind in the registry).
   */
  flagEncoder: () => Promise<(f: FlagEvent) => Buffer>;
  metrics: DetectorMetrics;
  log: Logger;
}

/** One item of the pipeline's work loop (handled one at a time, in order). */
export type WorkItem =
  | { k: 'source'; e: SourceEvent }
  | { k: 'consents'; b: SourceBatch }
  | { k: 'control'; c: ControlEvent }
  | { k: 'tick' }
  /** The broker's end offset of one stream of a partition whose merge waits for it. */
  | { k: 'end'; partition: number; side: Side; high: number }
  | { k: 'barrier'; resolve: () => void };

/** The mutable state of one detector, shared by the pipeline's parts. */
export class DetectorState {
  readonly tasks = new Map<number, PartitionTask>();
  /** Every consent grant read, to prime engines created later. */
  readonly consents = new ConsentRecords();
  readonly consentDlq = new ConsentDlq();
  /** Per consents partition, its send to the DLQ that failed and is still this instance's to retry (a failing Kafka write). */
  readonly consentDlqFailing = new Map<number, ConsentDlqDue>();
  readonly allowlist = new Set<string>();
  /**
   * Whether `allowlist` has been read from Redis at least once. Until it has (Redis away at the start), a partition
   * restored from a snapshot keeps the allowlist its snapshot carried: better a stale allowlist than none, which
   * would flag the hospitals on it. The first read replaces it in every engine.
   */
  allowlistRead = false;
  readonly barrier$ = new Subject<WorkItem>();
  readonly lastStats = new Map<number, TaskStats>();
  readonly lastSnapshotAt = new Map<number, number>();
  /** Partitions with a snapshot stored since this instance took them over. */
  readonly snapshotStored = new Set<number>();
  readonly active = new Set<number>();
  /** Owner generation per partition held (undefined: taken while Redis was away, writes unfenced). */
  readonly gens = new Map<number, number | undefined>();
  /** When this instance took each partition it holds (ms). */
  readonly acquiredAt = new Map<number, number>();
  /** Partitions whose fence refused a write since this instance took them, with when that was first seen. */
  readonly fenced = new Map<number, number>();
  /** Partition sides paused because their merge queue is long (waiting for the other stream). */
  readonly sidePaused = new Map<number, [boolean, boolean]>();
  /** What the source was last told, per `topic/partition`: true = paused. */
  readonly pausedNow = new Map<string, boolean>();
  /** Per `topic/partition`, whether a record accepted with a key in another form than its normalised number was logged (once). */
  readonly keyFormLogged = new Set<string>();
  /** When the end offset of a waited-for stream was last asked of the broker, per `partition/side`. */
  readonly endChecks = new Map<string, number>();
  engineConfig: EngineConfig;
  partitions = 0;
  status: Readiness['status'] = 'starting';
  /** Why the status is `failed` (for /readyz). */
  failure: string | null = null;
  assigned = false;
  consentsCaughtUp = false;
  sub: Subscription | null = null;
  checkpoint: Promise<void> | null = null;
  /** Set while ClickHouse refuses rows with a permanent error. */
  chBlocked: { since: number; code: number | null; message: string } | null = null;
  lastCheckpointAt = 0;
  /**
   * A checkpoint failed (it throws only when the shutdown deadline aborts
   * it): its cut's rows, flags and positions are gone from the tasks, so no
   * later checkpoint may store marks or commit offsets past them. The input
   * since the last commit is read again after a restart.
   */
  checkpointFailed: Error | null = null;
  paused = false;
  stopping = false;
  /** Set by Detector.stop (the final checkpoint runs once). */
  stopped = false;
  /** The start sequence while it runs (a stop waits for it, so nothing joins the group after a stop). */
  starting: Promise<void> | null = null;
  statsAt = 0;
  readonly abort = new AbortController();
  readonly log: Logger;
  /** Writes to the outputs (Kafka, ClickHouse) that failed and have not gone through yet (/readyz, `_sink_failing`). */
  readonly outputs: OutputHealth;
  /** The serial flag lane (set by the detector right after construction). */
  lane!: FlagLane;

  /**
   * Campaign groups shared by this process's partition engines: calls are
   * keyed by caller, so the numbers of one block land on different
   * partitions, and a campaign is only visible when their groups are one.
   */
  readonly campaignGroups = new CampaignGroups();
  /** The callees' swarm loads, shared the same way: the numbers flooding one victim land on different partitions. */
  readonly swarms: InboundSwarms;

  constructor(readonly deps: DetectorDeps) {
    this.engineConfig = deps.config.engine;
    this.swarms = new InboundSwarms(deps.config.engine.swarmEntries);
    this.log = deps.log;
    this.outputs = new OutputHealth(deps.config.outputGraceMs, deps.log);
  }

  /** Engine options: the wall clock for emittedAt, and the shared campaign groups and swarm loads unless per-partition ones are configured. */
  engineOpts(): { now: () => number; campaignGroups?: CampaignGroups; swarms?: InboundSwarms } {
    return this.deps.config.campaigns === 'process' ? { now: Date.now, campaignGroups: this.campaignGroups, swarms: this.swarms } : { now: Date.now };
  }

  /** A fenced write: another instance took partition `p`; this one stops writing for it until the group takes it away. */
  onFenced(p: number, what: string): void {
    this.deps.metrics.fencedWrites.inc({ what });
    if (this.fenced.has(p) || !this.gens.has(p)) return;
    this.fenced.set(p, Date.now());
    this.log.warn({ partition: p, what, generation: this.gens.get(p) }, 'partition fenced: another instance owns it now; its flags, marks, snapshots and commits are left to that instance');
  }

  /** Resolves once every work item queued before it has been handled. */
  barrier(): Promise<void> {
    return new Promise((resolve) => this.barrier$.next({ k: 'barrier', resolve }));
  }
}
