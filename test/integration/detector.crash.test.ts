/**
 * kill -9 of a detector in the middle of a stream, once it has emitted
 * some flags, then a restart: no flag lost, no flagId emitted twice,
 * ClickHouse totals exact. Two partitions, so that several engines are
 * snapshotted and restored.
 *
 * Run twice, once per kind of stored snapshot the restart finds (see
 * "State and snapshots" in docs/detector.md):
 * - `full`: SNAPSHOT_MS 500, the kill comes after every partition has
 *   stored a full snapshot; the restart restores the engines' state and
 *   reads on from the snapshots' positions;
 * - `fresh`: SNAPSHOT_MS 10 minutes, the kill comes before any full
 *   snapshot; the restart finds only the fresh snapshots, starts empty
 *   engines and reads every partition again from its start offsets, with
 *   the flags below the committed offsets already emitted.
 */
import { describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, committedCount, metric, ops, PER_PARTITION_ENV, readFlags, replayTotals, waitForCommitted } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 2;
// Small fetches and the lowest pending limit (backpressure: about 1,000 records per checkpoint) make the stream take
// long enough to be killed in its middle (about 6 s here; its flags come in the last 2 s).
const ENV = {
  ...PER_PARTITION_ENV,
  CALLGUARD_DETECTOR_FLUSH_MS: '400',
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '16384',
  CALLGUARD_DETECTOR_MAX_PENDING: '1000',
};

const VARIANTS = [
  { kind: 'full', snapshotMs: 500 },
  { kind: 'fresh', snapshotMs: 600_000 },
] as const;

/** Partitions whose last stored snapshot (per the detector's /metrics text `m`) is of `kind`. */
const storedAs = (m: string, kind: string) => Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => metric(m, 'callguard_detector_snapshot_bytes', { partition: String(p), kind }) > 0);

describe.each(VARIANTS)('a detector killed with SIGKILL mid-stream with $kind snapshots stored, and restarted', ({ kind, snapshotMs }) => {
  const sc = scenarioSuite({ partitions: PARTITIONS, seed: 23, scale: 0.2, hours: 8, partitioned: true }, { timeoutMs: 240_000 });

  it('loses no flag, emits no flagId twice and leaves exact ClickHouse totals', async () => {
    const { f, s, expected } = sc;
    const env = { ...ENV, CALLGUARD_DETECTOR_SNAPSHOT_MS: String(snapshotMs) };
    expect(expected.length).toBeGreaterThan(50);
    const first = sc.start(env);
    const port = await first.port();
    const metricsText = async () => (await ops(port, '/metrics')).body;
    const total = s.calls.length;
    // The scenario's flags come late in its traffic (after about three quarters of the calls, within 2 s here): killed
    // only once some are on the topic, so that the restart has flags it must not emit again.
    const ready = (m: string) => metric(m, 'callguard_detector_flags_total') >= expected.length * 0.05 && (kind === 'fresh' || storedAs(m, 'full').length === PARTITIONS);
    await waitFor(async () => ready(await metricsText()), {
      what: `5% of the flags emitted${kind === 'full' ? ' and a full snapshot of every partition stored' : ''}`,
      timeoutMs: 120_000,
      intervalMs: 50,
    });
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 300)); // anywhere in a checkpoint cycle
    const m = await metricsText();
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    // What the killed detector had stored: in the fresh variant only the fresh snapshots, nothing full.
    expect(storedAs(m, kind)).toHaveLength(PARTITIONS);
    expect(metric(m, 'callguard_detector_snapshot_seconds_count', { kind: 'fresh' })).toBe(PARTITIONS);
    if (kind === 'fresh') expect(metric(m, 'callguard_detector_snapshot_seconds_count', { kind: 'full' })).toBe(0);
    const before = await committedCount(f);
    expect(before).toBeLessThan(total); // really mid-stream
    const flagsBefore = (await readFlags(f)).length;
    expect(flagsBefore).toBeGreaterThan(0);

    const second = sc.start(env);
    await waitForCommitted(f);
    const restored = second.logs.filter((l) => l.msg === 'partition restored from snapshot');
    expect(restored.map((l) => l.kind)).toEqual(Array(PARTITIONS).fill(kind));
    if (kind === 'fresh') {
      // Read again from the start offsets, although offsets had been committed (flags below them are not emitted again).
      for (const l of restored) expect((l.positions as { calls: number }).calls).toBe(0);
      expect(restored.some((l) => ((l.committed as { calls: number | null }).calls ?? 0) > 0)).toBe(true);
      // Every flag the killed detector had emitted was found again and held back (below the committed offsets, or by its mark).
      const secondPort = await second.port();
      const held = async () => metric((await ops(secondPort, '/metrics')).body, 'callguard_detector_flags_deduplicated_total');
      await waitFor(async () => (await held()) >= flagsBefore, { what: 'the earlier flags held back', timeoutMs: 10_000 }).catch(() => {});
      expect(await held()).toBe(flagsBefore);
    }

    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    expect(ids.length - new Set(ids).size).toBe(0); // no duplicates on the topic
    expect(flags.length).toBeGreaterThan(flagsBefore); // the restart did emit the rest
    expect(byId(flags)).toEqual(byId(expected)); // none lost, none different

    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
  });
});
