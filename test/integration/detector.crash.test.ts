/**
 * kill -9 of a detector in the middle of a stream, then a restart: no flag
 * lost, no flagId emitted twice, ClickHouse totals exact. Two partitions,
 * so that several engines are snapshotted and restored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import {
  byId,
  clickhouseTotals,
  committedCount,
  expectedTotals,
  prepareScenario,
  readFlags,
  waitForCommitted,
  type Fixture,
  type PreparedScenario,
  type Scenario,
} from './detector-harness.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 2;
// Small fetches and a low pending limit (backpressure) make the stream take long enough to be killed in its middle.
const ENV = {
  CALLGUARD_DETECTOR_CONTACT_NOTES: 'off',
  CALLGUARD_DETECTOR_CAMPAIGNS: 'partition',
  CALLGUARD_DETECTOR_FLUSH_MS: '200',
  CALLGUARD_DETECTOR_SNAPSHOT_MS: '500',
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '131072',
  CALLGUARD_DETECTOR_MAX_PENDING: '3000',
};

let sc: PreparedScenario;
let f: Fixture;
let s: Scenario;
let expected: FlagEvent[];

beforeAll(async () => {
  sc = await prepareScenario({ partitions: PARTITIONS, seed: 23, scale: 0.2, hours: 8, partitioned: true });
  ({ f, s, expected } = sc);
}, 240_000);

afterAll(() => sc?.dispose());

/** Calls committed so far by the group, over all partitions. */
const committedCalls = () => committedCount(f);

describe('a detector killed with SIGKILL mid-stream and restarted', () => {
  it('loses no flag, emits no flagId twice and leaves exact ClickHouse totals', async () => {
    expect(expected.length).toBeGreaterThan(50);
    const first = sc.start(ENV);
    const total = s.calls.length;
    await waitFor(async () => (await committedCalls()) >= total * 0.3, { what: '30% of the calls committed', timeoutMs: 120_000, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 300)); // anywhere in a checkpoint cycle
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const before = await committedCalls();
    expect(before).toBeLessThan(total); // really mid-stream
    const flagsBefore = (await readFlags(f)).length;

    const second = sc.start(ENV);
    await waitForCommitted(f);
    expect(second.logs.filter((l) => l.msg === 'partition restored from snapshot')).toHaveLength(PARTITIONS);

    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    expect(ids.length - new Set(ids).size).toBe(0); // no duplicates on the topic
    expect(flags.length).toBeGreaterThan(flagsBefore); // the restart did emit the rest
    expect(byId(flags)).toEqual(byId(expected)); // none lost, none different

    const want = expectedTotals(s);
    expect(await clickhouseTotals(f)).toEqual({ flags: expected.length, distinctFlags: expected.length, ...want, providerCalls: want.calls });
  });
});
