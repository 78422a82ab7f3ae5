/**
 * The pipeline's Prometheus figures taken from the tasks at each tick
 * (event counts by result as deltas, watermarks, tracked numbers), and the
 * DLQ reason labels.
 */
import type { DetectorState } from './detector-state.ts';
import { OUTPUTS } from './output-health.ts';

/** Per-tick metrics from the tasks: event counts by result (deltas), late events, re-emissions suppressed, watermarks, provider_hour calls waiting for the lane's word and the flags it has not decided, Redis state, outputs failing past the grace, tracked numbers. */
export function updateMetrics(st: DetectorState, now: number): void {
  const m = st.deps.metrics;
  const { topics } = st.deps.config;
  const names = [topics.calls, topics.complaints];
  for (const t of st.tasks.values()) {
    const prev = st.lastStats.get(t.partition);
    const s = t.stats;
    for (const side of [0, 1] as const) {
      const topic = names[side];
      const d = (k: 'accepted' | 'duplicate' | 'late' | 'invalid') => s[k][side] - (prev?.[k][side] ?? 0);
      for (const k of ['accepted', 'duplicate', 'late', 'invalid'] as const) {
        const v = d(k);
        if (v > 0) m.events.inc({ topic, result: k }, v);
      }
      const late = d('late');
      if (late > 0) m.late.inc({ topic }, late);
    }
    const sup = s.suppressed - (prev?.suppressed ?? 0);
    if (sup > 0) m.flagsDeduplicated.inc({ how: 'committed-offset' }, sup);
    st.lastStats.set(t.partition, { accepted: [...s.accepted], duplicate: [...s.duplicate], late: [...s.late], invalid: [...s.invalid], flags: s.flags, suppressed: s.suppressed });
    if (Number.isFinite(t.engine.watermark)) m.watermark.set({ partition: String(t.partition) }, t.engine.watermark);
  }
  let waiting = 0;
  let undecided = 0;
  for (const t of st.tasks.values()) {
    waiting += t.waitingCalls;
    undecided += t.undecidedFlags;
  }
  m.waitingCalls.set(waiting);
  m.undecidedFlags.set(undecided);
  m.redisUp.set(st.deps.redis.up ? 1 : 0);
  m.degraded.set(st.deps.redis.up ? 0 : 1);
  const failing = st.outputs.check(now);
  for (const sink of OUTPUTS) m.sinkFailing.set({ sink }, failing[sink] ? 1 : 0);
  if (now - st.statsAt >= 5_000) {
    st.statsAt = now;
    let tracked = 0;
    const bytes = { numbers: 0, index: 0, pairs: 0, dedup: 0, swarms: 0 };
    // The swarm table is one for all the partitions unless per-partition ones are configured: counted once.
    const shared = st.engineOpts().swarms;
    for (const t of st.tasks.values()) {
      tracked += t.engine.stats().trackedNumbers;
      const mem = t.engine.memory();
      bytes.numbers += mem.numbers;
      bytes.index += mem.index;
      bytes.pairs += mem.pairs;
      bytes.dedup += mem.dedup;
      if (!shared) bytes.swarms += mem.swarms;
    }
    if (shared && st.tasks.size > 0) bytes.swarms = shared.bytes;
    m.trackedNumbers.set(tracked);
    for (const [table, b] of Object.entries(bytes)) m.engineTableBytes.set({ table }, b);
  }
}

/** A metric label for a DLQ error message. */
export function dlqReason(error: string): string {
  if (error.startsWith('late:')) return 'late';
  if (error.startsWith('future:')) return 'future';
  if (error.startsWith('invalid:')) return 'invalid';
  if (error.startsWith('misrouted:')) return 'misrouted';
  // An id the registry does not know, or whose schema the detector cannot use (not Avro, or not buildable).
  if (error.startsWith('unknown schema') || error.startsWith('unusable schema')) return 'unknown-schema';
  return 'undecodable';
}
