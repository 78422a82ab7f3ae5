/**
 * Starting a checkpoint: cut every task's outputs, take the due snapshot
 * (one partition per checkpoint; every partition at the end), drain the
 * flag lane, then make everything durable and commit (checkpoint.ts), and
 * send held consent DLQ records. ClickHouse errors that no retry cures are
 * made loud here (log, gauge, /readyz).
 */
import { classifyClickHouseError } from '../sinks/clickhouse-errors.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import { runCheckpoint, type CheckpointDeps } from './checkpoint.ts';
import { flushConsentDlq } from './consent-dlq-flush.ts';
import type { DetectorState } from './detector-state.ts';
import { dlqReason } from './metrics-update.ts';
import type { PartitionTask } from './partition-task.ts';

/**
 * Cuts every task's outputs (with snapshots when due, or all when `final`)
 * and makes them durable. Refuses (throws) once a checkpoint has failed:
 * the failed one's outputs were cut from the tasks and lost, so a later
 * commit would skip them (see `DetectorState.checkpointFailed`).
 */
export async function runCheckpointNow(st: DetectorState, final: boolean): Promise<void> {
  if (st.checkpointFailed) throw new Error(`an earlier checkpoint failed (${st.checkpointFailed.message}): nothing more is committed; uncommitted input is read again after a restart`);
  try {
    await checkpointNow(st, final);
  } catch (e) {
    st.checkpointFailed = e instanceof Error ? e : new Error(String(e));
    throw e;
  }
}

async function checkpointNow(st: DetectorState, final: boolean): Promise<void> {
  const now = Date.now();
  st.lastCheckpointAt = now;
  const cuts = [...st.tasks.values()].map((t) => t.cut());
  const snapshots: PartitionSnapshot[] = [];
  // A partition's offsets are not committed until it has a stored snapshot. One that started from the empty
  // state gets a fresh snapshot (no engine copy: nearly free), all in one checkpoint; its first full one is
  // due `snapshotMs` after it was taken. Full snapshots: one partition per checkpoint (the copy and compression
  // of an engine's state are not cheap), first those without any stored snapshot, then the most overdue;
  // every partition at the end.
  // Not of a partition this instance is fenced off (another instance owns it; the group has not taken it away
  // yet): such a snapshot could not be stored anyway (fenced write), and the copy would only cost time.
  const tasks = [...st.tasks.values()].filter((t) => owns(st, t.partition));
  const since = (t: PartitionTask) => st.lastSnapshotAt.get(t.partition) ?? 0;
  const freshParts = new Set<number>();
  let unsaved = tasks.filter((t) => !st.snapshotStored.has(t.partition)).sort((a, b) => since(a) - since(b));
  if (st.deps.redis.up && !final) {
    for (const t of unsaved) {
      const s = t.freshSnapshot(now);
      if (s === null) continue;
      snapshots.push(s);
      freshParts.add(t.partition);
    }
    unsaved = unsaved.filter((t) => !freshParts.has(t.partition));
  }
  const due = tasks.filter((t) => st.snapshotStored.has(t.partition) && now - since(t) >= st.deps.config.snapshotMs).sort((a, b) => since(a) - since(b));
  const take = !st.deps.redis.up ? [] : final ? tasks : [...unsaved, ...due].slice(0, 1); // no copies while they cannot be stored
  for (const t of take) {
    snapshots.push(t.snapshot(now));
    st.lastSnapshotAt.set(t.partition, now);
  }
  const t0 = performance.now();
  for (const c of cuts) st.lane.push(c.flags, c.partition, c.lookups);
  const emitted = await st.lane.drain();
  // The drain decided every flag raised before the cut, so the provider_hour calls below the cut that waited for
  // that word are counted now: their rows go with this checkpoint, before its commit. (They may count calls past
  // the cut too, processed meanwhile: rows are the same whenever written, see aggregates/provider-hour.ts.)
  for (const c of cuts) {
    const more = st.tasks.get(c.partition)?.takeProviderRows();
    if (more) c.rows.providerHour.push(...more);
    // A partition this instance no longer owns (fenced, or revoked meanwhile) writes no provider_hour rows: its
    // lane told its flags kept without deciding them (flag-lane.ts, decideFenced), and nothing of it is committed;
    // the owner recomputes those calls and writes its own rows, which these must not replace.
    if (!owns(st, c.partition)) c.rows.providerHour = [];
  }
  const done = await runCheckpoint({ cuts, emitted, snapshots }, checkpointDeps(st, freshParts));
  await flushConsentDlq(st);
  st.deps.metrics.checkpointSeconds.observe((performance.now() - t0) / 1000);
  // A periodic checkpoint leaves a failed commit to the next one; the final one has no next: the stop must fail,
  // unless the group refused the commit because it had moved the partitions on (a stop during a rebalance) and
  // every partition it was for has its mark or its final snapshot stored.
  if (final && !done.committed) {
    if (!done.commitRefusedByGroup) throw new Error(`the final offset commit failed: ${done.commitError ?? 'unknown error'}`);
    if (done.unmarked.length > 0) {
      throw new Error(
        `the final offset commit was refused by the group (${done.commitError ?? 'unknown error'}) and partitions ${done.unmarked.join(', ')} have neither their emitted mark nor their final snapshot stored (Redis unavailable): their next owner may emit this checkpoint's flags again`,
      );
    }
    handedOver(st, done.commitError, cuts.map((c) => c.partition).filter((p) => owns(st, p)));
  }
}

