/**
 * Partition ownership: what a (re)assignment by the group does — drop the
 * revoked partitions' tasks, fence and take the new ones (owner generation
 * first, then committed offsets, emitted marks and the stored snapshot),
 * build their tasks (restored or fresh), seek every stream to its task's
 * position — and the contact notes passed between this process's
 * partitions.
 */
import { createEngine, restoreEngine } from '../../../shared/engine/index.ts';
import { partitionOf } from '../kafka/partitioner.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import type { DetectorState } from './detector-state.ts';
import { syncPause } from './flow-control.ts';
import { PartitionTask, type TaskEngine } from './partition-task.ts';
import { retry } from './retry.ts';

/** A (re)assignment by the group: revoked tasks dropped, new partitions fenced and taken, every stream sought to its task's position. */
export async function onAssigned(st: DetectorState, assignment: Record<string, number[]>): Promise<void> {
  const { topics } = st.deps.config;
  const source = st.deps.source;
  const calls = new Set(assignment[topics.calls] ?? []);
  const complaints = new Set(assignment[topics.complaints] ?? []);
  for (const p of calls) if (!complaints.has(p)) st.log.error({ partition: p }, 'calls partition assigned without its complaints partition (another assigner in the group?)');
  const revoked = [...st.tasks.keys()].filter((p) => !calls.has(p));
  for (const p of revoked) drop(st, p);
  if (st.stopping) {
    // A stop under way takes nothing new: no fence taken from the member that will own the partition once this one
    // has left, no snapshot restored, no seek on a consumer that is closing. The revoked partitions are dropped, so
    // that the final checkpoint marks, commits and snapshots only what this member still owns.
    st.assigned = st.tasks.size > 0;
    st.deps.metrics.partitions.set(st.tasks.size);
    const ignored = [...calls].filter((p) => !st.tasks.has(p));
    st.log.info({ partitions: [...st.tasks.keys()].sort((a, b) => a - b), revoked, ignored }, 'partitions assigned during the stop: revoked ones dropped, new ones left to the next owner');
    return;
  }
  const fresh = [...calls].filter((p) => !st.tasks.has(p));
  for (const [topic, ps] of Object.entries(assignment)) for (const p of ps) st.pausedNow.set(`${topic}/${p}`, true); // the source paused them
  for (const p of st.tasks.keys()) {
    source.seek(topics.calls, p, st.tasks.get(p)!.expected(0));
    source.seek(topics.complaints, p, st.tasks.get(p)!.expected(1));
    syncPause(st, p);
  }
  if (fresh.length > 0) {
    // Fence first: from here on the previous owner's pending marks, marks and snapshots are refused, so what is
    // read below (committed offsets, emitted marks, snapshots) cannot move under this instance any more.
    for (const p of fresh) {
      const gen = await st.deps.fence.acquire(p);
      if (gen === undefined) st.log.warn({ partition: p }, 'redis unavailable: partition taken without an ownership fence (writes unfenced, degraded)');
      st.gens.set(p, gen);
      st.acquiredAt.set(p, Date.now());
      st.fenced.delete(p);
    }
    const signal = st.abort.signal;
    const opts = { signal, log: st.log, onError: () => st.deps.metrics.sinkErrors.inc({ sink: 'kafka-admin' }) };
    const [committedCalls, committedComplaints, endsCalls, endsComplaints] = await Promise.all([
      retry(() => source.committed(topics.calls), { what: 'read committed offsets', ...opts }),
      retry(() => source.committed(topics.complaints), { what: 'read committed offsets', ...opts }),
      retry(() => source.offsets(topics.calls), { what: 'read partition offsets', ...opts }),
      retry(() => source.offsets(topics.complaints), { what: 'read partition offsets', ...opts }),
    ]);
    for (const p of fresh) {
      const task = await createTask(st, p, {
        committed: { calls: committedCalls.get(p) ?? null, complaints: committedComplaints.get(p) ?? null },
        calls: endsCalls.get(p) ?? { low: 0, high: 0 },
        complaints: endsComplaints.get(p) ?? { low: 0, high: 0 },
      });
      st.tasks.set(p, task);
      task.setPending(0, task.expected(0) < (endsCalls.get(p)?.high ?? 0));
      task.setPending(1, task.expected(1) < (endsComplaints.get(p)?.high ?? 0));
      source.seek(topics.calls, p, task.expected(0));
      source.seek(topics.complaints, p, task.expected(1));
      st.lastSnapshotAt.set(p, Date.now());
    }
  }
  st.active.clear();
  for (const p of st.tasks.keys()) st.active.add(p);
  for (const p of fresh) syncPause(st, p);
  st.assigned = true;
  st.deps.metrics.partitions.set(st.tasks.size);
  st.log.info({ partitions: [...st.tasks.keys()].sort((a, b) => a - b), revoked, added: fresh }, 'partitions assigned');
}

