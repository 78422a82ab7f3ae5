/**
 * Time and flow: the 100 ms tick (merge releases, idle partitions' event
 * time, merge waits checked against the broker, flags handed on, the
 * checkpoint started every `flushMs`), pause/resume of each stream, and
 * backpressure (every partition paused while outputs waiting for a
 * checkpoint exceed `maxPending`).
 */
import type { DetectorState } from './detector-state.ts';
import { runCheckpointNow } from './checkpoint-runner.ts';
import type { Side } from './merge.ts';
import { updateMetrics } from './metrics-update.ts';
import type { PartitionTask } from './partition-task.ts';

/** A consumer without a fetch response for this long is not known to be caught up (kafkajs answers every maxWaitTime, 100 ms, when idle). */
const FETCH_FRESH_MS = 2_000;

/** Pauses or resumes both streams of partition `p` as the pipeline state wants them. */
export function syncPause(st: DetectorState, p: number): void {
  const { topics } = st.deps.config;
  const side = st.sidePaused.get(p) ?? [false, false];
  const names = [topics.calls, topics.complaints];
  for (const s of [0, 1] as const) {
    const want = st.stopping || st.paused || side[s] || !st.tasks.has(p);
    const key = `${names[s]}/${p}`;
    if ((st.pausedNow.get(key) ?? false) === want) continue;
    st.pausedNow.set(key, want);
    if (want) st.deps.source.pause(names[s], [p]);
    else st.deps.source.resume(names[s], [p]);
  }
}

/**
 * A stream whose merge queue grows (its partner is behind) is paused
 * until the partner catches up, so the partner is never starved by a
 * global pause while it is the one being waited for.
 */
export function checkHeld(st: DetectorState, task: PartitionTask): void {
  const limit = Math.max(10_000, Math.floor(st.deps.config.maxPending / 4));
  const side = st.sidePaused.get(task.partition) ?? [false, false];
  let changed = false;
  for (const s of [0, 1] as const) {
    const held = task.held(s);
    if (!side[s] && held > limit) {
      side[s] = true;
      changed = true;
    } else if (side[s] && held <= limit / 2) {
      side[s] = false;
      changed = true;
    }
  }
  if (changed) {
    st.sidePaused.set(task.partition, side);
    syncPause(st, task.partition);
  }
}

/**
 * What only the pipeline knows of a partition's lag: neither of its
 * streams is paused (backpressure, merge hold, stopping) and the consumer
 * has had a fetch response lately (not crashed, not cut off from the broker).
 */
function fetching(st: DetectorState, p: number, now: number): boolean {
  if (st.paused || st.stopping || !st.active.has(p)) return false;
  const { topics } = st.deps.config;
  if (st.pausedNow.get(`${topics.calls}/${p}`) !== false || st.pausedNow.get(`${topics.complaints}/${p}`) !== false) return false;
  return now - st.deps.source.lastFetchAt() <= FETCH_FRESH_MS;
}

/**
 * A merge that has waited `mergeHoldMs` for one stream asks the broker
 * whether that stream really has more input (its end offset beyond the
 * task's position); only a broker that says no lifts the wait. Broker
 * away or input really there: the wait goes on (lag, not late events).
 */
function checkBlocked(st: DetectorState, task: PartitionTask, now: number): void {
  const b = task.blocked();
  if (!b || st.stopping) return;
  const { mergeHoldMs, topics } = st.deps.config;
  const key = `${task.partition}/${b.side}`;
  const last = st.endChecks.get(key) ?? 0;
  if (now - b.since < mergeHoldMs || now - last < mergeHoldMs || last < 0) return;
  st.endChecks.set(key, -1); // in flight
  const topic = b.side === 0 ? topics.calls : topics.complaints;
  st.deps.source
    .offsets(topic)
    .then(
      (ends) => {
        const high = ends.get(task.partition)?.high;
        if (high !== undefined) st.barrier$.next({ k: 'end', partition: task.partition, side: b.side, high });
      },
      (e: unknown) => {
        st.deps.metrics.sinkErrors.inc({ sink: 'kafka-admin' });
        st.log.warn({ partition: task.partition, topic, err: (e as Error).message }, 'end offset of a waited-for stream not known; the merge keeps waiting');
      },
    )
    .finally(() => st.endChecks.set(key, Date.now()));
}

/** The broker's end offset of a waited-for stream: the merge wait is lifted only when nothing more is there. */
export function onEndOffset(st: DetectorState, p: number, side: Side, high: number): void {
  const task = st.tasks.get(p);
  if (!task || !task.blocked() || task.blocked()!.side !== side) return;
  if (task.expected(side) < high) {
    st.log.info({ partition: p, side, expected: task.expected(side), high }, 'merge waits for input that the broker has: not releasing the other stream');
    return;
  }
  task.setPending(side, false);
  const released = task.release(Date.now());
  st.log.info({ partition: p, side, high, released }, 'merge wait lifted: the broker has no more input on the waited-for stream');
  checkHeld(st, task);
  st.lane.push(task.takeFlags(), task.partition, task.takeLookups());
}

/** Every 100 ms: merge releases, idle event time, merge waits, flags handed on, metrics, backpressure, and the checkpoint when due. */
export function onTick(st: DetectorState): void {
  const now = Date.now();
  for (const t of st.tasks.values()) {
    t.release(now);
    t.advanceIdle(now, st.deps.config.idleMs, fetching(st, t.partition, now));
    checkBlocked(st, t, now);
    checkHeld(st, t);
    st.lane.push(t.takeFlags(), t.partition, t.takeLookups());
  }
  updateMetrics(st, now);
  applyBackpressure(st);
  if (!st.checkpoint && !st.stopping && !st.checkpointFailed && now - st.lastCheckpointAt >= st.deps.config.flushMs) {
    st.checkpoint = runCheckpointNow(st, false)
      .catch((e: unknown) => st.log.error({ err: (e as Error).message }, 'checkpoint failed'))
      .finally(() => {
        st.checkpoint = null;
        applyBackpressure(st);
      });
  }
}

/**
 * Outputs waiting for a checkpoint, provider_hour calls waiting for the flag
 * lane's word among them (see PartitionTask.pending); held inputs are
 * governed by {@link checkHeld}.
 */
function pendingOutputs(st: DetectorState): number {
  let n = 0;
  for (const t of st.tasks.values()) n += t.pending - t.held(0) - t.held(1);
  return n;
}

/** Pauses every partition while outputs waiting for a checkpoint exceed `maxPending`; resumes below half of it. */
export function applyBackpressure(st: DetectorState): void {
  if (st.stopping) return;
  const pending = pendingOutputs(st);
  st.deps.metrics.pending.set(pending);
  const max = st.deps.config.maxPending;
  if (!st.paused && pending > max) {
    st.paused = true;
    for (const p of st.active) syncPause(st, p);
    st.deps.metrics.paused.set(1);
    st.log.warn({ pending, max }, 'outputs lag: consumption paused');
  } else if (st.paused && pending <= max / 2) {
    st.paused = false;
    for (const p of st.active) syncPause(st, p);
    st.deps.metrics.paused.set(0);
    st.log.info({ pending }, 'consumption resumed');
  }
}
