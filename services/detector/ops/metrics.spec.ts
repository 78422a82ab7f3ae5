import { describe, expect, it } from 'vitest';
import { DetectorMetrics } from './metrics.ts';

/** Samples of `name` in the registry's text, as `{labels} value` strings. */
async function samples(m: DetectorMetrics, name: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => l.slice(name.length));
}

describe('snapshot metrics', () => {
  it('count fresh and full snapshots apart, both kinds present from the start', async () => {
    const m = new DetectorMetrics();
    expect(await samples(m, 'callguard_detector_snapshot_seconds_count')).toEqual(['{kind="fresh"} 0', '{kind="full"} 0']);
    m.snapshotStored(0, 'fresh', 210, 0.002);
    m.snapshotStored(1, 'fresh', 212, 0.003);
    m.snapshotStored(0, 'full', 6_000_000, 0.3);
    expect(await samples(m, 'callguard_detector_snapshot_seconds_count')).toEqual(['{kind="fresh"} 2', '{kind="full"} 1']);
    expect(await samples(m, 'callguard_detector_snapshot_seconds_sum')).toEqual(['{kind="fresh"} 0.005', '{kind="full"} 0.3']);
  });

  it('keep one size per partition: the last stored snapshot, with its kind', async () => {
    const m = new DetectorMetrics();
    m.snapshotStored(0, 'fresh', 210, 0.002);
    m.snapshotStored(1, 'fresh', 212, 0.003);
    m.snapshotStored(0, 'full', 6_000_000, 0.3);
    expect((await samples(m, 'callguard_detector_snapshot_bytes')).sort()).toEqual(['{partition="0",kind="full"} 6000000', '{partition="1",kind="fresh"} 212']);
    m.snapshotStored(0, 'fresh', 205, 0.001); // restarted from empty state again (e.g. after a rebalance)
    expect((await samples(m, 'callguard_detector_snapshot_bytes')).sort()).toEqual(['{partition="0",kind="fresh"} 205', '{partition="1",kind="fresh"} 212']);
  });
});