/** Forgets partition `p` (revoked): its task and everything kept about it. */
function drop(st: DetectorState, p: number): void {
  const { topics } = st.deps.config;
  st.tasks.delete(p);
  st.gens.delete(p);
  st.acquiredAt.delete(p);
  st.fenced.delete(p);
  st.active.delete(p);
  st.lastStats.delete(p);
  st.sidePaused.delete(p);
  st.snapshotStored.delete(p);
  st.pausedNow.delete(`${topics.calls}/${p}`);
  st.pausedNow.delete(`${topics.complaints}/${p}`);
}

async function createTask(
  st: DetectorState,
  p: number,
  at: { committed: { calls: number | null; complaints: number | null }; calls: { low: number; high: number }; complaints: { low: number; high: number } },
): Promise<PartitionTask> {
  const { config } = st.deps;
  let snap: PartitionSnapshot | null | undefined;
  try {
    snap = await st.deps.snapshots.load(p);
  } catch (e) {
    st.log.error({ partition: p, err: (e as Error).message }, 'stored snapshot unreadable; starting the partition without it');
    snap = null;
  }
  const mark = await st.deps.marks.load(p);
  // Positions past the partition's end were taken on another log (see pastEnd): not used.
  const past = (pos: { calls: number | null; complaints: number | null }) => (pos.calls ?? 0) > at.calls.high || (pos.complaints ?? 0) > at.complaints.high;
  if (snap && past(snap.positions)) {
    pastEnd(st, p, 'stored snapshot', snap.positions, at, 'ignored; the partition starts with fresh state');
    snap = null;
  }
  if (mark && past(mark)) pastEnd(st, p, 'emitted mark', mark, at, 'ignored where past the end');
  if (past(at.committed)) pastEnd(st, p, 'committed offset', at.committed, at, 'the partition starts at its end');
  const committed = { calls: atMostEnd(at.committed.calls, at.calls), complaints: atMostEnd(at.committed.complaints, at.complaints) };
  const markOf = (m: number | undefined, r: { high: number }) => (m !== undefined && m <= r.high ? m : 0);
  const suppressBelow = {
    calls: Math.max(committed.calls ?? 0, markOf(mark?.calls, at.calls)),
    complaints: Math.max(committed.complaints ?? 0, markOf(mark?.complaints, at.complaints)),
  };
  const contact = st.partitions > 1 && config.contactNotes === 'local' ? contactRouter(st, p) : undefined;
  const base = { partition: p, suppressBelow, topics: { calls: config.topics.calls, complaints: config.topics.complaints }, contact };
  if (snap) {
    try {
      const positions = { calls: Math.max(snap.positions.calls, at.calls.low), complaints: Math.max(snap.positions.complaints, at.complaints.low) };
      if (positions.calls !== snap.positions.calls || positions.complaints !== snap.positions.complaints) {
        st.log.warn({ partition: p, snapshot: snap.positions, earliest: positions }, 'records after the snapshot were deleted by retention; counts skip them');
      }
      // The stored snapshot lies at or before every position this task will reach, so the partition's offsets may be
      // committed without taking a new one first (see checkpoint-runner.ts).
      st.snapshotStored.add(p);
      if (snap.engine === null) {
        // A fresh snapshot: the state at its positions is the empty one; start from there (with new epochs if retention moved them).
        const engine = createEngine(st.engineConfig, st.engineOpts());
        prime(st, engine);
        st.log.info({ partition: p, positions, committed: at.committed, takenAt: new Date(snap.takenAt).toISOString(), kind: 'fresh' }, 'partition restored from snapshot');
        return new PartitionTask({ ...base, engine, positions, epochs: positions, lastEventTime: null, fresh: true });
      }
      const engine = restoreEngine(st.engineConfig, snap.engine, st.engineOpts());
      prime(st, engine);
      st.log.info({ partition: p, positions, committed: at.committed, takenAt: new Date(snap.takenAt).toISOString(), kind: 'full' }, 'partition restored from snapshot');
      return new PartitionTask({ ...base, engine, positions, epochs: snap.epochs, aggregates: snap.aggregates, lastEventTime: snap.lastEventTime });
    } catch (e) {
      st.snapshotStored.delete(p);
      st.log.error({ partition: p, err: (e as Error).message }, 'snapshot does not fit this engine config; starting the partition without it');
    }
  } else if (snap === undefined) {
    st.deps.metrics.sinkErrors.inc({ sink: 'redis' });
    st.log.warn({ partition: p }, 'redis unavailable: partition starts without its snapshot (counts restart from the committed offset)');
  }
  const start = (c: number | null, r: { low: number; high: number }) => (c !== null ? Math.max(c, r.low) : config.kafka.fromBeginning ? r.low : r.high);
  const positions = { calls: start(committed.calls, at.calls), complaints: start(committed.complaints, at.complaints) };
  const engine = createEngine(st.engineConfig, st.engineOpts());
  prime(st, engine);
  st.log.info({ partition: p, positions, committed: at.committed }, 'partition starts with fresh state');
  return new PartitionTask({ ...base, engine, positions, epochs: positions, lastEventTime: null, fresh: true });
}