/**
 * The stop's final commit was refused by the group: it had moved on to a new generation (a member joined or left
 * while this one stopped) and the partitions are another member's to commit. With every output of the checkpoint
 * durable (flags, DLQ, rows) and each partition's emitted mark or final snapshot stored, that is a hand-over, not a
 * failure, as in Kafka's own consumer (a close during a rebalance) and Kafka Streams (a task migrated while
 * closing): the next owner resumes from the final snapshot, or from an older one or the last commit with the flags
 * below the mark suppressed; rows are the same whenever written, and only DLQ records of input read again may be
 * sent again (as after any re-read). A mark or snapshot the new owner's fence refused is that owner's, as in any
 * rebalance. The stop ends with exit 0; the refusal is logged and counted
 * (`callguard_detector_sink_errors_total{sink="commit"}`).
 */
function handedOver(st: DetectorState, error: string | undefined, partitions: number[]): void {
  st.log.warn(
    { err: error, partitions: partitions.sort((a, b) => a - b) },
    'final offset commit refused by the group (it moved on while this member stopped): the outputs are durable and each partition has its mark or final snapshot, so the next owner emits no flag twice',
  );
}

/** Whether this instance still owns partition `p` and is not fenced off it. */
function owns(st: DetectorState, p: number): boolean {
  return st.tasks.has(p) && !st.fenced.has(p);
}

/** The checkpoint's services and hooks; `fresh`: partitions whose snapshot in this checkpoint is a fresh one (`kind="fresh"` in the snapshot metrics). */
function checkpointDeps(st: DetectorState, fresh: ReadonlySet<number>): CheckpointDeps {
  const { config, sink, marks, writer, source, snapshots, metrics, log } = st.deps;
  return {
    sink,
    topics: config.topics,
    marks,
    writer,
    commit: (offsets) => source.commit(offsets),
    snapshots,
    owns: (p) => owns(st, p),
    generation: (p) => st.gens.get(p),
    // Without Redis there are no snapshots: commit anyway (degraded: a restart then starts those partitions afresh).
    hasSnapshot: (p) => st.snapshotStored.has(p) || !st.deps.redis.up,
    log,
    signal: st.abort.signal,
    outputs: st.outputs,
    hooks: {
      sinkError: (sink, err) => {
        metrics.sinkErrors.inc({ sink });
        if (sink === 'clickhouse') onClickHouseError(st, err);
      },
      sinkOk: () => onClickHouseOk(st),
      dlq: (entries) => {
        for (const d of entries) metrics.dlq.inc({ topic: d.side === 0 ? config.topics.calls : config.topics.complaints, reason: dlqReason(d.error) });
      },
      fenced: (p, what) => st.onFenced(p, what),
      snapshot: (p, bytes, ms) => {
        if (st.tasks.has(p)) st.snapshotStored.add(p);
        metrics.snapshotStored(p, fresh.has(p) ? 'fresh' : 'full', bytes, ms / 1000);
      },
    },
  };
}

/** A permanent ClickHouse error: loud (error log with the server's message, gauge, /readyz), retried with backoff. */
function onClickHouseError(st: DetectorState, err: unknown): void {
  const f = classifyClickHouseError(err);
  if (!f.permanent) return;
  const m = st.deps.metrics;
  m.sinkPermanentErrors.inc({ sink: 'clickhouse', code: String(f.code ?? '') });
  m.sinkBlocked.set({ sink: 'clickhouse' }, 1);
  st.chBlocked ??= { since: Date.now(), code: f.code, message: f.message };
  st.chBlocked.message = f.message;
  st.log.error(
    { sink: 'clickhouse', code: f.code, err: f.message, since: new Date(st.chBlocked.since).toISOString() },
    'ClickHouse refuses the rows with a permanent error: nothing is committed until it takes them (fix the cause); retrying with backoff',
  );
}

function onClickHouseOk(st: DetectorState): void {
  if (!st.chBlocked) return;
  st.log.info({ sink: 'clickhouse', blockedMs: Date.now() - st.chBlocked.since }, 'ClickHouse takes the rows again');
  st.chBlocked = null;
  st.deps.metrics.sinkBlocked.set({ sink: 'clickhouse' }, 0);
}
