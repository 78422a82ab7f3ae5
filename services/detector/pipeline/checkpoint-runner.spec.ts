import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { CommitRefusedByGroup, type PartitionOffset } from '../kafka/source.ts';
import { runCheckpointNow } from './checkpoint-runner.ts';
import type { DetectorState } from './detector-state.ts';
import { OutputHealth } from './output-health.ts';

/**
 * A detector state with no partitions, just enough for a checkpoint to run:
 * the flag lane's drain fails while `failing.drain` is set, and commits are
 * recorded.
 */
function state() {
  const commits: PartitionOffset[][] = [];
  const failing = { drain: false };
  const log = pino({ level: 'silent' });
  const st = {
    tasks: new Map(),
    lastCheckpointAt: 0,
    lastSnapshotAt: new Map(),
    snapshotStored: new Set(),
    fenced: new Set(),
    gens: new Map(),
    checkpointFailed: null,
    abort: new AbortController(),
    partitions: 0,
    consentDlqFailing: new Map(),
    log,
    outputs: new OutputHealth(10_000),
    lane: {
      push: () => {},
      drain: async () => {
        if (failing.drain) throw new Error('aborted: the stop deadline passed');
        return [];
      },
    },
    deps: {
      redis: { up: true },
      config: { snapshotMs: 60_000, topics: { calls: 'calls', complaints: 'complaints', flags: 'flags', dlq: 'dlq' } },
      sink: { send: async () => {} },
      marks: { save: async () => true },
      writer: { write: async () => {} },
      source: { commit: async (o: PartitionOffset[]) => void commits.push(o) },
      snapshots: { save: async () => 0 },
      metrics: { checkpointSeconds: { observe: () => {} } },
      log,
    },
  };
  return { st: st as unknown as DetectorState, commits, failing };
}

