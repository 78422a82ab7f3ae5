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
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import { byId, clickhouseTotals, committedCount, metric, ops, PER_PARTITION_ENV, readFlags, replayTotals, ROOT, waitForCommitted, type DetectorProcess } from './detector-harness.ts';
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

const LOADED_AT = Date.now();

/**
 * Sources (shared/, services/, specs aside) changed since this file was loaded. Each detector runs the sources
 * as they are when it starts, replay's oracle as they were before the first one: in a checkout someone is editing
 * meanwhile, the restart can run another engine than the killed detector, and then derives other flags (the
 * held-back count and the flags differ from the oracle's although the detector did nothing wrong). Named in the
 * failure messages; a fresh clone (CI) is not affected.
 */
function sourcesChanged(): string[] {
  const out: string[] = [];
  for (const dir of ['shared', 'services']) {
    for (const rel of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (rel.endsWith('.ts') && !rel.endsWith('.spec.ts') && statSync(join(ROOT, dir, rel)).mtimeMs > LOADED_AT) out.push(`${dir}/${rel}`);
    }
  }
  return out;
}

/** For a failed "held back" count: changed sources, how the restart held flags back, flagIds on the topic twice, killed flags replay does not have, the restart's pending/settle/Redis logs. */
function heldDiagnosis(metrics: string, flags: FlagEvent[], killed: FlagEvent[], readAfterKill: number, expected: FlagEvent[], restart: DetectorProcess, changed: string[]): string {
  const counters = metrics.split('\n').filter((l) => /^callguard_detector_(flags_deduplicated_total|pending_wait)/.test(l));
  const ids = flags.map((x) => x.flagId);
  const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const known = new Set(expected.map((x) => x.flagId));
  const unknown = killed.filter((x) => !known.has(x.flagId)).map((x) => x.flagId);
  const logs = restart.logs.filter((l) => typeof l.msg === 'string' && /pending|settled|dropped|redis/.test(l.msg));
  return `${killed.length} flags of the killed detector on the topic (${readAfterKill} read right after the kill); sources changed during the run: ${JSON.stringify(changed)}; restart: ${counters.join('; ')}; flagIds twice on the topic: ${JSON.stringify(twice)}; killed detector's flags replay does not have: ${JSON.stringify(unknown)}; restart logs: ${logs.map((l) => JSON.stringify(l)).join(' ')}`;
}

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
    const diedAt = Date.now();
    // What the killed detector had stored: in the fresh variant only the fresh snapshots, nothing full.
    expect(storedAs(m, kind)).toHaveLength(PARTITIONS);
    expect(metric(m, 'callguard_detector_snapshot_seconds_count', { kind: 'fresh' })).toBe(PARTITIONS);
    if (kind === 'fresh') expect(metric(m, 'callguard_detector_snapshot_seconds_count', { kind: 'full' })).toBe(0);
    const before = await committedCount(f);
    expect(before).toBeLessThan(total); // really mid-stream
    // A lower bound only: a produce the killed process had already written to the broker is appended when the broker
    // gets to it, which on a loaded machine can be after this read (the killed detector's flags are counted below).
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
    }

    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    // The killed detector's flags: the records on the topic raised before it died (emittedAt is the raising process's
    // wall clock; the restart raises its own flags after it started). Counted once the restart is done, so that a
    // produce the killed process had in flight and the broker appended only after the kill counts as well: the
    // restart finds it on the topic and holds it back.
    const killed = flags.filter((x) => x.emittedAt < diedAt);
    const changed = sourcesChanged();
    expect(killed.length).toBeGreaterThanOrEqual(flagsBefore);
    if (kind === 'fresh') {
      // Every flag the killed detector had emitted was found again and held back (below the committed offsets, or by its mark).
      const secondPort = await second.port();
      const metrics = async () => (await ops(secondPort, '/metrics')).body;
      const held = async () => metric(await metrics(), 'callguard_detector_flags_deduplicated_total');
      await waitFor(async () => (await held()) >= killed.length, { what: 'the earlier flags held back', timeoutMs: 10_000 }).catch(() => {});
      const text = await metrics();
      const n = metric(text, 'callguard_detector_flags_deduplicated_total');
      expect(n, n === killed.length ? undefined : heldDiagnosis(text, flags, killed, flagsBefore, expected, second, changed)).toBe(killed.length);
    }
    expect(ids.length - new Set(ids).size).toBe(0); // no duplicates on the topic
    expect(flags.length).toBeGreaterThan(killed.length); // the restart did emit the rest
    expect(byId(flags), changed.length > 0 ? `sources changed during the run: ${JSON.stringify(changed)}` : undefined).toEqual(byId(expected)); // none lost, none different

    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
  }, 360_000); // its own waits (120 s for the flags, the restart's catch-up) name what they waited for; the default 120 s would cut them short unnamed
});
