/**
 * Consumed batches of the calls and complaints streams: dropped when the
 * partition is not (or no longer) this instance's, re-sought when the fetch
 * came from beyond the task's position (records below it are dropped, and
 * counted when no seek explains them), else decoded (schemas fetched from
 * the registry first, retried while it is away), handed to the partition's
 * task and released through its event-time merge; the flags raised go to
 * the flag lane at once.
 */
import { callsFutureLimitMs } from '../config.ts';
import type { SourceBatch, SourceMessage } from '../kafka/source.ts';
import { RegistryUnavailableError } from '../kafka/codec.ts';
import type { DetectorState } from './detector-state.ts';
import { applyBackpressure, checkHeld } from './flow-control.ts';
import { decodeCalls, decodeComplaints, keyCheck, type KeyCheck } from './input.ts';
import type { Side } from './merge.ts';
import { retry } from './retry.ts';

/**
 * Most records released into the engine at a stretch (about 10-20 ms of
 * work). A fetch brings up to 2 MB a partition: run through at once, it
 * held the event loop for half a second and more, and with it every Redis
 * reply and produce acknowledgement the flag lane waited for, which is
 * where the flags' latency tail came from. Between slices the loop runs
 * I/O; nothing else of the pipeline runs (its work items are handled one
 * at a time), so the partition's state is as if the batch were one slice.
 */
export const RELEASE_SLICE = 2000;

/** Lets the event loop run pending I/O callbacks (setImmediate runs after the poll phase). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One consumed batch of calls or complaints: decoded, handed to its partition task and released through the merge. */
export async function onBatch(st: DetectorState, b: SourceBatch): Promise<void> {
  const { topics, maxFutureMs } = st.deps.config;
  const side: Side | -1 = b.topic === topics.calls ? 0 : b.topic === topics.complaints ? 1 : -1;
  const task = st.tasks.get(b.partition);
  if (side === -1 || !task || !st.active.has(b.partition)) return;
  const t0 = performance.now();
  const exp = task.expected(side);
  if (b.fetchedOffset > exp) {
    // A fetch from beyond where this task stands (stale position after a rebalance): go back.
    st.deps.source.seek(b.topic, b.partition, exp);
    return;
  }
  let msgs: SourceMessage[] = b.messages;
  if (msgs.length > 0 && msgs[0].offset < exp) {
    msgs = msgs.filter((m) => m.offset >= exp);
    if (!b.stale?.()) noteBelowPosition(st, b, exp, b.messages.length - msgs.length);
  }
  if (msgs.length > 0) await prepareSchemas(st, msgs);
  const now = Date.now();
  // Calls move the watermark: never accept one further ahead than half the lateness in force (config.ts).
  const callsFutureMs = callsFutureLimitMs(maxFutureMs, st.engineConfig.allowedLatenessMs);
  // Keys checked against the records' normalised numbers: misrouted ones to the DLQ, other forms counted.
  const keys = keyCheck(b.partition, st.partitions);
  const items = side === 0 ? decodeCalls(st.deps.codec, msgs, now, callsFutureMs, keys) : decodeComplaints(st.deps.codec, msgs, now, maxFutureMs, keys);
  if (keys.otherForm > 0) noteOtherFormKeys(st, b.topic, b.partition, keys);
  task.accept(side, items, b.lastOffset + 1, b.lastOffset + 1 < b.highWatermark);
  let released = 0;
  for (;;) {
    const n = task.release(now, RELEASE_SLICE);
    released += n;
    if (n < RELEASE_SLICE || !st.active.has(b.partition)) break;
    // A slice done: its flags leave, and the event loop gets a turn before the next one.
    st.lane.push(task.takeFlags(), task.partition, task.takeLookups());
    await yieldToEventLoop();
  }
  st.log.debug(
    { topic: b.topic, partition: b.partition, fetched: b.fetchedOffset, n: msgs.length, last: b.lastOffset, hw: b.highWatermark, released, held: [task.held(0), task.held(1)], blocked: task.blocked() },
    'batch',
  );
  const m = st.deps.metrics;
  m.lag.set({ topic: b.topic, partition: String(b.partition) }, Math.max(0, b.highWatermark - (b.lastOffset + 1)));
  m.batchSize.observe(b.messages.length);
  m.batchSeconds.observe({ topic: b.topic }, (performance.now() - t0) / 1000);
  checkHeld(st, task);
  st.lane.push(task.takeFlags(), task.partition, task.takeLookups());
  applyBackpressure(st);
}

/**
 * Records fetched below the task's position that no seek explains (a batch
 * fetched before a seek to the position is not counted: it was read
 * already). Kafka moved the fetch position back by itself: kafkajs reset an
 * offset out of range because the position lies past the partition's end
 * (its log truncated, the topic re-created; see ownership.ts pastEnd).
 * They are dropped unprocessed and not sent to the DLQ, so they are counted
 * and logged.
 */
function noteBelowPosition(st: DetectorState, b: SourceBatch, expected: number, n: number): void {
  st.deps.metrics.belowPosition.inc({ topic: b.topic, partition: String(b.partition) }, n);
  st.log.error(
    { topic: b.topic, partition: b.partition, fetched: b.fetchedOffset, expected, highWatermark: b.highWatermark, dropped: n },
    'records fetched below the partition\'s position dropped unprocessed (the fetch position moved back without a seek: is the position past the end of a truncated or re-created topic?); counted in callguard_detector_records_below_position_total',
  );
}

/** Records accepted with a key in another form than their normalised number: counted, and logged once per partition. */
function noteOtherFormKeys(st: DetectorState, topic: string, partition: number, keys: KeyCheck): void {
  st.deps.metrics.keyOtherForm.inc({ topic, partition: String(partition) }, keys.otherForm);
  const at = `${topic}/${partition}`;
  if (st.keyFormLogged.has(at)) return;
  st.keyFormLogged.add(at);
  st.log.warn(
    { topic, partition, key: keys.example?.key ?? null, number: keys.example?.number },
    'records keyed by another form of their number than the normalised one (accepted: they are on their number\'s partition; the contract keys by the normalised number, and keyed so elsewhere they go to the DLQ as misrouted); counted in callguard_detector_key_other_form_total, logged once per partition',
  );
}

/**
 * Fetches unknown schema ids; waits (retrying) while the registry is
 * unreachable, which holds the consumer back. An id the registry does not
 * know, or whose schema cannot be used (not Avro, or one the client cannot
 * build), is no reason to wait: its records go to the DLQ, and it is
 * logged once here.
 */
export async function prepareSchemas(st: DetectorState, msgs: SourceMessage[]): Promise<void> {
  const values = msgs.map((m) => m.value);
  const refused = await retry(() => st.deps.codec.prepare(values), {
    what: 'fetch schemas from the registry',
    signal: st.abort.signal,
    log: st.log,
    onError: (e) => {
      if (!(e instanceof RegistryUnavailableError)) st.log.error({ err: (e as Error).message }, 'unexpected schema fetch error');
    },
  });
  for (const r of refused ?? []) st.log.warn({ schemaId: r.id, err: r.error }, 'schema id cannot be used: its records go to the DLQ');
}
