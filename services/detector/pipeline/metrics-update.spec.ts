import { describe, expect, it } from 'vitest';
import { DetectorMetrics } from '../ops/metrics.ts';
import type { DetectorState } from './detector-state.ts';
import { updateMetrics } from './metrics-update.ts';
import { OutputHealth } from './output-health.ts';

/** One sample's value in the registry's text. */
async function value(m: DetectorMetrics, name: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('updateMetrics', () => {
  it("gauges the provider_hour calls waiting for the flag lane's word and the flags it has not decided, over every task", async () => {
    const metrics = new DetectorMetrics();
    const stats = { accepted: [0, 0], duplicate: [0, 0], late: [0, 0], invalid: [0, 0], flags: 0, suppressed: 0 };
    const task = (partition: number, waitingCalls: number, undecidedFlags: number) => ({ partition, stats, engine: { watermark: 0 }, waitingCalls, undecidedFlags });
    const now = Date.now();
    const st = {
      tasks: new Map([
        [0, task(0, 120, 2)],
        [1, task(1, 5, 1)],
      ]),
      lastStats: new Map(),
      statsAt: now, // the every-5-s engine figures are not due
      outputs: new OutputHealth(10_000),
      deps: { metrics, redis: { up: true }, config: { topics: { calls: 'calls', complaints: 'complaints' } } },
    } as unknown as DetectorState;
    updateMetrics(st, now);
    expect(await value(metrics, 'callguard_detector_provider_hour_waiting_calls')).toBe(125);
    expect(await value(metrics, 'callguard_detector_undecided_flags')).toBe(3);
    st.tasks.delete(0);
    updateMetrics(st, now);
    expect(await value(metrics, 'callguard_detector_provider_hour_waiting_calls')).toBe(5);
    expect(await value(metrics, 'callguard_detector_undecided_flags')).toBe(1);
  });
});