/**
 * A position past the partition's end was taken on another log: the topic
 * was deleted and re-created under its name, or an unclean leader election
 * truncated it. Sought there, kafkajs finds the offset out of range and
 * resets it, and batches.ts would drop every record below the position as
 * already read: input lost. So such a position is logged and not used.
 */
function pastEnd(
  st: DetectorState,
  p: number,
  what: string,
  positions: { calls: number | null; complaints: number | null },
  at: { calls: { high: number }; complaints: { high: number } },
  outcome: string,
): void {
  const end = { calls: at.calls.high, complaints: at.complaints.high };
  st.log.error({ partition: p, positions, end }, `${what} lies past the partition's end (topic re-created, or log truncated by an unclean leader election): ${outcome}`);
}

/** A committed offset, but not past the partition's end (see {@link pastEnd}). */
function atMostEnd(c: number | null, r: { high: number }): number | null {
  return c === null ? null : Math.min(c, r.high);
}

/**
 * Feeds the consents known to this instance into an engine, and makes its allowlist this instance's (Redis's):
 * a restored snapshot's allowlist is replaced, not added to, or a number removed from the set since the snapshot
 * was taken stayed allowlisted through every restart and rebalance (once Redis's has been read at all).
 */
function prime(st: DetectorState, engine: TaskEngine): void {
  for (const c of st.consents.all()) engine.onConsent(c);
  // Before the first read of Redis's allowlist (Redis away at the start), the snapshot's stays: see allowlistRead.
  if (st.allowlistRead) engine.setAllowlist(st.allowlist);
  else for (const n of st.allowlist) engine.allow(n);
}

/** Passes "callee was called by caller" to the engine of the callee's partition when it runs here. */
function contactRouter(st: DetectorState, p: number): (callee: string, caller: string, t: number) => void {
  const n = st.partitions;
  return (callee, caller, t) => {
    const q = partitionOf(callee, n);
    if (q !== p) st.tasks.get(q)?.engine.noteCallBack(callee, caller, t);
  };
}
