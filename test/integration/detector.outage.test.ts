/**
 * A ClickHouse outage of some seconds in the middle of a stream: the
 * detector keeps its offsets where its outputs are durable (no commit while
 * ClickHouse is away), retries, pauses its input when outputs pile up, and
 * when ClickHouse is back it finishes with exactly replay's flags and exact
 * totals. /readyz says `degraded` (the ClickHouse output failing for longer
 * than the grace, 1 s here) while /healthz stays 200, and ready again after. Calls only (the second half is produced live, during the outage;
 * live complaints would be merged in arrival order, not replay's). The outage is real: a ClickHouse server is stopped and
 * started again, a private one (helpers/private-clickhouse.ts: the stack's binary and config code, its own ports and
 * temporary folder) holding this test's database, so the test does not depend on who owns the shared ClickHouse (a
 * stack that `npm test` reuses was not started by this checkout, and `stack down` would not stop it) and never stops
 * it under other tests or users. Kafka, the registry and Redis are the stack's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import {
  byId,
  clickhouseTotals,
  committedCount,
  expectedTotals,
  metric,
  ops,
  prepareScenario,
  produce,
  readFlags,
  waitForCommitted,
  waitForLog,
  type Fixture,
  type PreparedScenario,
  type Scenario,
} from './detector-harness.ts';
import { startPrivateClickHouse, type PrivateClickHouse } from './helpers/private-clickhouse.ts';
import { waitFor } from './helpers/wait.ts';

// A 1 s output grace (default 10 s): the outage below lasts some seconds, and /readyz must say so within it.
const ENV = { CALLGUARD_DETECTOR_MAX_PENDING: '3000', CALLGUARD_DETECTOR_FLUSH_MS: '200', CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: '1000' };

let sc: PreparedScenario;
let f: Fixture;
let s: Scenario;
let expected: FlagEvent[];
let clickhouse: PrivateClickHouse | undefined;

/** Where the calls are split: the first half is produced before the outage, the second during it. */
const half = (x: Scenario = s) => Math.floor(x.calls.length / 2);
/** The second half is produced in two parts: 2,000 calls, then (once a checkpoint has failed) the rest. */
const mid = () => half() + 2_000;

beforeAll(async () => {
  clickhouse = await startPrivateClickHouse();
  sc = await prepareScenario({
    clickhouseUrl: clickhouse.url,
    partitions: 1,
    // 12 h at scale 0.1: the first half of the calls already raises flags
    // (about 180 of 280), so flags and their rows are durable before the outage.
    // (8 h at 0.2 raised one flag, then none, in the first half: its day starts late.)
    seed: 41,
    scale: 0.1,
    hours: 12,
    complaints: false,
    produce: (x) => ({ consents: x.consents, calls: x.calls.slice(0, half(x)) }),
  });
  ({ f, s, expected } = sc);
}, 240_000);

afterAll(async () => {
  // The fixture's database goes with the server's folder: no restart needed for it when the test stopped midway.
  await sc?.dispose();
  await clickhouse?.destroy();
}, 120_000);

/** Calls committed so far by the group (one partition). */
const committedCalls = () => committedCount(f);

/** Flags on the topic so far. */
async function expectedFlagsSoFar(): Promise<number> {
  return (await readFlags(f)).length;
}

describe('a ClickHouse outage mid-stream', () => {
  it('commits nothing while ClickHouse is away and ends with exact flags and totals', async () => {
    const det = sc.start(ENV);
    const port = await det.port();
    await waitForCommitted(f);
    expect(await expectedFlagsSoFar()).toBeGreaterThan(0);

    await clickhouse!.stop();
    expect(clickhouse!.running).toBe(false);
    // A first slice, until a checkpoint holding its rows fails and retries
    // (one checkpoint runs at a time, so nothing else is cut meanwhile)…
    await produce(f, { calls: s.calls.slice(half(), mid()) });
    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_errors_total', { sink: 'clickhouse' }) > 0, {
      what: 'the detector to meet the outage',
      timeoutMs: 30_000,
    });
    // …then the rest, far more than MAX_PENDING: outputs pile up behind it and input must pause.
    await produce(f, { calls: s.calls.slice(mid()) });
    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_paused') === 1, {
      what: 'input paused while outputs pile up',
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await committedCalls()).toBe(half()); // nothing committed without durable rows
    const during = (await ops(port, '/metrics')).body;
    expect(metric(during, 'callguard_detector_events_total', { result: 'accepted' })).toBeGreaterThan(half() + 3_000); // detection went on
    expect(metric(during, 'callguard_detector_paused')).toBe(1); // still paused: ClickHouse is away
    expect((await ops(port, '/healthz')).status).toBe(200);
    // Alive, but not ready: the rows have been failing for longer than the grace (retried, nothing committed).
    const readyz = await ops(port, '/readyz');
    expect(readyz.status).toBe(503);
    const r = JSON.parse(readyz.body) as { status: string; checks: Record<string, boolean>; error?: string };
    expect(r).toMatchObject({ status: 'degraded', checks: { clickhouseOutput: false, kafkaOutput: true, clickhouse: true, redis: true } });
    expect(r.error).toMatch(/^ClickHouse output failing for \d+ s \(write ClickHouse rows; retried, nothing committed meanwhile\): /);
    expect(metric(during, 'callguard_detector_sink_failing', { sink: 'clickhouse' })).toBe(1);
    expect(metric(during, 'callguard_detector_sink_failing', { sink: 'kafka' })).toBe(0);

    await clickhouse!.start();
    await waitForCommitted(f);
    // Ready again by itself once the rows go through (the gauge follows at the next tick).
    await waitFor(async () => (await ops(port, '/readyz')).status === 200, { what: '/readyz ready again after the outage', timeoutMs: 10_000 });
    await waitFor(async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_failing', { sink: 'clickhouse' }) === 0, {
      what: 'the sink_failing gauge back to 0',
      timeoutMs: 10_000,
    });

    const flags = await readFlags(f);
    expect(flags.length).toBe(new Set(flags.map((x) => x.flagId)).size);
    expect(byId(flags)).toEqual(byId(expected));
    const want = expectedTotals(s);
    expect(await clickhouseTotals(f)).toEqual({ flags: expected.length, distinctFlags: expected.length, ...want, providerCalls: want.calls });
    // Logged before the commit waited for above, but written asynchronously: it can reach the pipe after the commit is seen.
    await waitForLog(det, (l) => l.msg === 'recovered' && l.what === 'write ClickHouse rows', "the recovery of the ClickHouse writes");
  }, 360_000); // a ClickHouse stop and restart besides the stream; its own waits (120 s for each of the two commits, 30 s each for the errors and the pause) name what they waited for, the default 120 s would cut them short unnamed
});
