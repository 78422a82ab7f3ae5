/**
 * Two detector instances in one consumer group split the partitions (the
 * co-partitioned assigner keeps calls p and complaints p together) and
 * together emit exactly the flags of one detector over all partitions
 * (= replay per partition), with exact ClickHouse totals, across the
 * rebalance that happens when the second one joins.
 */
import { describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, PER_PARTITION_ENV, readFlags, replayTotals, waitForCommitted, type DetectorProcess } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 4;
const ENV = { ...PER_PARTITION_ENV, CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '262144' };

const sc = scenarioSuite({ partitions: PARTITIONS, seed: 31, scale: 0.2, hours: 8, partitioned: true }, { timeoutMs: 240_000 });

const lastAssignment = (d: DetectorProcess) => d.logs.filter((l) => l.msg === 'partitions assigned').at(-1)?.partitions as number[] | undefined;

describe('two detectors in one group', () => {
  it('split the partitions and together emit the flags of one, with exact totals', async () => {
    const { f, s, expected } = sc;
    const a = sc.start(ENV);
    const b = sc.start(ENV);
    await waitFor(() => lastAssignment(a)?.length === 2 && lastAssignment(b)?.length === 2, { what: 'both instances to own two partitions', timeoutMs: 60_000 });
    expect([...lastAssignment(a)!, ...lastAssignment(b)!].sort()).toEqual([0, 1, 2, 3]);
    await waitForCommitted(f);

    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    expect(ids.length - new Set(ids).size).toBe(0);
    expect(byId(flags)).toEqual(byId(expected));
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));

    // Both did part of the work, and both stop cleanly.
    for (const d of [a, b]) expect(d.logs.some((l) => l.msg === 'partitions assigned' && (l.added as number[]).length > 0)).toBe(true);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  });
});
