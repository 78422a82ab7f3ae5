/**
 * Sending unusable consent records to the DLQ after a checkpoint, once
 * across all instances (see {@link flushConsentDlq}).
 */
import { dlqRecord } from './dlq-record.ts';
import type { DetectorState } from './detector-state.ts';
import { dlqReason } from './metrics-update.ts';

/**
 * Sends the unusable consent records of the consents partitions this
 * instance owns (partition q belongs to the owner of calls partition
 * q mod n) above their Redis mark, then raises the mark; forgets held
 * records that another owner's mark has passed. Without Redis nothing is
 * sent (no mark, so a restart would send again). A failed send is tried
 * again at the next checkpoint with the same messages array (the sink goes
 * on after the requests already acknowledged); a send whose mark was not
 * stored is not sent again, only its mark is stored. Rebalances: an owner
 * sends nothing for a partition it took less than `pendingGraceMs` ago (the
 * previous owner's send, checked against the fence before it began, has
 * landed and raised the mark by then), and checks its fence before each
 * send. A failed send counts as a failing Kafka write (/readyz, `_sink_failing`,
 * commits going on) until it goes through, or is no longer this instance's
 * to retry (settled by a mark, or its partition gone).
 */
export async function flushConsentDlq(st: DetectorState): Promise<void> {
  await send(st);
  for (const [p, due] of st.consentDlqFailing) if (!st.consentDlq.isOpen(due) || ownerOf(st, p) === null) settleFailing(st, p);
}

/** The calls partition whose owner sends consents partition `p`'s records, when that is this instance (and not fenced); else null. */
function ownerOf(st: DetectorState, p: number): number | null {
  if (st.partitions === 0) return null;
  const owner = p % st.partitions;
  return st.tasks.has(owner) && !st.fenced.has(owner) ? owner : null;
}

async function send(st: DetectorState): Promise<void> {
  const q = st.consentDlq;
  if (!st.deps.redis.up || st.partitions === 0) return;
  const { sink, consentDlqMarks: marks, metrics, config } = st.deps;
  if (q.dropped > 0) {
    st.log.error({ dropped: q.dropped }, 'too many unusable consent records held: the oldest were dropped without reaching the DLQ');
    metrics.sinkErrors.inc({ sink: 'kafka' }, q.dropped);
    q.dropped = 0;
  }
  const now = Date.now();
  for (const p of q.partitions()) {
    const owner = ownerOf(st, p);
    if (owner === null) continue;
    // A previous owner's send may still be in flight for up to the grace: its records land and its mark rises
    // meanwhile; only then is the mark read here (else both would send the same records).
    if (now - (st.acquiredAt.get(owner) ?? 0) < config.pendingGraceMs) continue;
    const gen = st.gens.get(owner);
    if (gen !== undefined) {
      const cur = await st.deps.fence.current(owner);
      if (cur === undefined) return;
      if (cur !== gen) {
        st.onFenced(owner, 'consent-dlq');
        continue;
      }
    }
    const mark = await marks.load(p);
    if (mark === undefined) return;
    const due = q.due(p, mark);
    if (due.entries.length === 0) {
      q.settle(p, mark); // sent before (by an earlier run or owner)
      if (due.upTo <= mark) continue;
    }
    // Built once per send: a retry (a later checkpoint, same mark) gets the same due and sends this same array, so
    // the sink goes on after the requests the broker already acknowledged (as the checkpoint's retry of the call
    // DLQ records does); a new array would be sent whole and its acknowledged part would land twice.
    due.messages ??= due.entries.map((e) => dlqRecord(config.topics.dlq, e.message, { topic: config.topics.consents, partition: e.partition, offset: e.message.offset, error: e.error }));
    if (!due.sent) {
      try {
        await sink.send(due.messages);
      } catch (e) {
        metrics.sinkErrors.inc({ sink: 'kafka' });
        st.outputs.failed(due, 'kafka', 'send unusable consent records to the DLQ', e, false);
        st.consentDlqFailing.set(p, due);
        st.log.warn({ err: (e as Error).message, partition: p }, 'unusable consent records not sent to the DLQ yet; trying again at the next checkpoint');
        return;
      }
      due.sent = true; // on the DLQ: if the mark is not stored now, the next checkpoint stores it without sending again
      settleFailing(st, p);
      for (const e of due.entries) metrics.dlq.inc({ topic: config.topics.consents, reason: dlqReason(e.error) });
    }
    if (await marks.save(p, due.upTo)) q.settle(p, due.upTo);
  }
  for (const p of q.heldPartitions()) {
    if (st.tasks.has(p % st.partitions)) continue;
    const mark = await marks.load(p);
    if (mark !== undefined) q.settle(p, mark);
  }
}

/** Partition `p`'s failed send no longer counts as a failing write. */
function settleFailing(st: DetectorState, p: number): void {
  const due = st.consentDlqFailing.get(p);
  if (due === undefined) return;
  st.outputs.settled(due);
  st.consentDlqFailing.delete(p);
}
