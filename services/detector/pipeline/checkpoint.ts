/**
 * A checkpoint makes one cut of outputs durable, then moves the group's
 * offsets past the inputs they came from. The flags of the cut have already
 * been emitted by the flag lane (see flag-lane.ts), which the caller drains
 * first. Then, in order:
 *
 *  1. DLQ records to Kafka (idempotent producer, acks from all in-sync replicas);
 *  2. rows to ClickHouse (flags, number_minute, provider_hour);
 *  3. each partition's "outputs durable up to" mark in Redis — after the
 *     rows: a restart suppresses the flags below the mark before they reach
 *     the flag lane, so a mark stored before its flags' rows would lose
 *     those rows if the process died in between (the lane writes the rows
 *     of flags already on the topic, without producing them again, only for
 *     the flags it is given);
 *  4. offsets committed, only for partitions that already have a stored
 *     snapshot (so that a committed offset always has a snapshot at or
 *     before it to resume from, with the state to go on);
 *  5. partition snapshots stored (when due).
 *
 * Steps 1 and 2 are retried with backoff until they succeed or the abort
 * signal fires (then nothing is committed, and the inputs are read again
 * after a restart; a write still in flight when the signal fires may land,
 * but nothing of the checkpoint is marked or committed after the signal). A permanent ClickHouse error (see
 * sinks/clickhouse-errors.ts) is retried too, with a longer backoff, since
 * only a person can fix it; the hooks make it loud meanwhile. Both writes' failures are recorded in
 * `outputs` (output-health.ts): one failing longer than the grace turns /readyz `degraded`. A failed commit or snapshot is logged and left to the
 * next checkpoint: the outputs are already durable and idempotent. A commit the group refused (it moved on to a
 * new generation, {@link CommitRefusedByGroup}) is told apart: the stop's final checkpoint treats it as a hand-over.
 */
import { dlqRecord } from './dlq-record.ts';
import type { Logger } from 'pino';
import { flagRow } from '../../../shared/clickhouse/index.ts';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { CommitRefusedByGroup, type OutMessage, type PartitionOffset, type Sink } from '../kafka/source.ts';
import type { RowWriter } from '../sinks/clickhouse-writer.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import type { EmittedMarks, SnapshotStore } from '../state/stores.ts';
import type { TaskCut } from './partition-task.ts';
import { classifyClickHouseError } from '../sinks/clickhouse-errors.ts';
import { retryWrite, type OutputHealth } from './output-health.ts';

/** Longest wait between two attempts to write rows that ClickHouse refused for good. */
const PERMANENT_BACKOFF_MS = 15_000;

/** Everything a checkpoint talks to. */
export interface CheckpointDeps {
  sink: Sink;
  topics: { calls: string; complaints: string; flags: string; dlq: string };
  marks: EmittedMarks;
  writer: RowWriter;
  commit: (offsets: PartitionOffset[]) => Promise<void>;
  snapshots: SnapshotStore;
  /** Whether this instance still owns the partition and is not fenced off it (commits and snapshots only for owned ones). */
  owns: (partition: number) => boolean;
  /** This instance's owner generation of the partition (undefined: unfenced), for the fenced writes. */
  generation: (partition: number) => number | undefined;
  /** Whether a snapshot of the partition is stored (its offsets may be committed). */
  hasSnapshot: (partition: number) => boolean;
  log: Logger;
  /** Fires to give up retrying (shutdown deadline). */
  signal: AbortSignal;
  hooks: CheckpointHooks;
  /** Where the DLQ and ClickHouse writes' failures and recoveries are recorded (/readyz, `_sink_failing`). */
  outputs: OutputHealth;
}

/** Observations for metrics. */
export interface CheckpointHooks {
  sinkError(sink: 'kafka' | 'clickhouse' | 'redis' | 'commit', err: unknown): void;
  /** A sink took a write after failing (or simply took it). */
  sinkOk?(sink: 'clickhouse'): void;
  dlq(entries: TaskCut['dlq']): void;
  snapshot(partition: number, bytes: number, ms: number): void;
  /** A write for the partition was refused: another instance owns it now. */
  fenced(partition: number, what: 'mark' | 'snapshot'): void;
}

/** One checkpoint's inputs: cuts of every task, the flags emitted for them, and the snapshots due. */
export interface CheckpointWork {
  cuts: TaskCut[];
  /** Flags the lane put on the flags topic since the last checkpoint (for the ClickHouse rows). */
  emitted: FlagEvent[];
  snapshots: PartitionSnapshot[];
}

/** Result of {@link runCheckpoint}. */
export interface CheckpointResult {
  flags: number;
  dlq: number;
  rows: number;
  committed: boolean;
  /** Why the offset commit failed (with `committed` false). */
  commitError?: string;
  /** The commit failed because the group had moved on (a rebalance): the partitions are another member's to commit. */
  commitRefusedByGroup?: boolean;
  /**
   * Partitions whose offsets were to be committed and that have neither their emitted mark nor a snapshot stored
   * by this checkpoint (Redis unavailable): if the commit did not go through, their next owner may emit their flags
   * of this cut again.
   */
  unmarked: number[];
}

