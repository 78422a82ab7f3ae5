/**
 * An assignment that reaches the detector during its stop (the group
 * rebalanced while this member stopped): the revoked partitions are dropped,
 * so that the final checkpoint commits only what is still this member's, and
 * nothing new is taken — no fence from the member that will own the
 * partition, no snapshot restored, no seek on a consumer that is closing.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadDetectorConfig } from '../config.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { DetectorState, type DetectorDeps } from './detector-state.ts';
import { onAssigned } from './ownership.ts';

const loaded = loadDetectorConfig({});
if (!loaded.ok) throw new Error(loaded.errors.join('; '));
const config = loaded.config;
const { calls: CALLS, complaints: COMPLAINTS } = config.topics;
const both = (ps: number[]) => ({ [CALLS]: ps, [COMPLAINTS]: ps });

/** A detector state over fakes that record fences taken, snapshots loaded and seeks. */
function state() {
  const seen = { fenced: [] as number[], loaded: [] as number[], seeks: [] as string[] };
  const deps = {
    config,
    fence: { acquire: async (p: number) => (seen.fenced.push(p), 1) },
    source: {
      committed: async () => new Map([0, 1, 2].map((p) => [p, null])),
      offsets: async () => new Map([0, 1, 2].map((p) => [p, { low: 0, high: 10 }])),
      seek: (t: string, p: number, o: number) => void seen.seeks.push(`${t}/${p}@${o}`),
      pause: () => {},
      resume: () => {},
      lastFetchAt: () => Date.now(),
    },
    snapshots: { load: async (p: number) => (seen.loaded.push(p), null) },
    marks: { load: async () => null },
    metrics: new DetectorMetrics(),
    log: pino({ level: 'silent' }),
  };
  const st = new DetectorState(deps as unknown as DetectorDeps);
  st.partitions = 3;
  return { st, seen, metrics: deps.metrics };
}

describe('onAssigned', () => {
  it('takes the new partitions and drops the revoked ones while running', async () => {
    const { st, seen } = state();
    await onAssigned(st, both([0, 1]));
    await onAssigned(st, both([1, 2]));
    expect([...st.tasks.keys()].sort()).toEqual([1, 2]);
    expect(seen.fenced).toEqual([0, 1, 2]);
    expect(seen.loaded).toEqual([0, 1, 2]);
  });

  it('during a stop drops the revoked partitions and takes no new one: no fence, no snapshot, no seek', async () => {
    const { st, seen, metrics } = state();
    await onAssigned(st, both([0, 1]));
    const before = { ...seen, fenced: [...seen.fenced], loaded: [...seen.loaded], seeks: [...seen.seeks] };
    st.stopping = true;
    await onAssigned(st, both([1, 2]));
    expect([...st.tasks.keys()]).toEqual([1]);
    expect(st.gens.has(0)).toBe(false);
    expect(st.active.has(0)).toBe(false);
    expect(seen.fenced).toEqual(before.fenced);
    expect(seen.loaded).toEqual(before.loaded);
    expect(seen.seeks).toEqual(before.seeks);
    expect((await metrics.registry.getSingleMetric('callguard_detector_assigned_partitions')?.get())?.values[0]?.value).toBe(1);
  });

  it('during a stop, an assignment of nothing leaves no partition and reports none assigned', async () => {
    const { st } = state();
    await onAssigned(st, both([0, 1]));
    st.stopping = true;
    await onAssigned(st, both([]));
    expect(st.tasks.size).toBe(0);
    expect(st.assigned).toBe(false);
  });
});
