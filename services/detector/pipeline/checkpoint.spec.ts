import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import type { EmittedMarks, SnapshotStore } from '../state/stores.ts';
import { runCheckpoint, type CheckpointDeps, type CheckpointWork } from './checkpoint.ts';
import { OutputHealth } from './output-health.ts';
import { RetryAbortedError } from './retry.ts';

const flag = { flagId: 'f1', number: '+8613800000001', severity: 'LABEL', score: 60, reasons: [], windowStart: 0, windowEnd: 1, detectedAt: 1, emittedAt: 1, evidence: {} } as unknown as FlagEvent;

/** One partition's cut with one emitted flag; `steps` records the order of the durable writes. */
function setup(opts: { rowsFail?: boolean } = {}) {
  const steps: string[] = [];
  const abort = new AbortController();
  const deps: CheckpointDeps = {
    sink: { send: async () => void steps.push('dlq'), close: async () => {} },
    topics: { calls: 'c', complaints: 'r', flags: 'f', dlq: 'd' },
    marks: { save: async () => void steps.push('mark') } as unknown as EmittedMarks,
    writer: {
      write: async () => {
        if (opts.rowsFail) {
          steps.push('rows failed');
          abort.abort(); // the process dies (or shuts down) while ClickHouse refuses
          throw new Error('ClickHouse down');
        }
        steps.push('rows');
      },
    },
    commit: async () => void steps.push('commit'),
    snapshots: { save: async () => (steps.push('snapshot'), 10) } as unknown as SnapshotStore,
    owns: () => true,
    generation: () => undefined,
    hasSnapshot: () => true,
    log: pino({ level: 'silent' }),
    signal: abort.signal,
    hooks: { sinkError: () => {}, dlq: () => {}, snapshot: () => {}, fenced: () => {} },
    outputs: new OutputHealth(10_000),
  };
  const work: CheckpointWork = {
    cuts: [{ partition: 0, flags: [flag], lookups: [], dlq: [], rows: { numberMinute: [], providerHour: [] }, positions: { calls: 10, complaints: 0 } }],
    emitted: [flag],
    snapshots: [],
  };
  return { steps, deps, work };
}

describe('runCheckpoint', () => {
  it('writes the rows before the partition mark, and commits last', async () => {
    const { steps, deps, work } = setup();
    const r = await runCheckpoint(work, deps);
    expect(steps).toEqual(['dlq', 'rows', 'mark', 'commit']);
    expect(r).toMatchObject({ flags: 1, committed: true });
  });

  it('stores no mark when the rows never land: a restart must see the flags again to write their rows', async () => {
    const { steps, deps, work } = setup({ rowsFail: true });
    await expect(runCheckpoint(work, deps)).rejects.toBeInstanceOf(RetryAbortedError);
    expect(steps).toEqual(['dlq', 'rows failed']);
  });
});