/**
 * Throws once the stop gave the checkpoint up (the abort signal): a write that was still in flight then and lands
 * later must not lead to marks or a commit from a consumer that has left, or is leaving, the group.
 */
function givenUp(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new Error(`checkpoint given up by the stop before its outputs were ${what}: nothing of it is ${what}`);
}

/** Runs the steps of a checkpoint (see the module comment). Throws only when aborted. */
export async function runCheckpoint(work: CheckpointWork, deps: CheckpointDeps): Promise<CheckpointResult> {
  const { topics, log, signal } = deps;
  const t0 = performance.now();
  const step = (name: string) => log.debug({ step: name, ms: Math.round(performance.now() - t0) }, 'checkpoint step');
  const dlq = work.cuts.flatMap((c) => c.dlq);
  const messages: OutMessage[] = dlq.map((d) =>
    dlqRecord(topics.dlq, d.message, { topic: d.side === 0 ? topics.calls : topics.complaints, partition: d.partition, offset: d.message.offset, error: d.error }),
  );
  await retryWrite(deps.outputs, 'kafka', () => deps.sink.send(messages), { what: 'produce DLQ records', signal, log, onError: (e) => deps.hooks.sinkError('kafka', e) });
  deps.hooks.dlq(dlq);
  step('produced');

  const rows = {
    flags: work.emitted.map((f) => flagRow(f)),
    numberMinute: work.cuts.flatMap((c) => c.rows.numberMinute),
    providerHour: work.cuts.flatMap((c) => c.rows.providerHour),
  };
  await retryWrite(deps.outputs, 'clickhouse', () => deps.writer.write(rows), {
    what: 'write ClickHouse rows',
    signal,
    log,
    onError: (e) => deps.hooks.sinkError('clickhouse', e),
    // A permanent error (table missing, type mismatch) waits for a person: back off further, keep the offsets uncommitted.
    maxMsFor: (e) => (classifyClickHouseError(e).permanent ? PERMANENT_BACKOFF_MS : undefined),
  });
  deps.hooks.sinkOk?.('clickhouse');
  step('written');
  givenUp(signal, 'marked');

  // Fenced: a partition another instance took meanwhile gets no mark (and so no commit below) from this one.
  const marked = new Set<number>();
  await Promise.all(
    work.cuts
      .filter((c) => deps.owns(c.partition))
      .map(async (c) => {
        const r = await deps.marks.save(c.partition, c.positions, deps.generation(c.partition));
        if (r === 'fenced') deps.hooks.fenced(c.partition, 'mark');
        else if (r) marked.add(c.partition);
        else deps.hooks.sinkError('redis', new Error('emitted mark not stored'));
      }),
  );
  step('marked');

  const offsets: PartitionOffset[] = [];
  for (const c of work.cuts) {
    if (!deps.owns(c.partition) || !deps.hasSnapshot(c.partition)) continue;
    offsets.push({ topic: topics.calls, partition: c.partition, offset: c.positions.calls });
    offsets.push({ topic: topics.complaints, partition: c.partition, offset: c.positions.complaints });
  }
  let committed = false;
  let commitError: string | undefined;
  let commitRefusedByGroup = false;
  givenUp(signal, 'committed');
  try {
    await deps.commit(offsets);
    committed = true;
  } catch (e) {
    commitError = (e as Error).message;
    commitRefusedByGroup = e instanceof CommitRefusedByGroup;
    deps.hooks.sinkError('commit', e);
    log.warn({ err: (e as Error).message, refusedByGroup: commitRefusedByGroup }, 'offset commit failed');
  }

  step('committed');
  const snapshotted = new Set<number>();
  for (const s of work.snapshots) {
    if (!deps.owns(s.partition)) continue;
    const t0 = performance.now();
    try {
      const bytes = await deps.snapshots.save(s, deps.generation(s.partition));
      if (bytes === 'fenced') deps.hooks.fenced(s.partition, 'snapshot');
      else if (bytes === false) deps.hooks.sinkError('redis', new Error('snapshot not stored'));
      else {
        snapshotted.add(s.partition);
        deps.hooks.snapshot(s.partition, bytes, performance.now() - t0);
      }
    } catch (e) {
      deps.hooks.sinkError('redis', e);
      log.warn({ err: (e as Error).message, partition: s.partition }, 'snapshot failed');
    }
  }
  step('snapshots');
  const unmarked = [...new Set(offsets.map((o) => o.partition))].filter((p) => !marked.has(p) && !snapshotted.has(p));
  const rowCount = rows.flags.length + rows.numberMinute.length + rows.providerHour.length;
  return { flags: work.emitted.length, dlq: dlq.length, rows: rowCount, committed, commitError, commitRefusedByGroup, unmarked };
}