describe('runCheckpointNow', () => {
  it('commits at every checkpoint while they succeed', async () => {
    const { st, commits } = state();
    await runCheckpointNow(st, false);
    await runCheckpointNow(st, true);
    expect(commits).toHaveLength(2);
  });

  it('after a failed checkpoint, commits nothing more: the failed cut\'s outputs are lost, so a later commit would skip them', async () => {
    const { st, commits, failing } = state();
    await runCheckpointNow(st, false);
    failing.drain = true;
    await expect(runCheckpointNow(st, false)).rejects.toThrow(/aborted/);
    // The stop's final checkpoint, with the sinks answering again.
    failing.drain = false;
    await expect(runCheckpointNow(st, true)).rejects.toThrow(/an earlier checkpoint failed \(aborted: the stop deadline passed\): nothing more is committed/);
    expect(commits).toHaveLength(1);
    expect(st.checkpointFailed?.message).toMatch(/aborted/);
  });

  /** A state with partition 0 owned (snapshot stored) whose offset commit rejects with `error`. */
  function refusing(error: Error) {
    const { st } = state();
    const lines: Array<{ level: number; msg: string }> = [];
    const task = {
      partition: 0,
      cut: () => ({ partition: 0, flags: [], lookups: [], dlq: [], rows: { numberMinute: [], providerHour: [] }, positions: { calls: 5, complaints: 3 } }),
      takeProviderRows: () => [],
      snapshot: () => ({ partition: 0 }),
      freshSnapshot: () => null,
    };
    const s = st as unknown as { tasks: Map<number, unknown>; snapshotStored: Set<number>; deps: Record<string, unknown>; log: unknown };
    s.tasks.set(0, task);
    s.snapshotStored.add(0);
    s.log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    s.deps.source = {
      commit: async () => {
        throw error;
      },
    };
    const snapshotsSaved: number[] = [];
    s.deps.snapshots = { save: async (snap: { partition: number }) => (snapshotsSaved.push(snap.partition), 10) };
    s.deps.metrics = { checkpointSeconds: { observe: () => {} }, sinkErrors: { inc: () => {} }, snapshotStored: () => {} };
    return { st, lines, snapshotsSaved };
  }

  it('a final checkpoint whose offset commit fails rejects (the stop must not exit 0 with the input uncommitted); a periodic one leaves it to the next', async () => {
    const { st } = refusing(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    await runCheckpointNow(st, false);
    await expect(runCheckpointNow(st, true)).rejects.toThrow(/final offset commit failed: Connection error/);
  });

  it('a final commit the group refused (it moved on while this member stopped) is a hand-over: resolves, logs it, still stores the snapshots', async () => {
    const { st, lines, snapshotsSaved } = refusing(new CommitRefusedByGroup('Specified group generation id is not valid'));
    await runCheckpointNow(st, true);
    expect(st.checkpointFailed).toBeNull();
    expect(snapshotsSaved).toEqual([0]);
    const handOver = lines.find((l) => /final offset commit refused by the group/.test(l.msg));
    expect(handOver).toMatchObject({ err: 'Specified group generation id is not valid', partitions: [0] });
  });

  it('a refused final commit is no hand-over when Redis took neither the mark nor the final snapshot: the next owner could emit the flags again, so the stop fails', async () => {
    const { st } = refusing(new CommitRefusedByGroup('The group is rebalancing, so a rejoin is needed'));
    const s = st as unknown as { deps: Record<string, unknown> };
    s.deps.marks = { save: async () => false };
    s.deps.snapshots = { save: async () => false };
    await expect(runCheckpointNow(st, true)).rejects.toThrow(/refused by the group .* partitions 0 have neither their emitted mark nor their final snapshot stored/);
  });

  it('a refused final commit with the mark lost but the final snapshot stored is a hand-over (the next owner resumes at the cut)', async () => {
    const { st, snapshotsSaved } = refusing(new CommitRefusedByGroup('The group is rebalancing, so a rejoin is needed'));
    (st as unknown as { deps: Record<string, unknown> }).deps.marks = { save: async () => false };
    await runCheckpointNow(st, true);
    expect(snapshotsSaved).toEqual([0]);
  });

  it("writes, before its commit, the provider_hour rows its lane drain completed (calls below the cut that waited for the lane's word on flags)", async () => {
    const { st, commits } = state();
    const row = (calls: number, version: number) => ({ access_provider: 'X', hour: 0, src: 'calls/0', calls, flagged_calls: 1, flagged_numbers: 1, version });
    let decided = false;
    const steps: string[] = [];
    const task = {
      partition: 0,
      // At the cut, calls 5 to 9 wait for the lane's word on a flag raised by call 4: the row counts calls up to 4.
      cut: () => ({ partition: 0, flags: [], lookups: [], dlq: [], rows: { numberMinute: [], providerHour: [row(4, 4)] }, positions: { calls: 10, complaints: 0 } }),
      // What the word (during the drain) let the aggregates count.
      takeProviderRows: () => (decided ? [row(9, 9)] : []),
      snapshot: () => ({ partition: 0 }),
      freshSnapshot: () => null,
    };
    const s = st as unknown as { tasks: Map<number, unknown>; snapshotStored: Set<number>; lane: { drain: () => Promise<unknown[]> }; deps: Record<string, unknown> };
    s.tasks.set(0, task);
    s.snapshotStored.add(0);
    s.lane.drain = async () => ((decided = true), []);
    s.deps.writer = { write: async (rows: { providerHour: unknown[] }) => void steps.push(`write ${JSON.stringify(rows.providerHour.map((r) => (r as { calls: number }).calls))}`) };
    s.deps.source = { commit: async (o: PartitionOffset[]) => void (commits.push(o), steps.push('commit')) };
    s.deps.metrics = { checkpointSeconds: { observe: () => {} }, sinkErrors: { inc: () => {} }, snapshotStored: () => {} };
    await runCheckpointNow(st, false);
    expect(steps).toEqual(['write [4,9]', 'commit']);
  });

  it('takes no snapshot of a partition it is fenced off (still assigned), and writes none of its provider_hour rows: its owner writes its own', async () => {
    const { st, commits } = state();
    const copied: number[] = [];
    const written: string[][] = [];
    const row = (p: number) => ({ access_provider: 'X', hour: 0, src: `calls/${p}`, calls: 1, flagged_calls: 1, flagged_numbers: 1, version: 1 });
    const task = (p: number) => ({
      partition: p,
      cut: () => ({ partition: p, flags: [], lookups: [], dlq: [], rows: { numberMinute: [], providerHour: [row(p)] }, positions: { calls: 5, complaints: 0 } }),
      takeProviderRows: () => [row(p)],
      snapshot: () => (copied.push(p), { partition: p }),
      freshSnapshot: () => (copied.push(p), { partition: p }),
    });
    const s = st as unknown as { tasks: Map<number, unknown>; snapshotStored: Set<number>; fenced: Set<number>; deps: Record<string, unknown> };
    s.tasks.set(0, task(0));
    s.tasks.set(1, task(1));
    s.snapshotStored.add(0);
    s.snapshotStored.add(1);
    s.fenced.add(0); // another instance owns partition 0 now; the group has not taken it from this one yet
    s.deps.writer = { write: async (rows: { providerHour: { src: string }[] }) => void written.push(rows.providerHour.map((r) => r.src)) };
    s.deps.metrics = { checkpointSeconds: { observe: () => {} }, sinkErrors: { inc: () => {} }, snapshotStored: () => {} };
    await runCheckpointNow(st, false); // both snapshots due: the one taken is partition 1's
    await runCheckpointNow(st, true); // every snapshot at the end: partition 1's
    expect(copied).toEqual([1, 1]);
    expect(written).toEqual([
      ['calls/1', 'calls/1'],
      ['calls/1', 'calls/1'],
    ]);
    expect(commits.map((o) => o.map((x) => x.partition))).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });
});
