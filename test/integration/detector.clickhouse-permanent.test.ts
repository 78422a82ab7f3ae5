/**
 * A permanent ClickHouse error — a table renamed away, so every insert
 * fails with "Table … doesn't exist" (Code 60), which no retry can cure —
 * is not retried silently forever: the offsets stay uncommitted (nothing
 * lost), /readyz answers 503 `blocked` with ClickHouse's message, an error
 * log and `callguard_detector_sink_blocked{sink="clickhouse"}` say so, the
 * retries back off; once the table is renamed back the detector recovers
 * by itself and ends with exactly replay's flags and exact totals. Calls
 * only (the second half is produced live, while the table is away).
 */
import { describe, expect, it } from 'vitest';
import { byId, clickhouseTotals, committedCount, metric, ops, produce, readFlags, replayTotals, waitForCommitted, waitForLog, type Scenario } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';

const ENV = { CALLGUARD_DETECTOR_MAX_PENDING: '3000', CALLGUARD_DETECTOR_FLUSH_MS: '200' };

let renamed = false;

const table = () => `\`${sc.f.database}\`.number_minute`;
const away = () => `\`${sc.f.database}\`.number_minute_away`;
/** Where the calls are split: the first half is produced before the table goes away, the second while it is away. */
const half = (x: Scenario = sc.s) => Math.floor(x.calls.length / 2);

const sc = scenarioSuite(
  {
    partitions: 1,
    seed: 43,
    scale: 0.2,
    hours: 8,
    complaints: false,
    produce: (x) => ({ consents: x.consents, calls: x.calls.slice(0, half(x)) }),
  },
  {
    timeoutMs: 240_000,
    teardownTimeoutMs: 120_000,
    teardown: async (dispose) => {
      if (renamed) await sc.f.ch.command(`RENAME TABLE ${away()} TO ${table()}`).catch(() => {});
      await dispose();
    },
  },
);

/** Calls committed so far by the group (one partition). */
const committedCalls = () => committedCount(sc.f);

describe('a permanent ClickHouse error', () => {
  it('keeps offsets uncommitted, says so on /readyz, metrics and logs, and recovers once fixed', async () => {
    const { f, s, expected } = sc;
    const det = sc.start(ENV);
    const port = await det.port();
    await waitForCommitted(f);
    expect((await ops(port, '/readyz')).status).toBe(200);

    await f.ch.command(`RENAME TABLE ${table()} TO ${away()}`);
    renamed = true;
    await produce(f, { calls: s.calls.slice(half()) });
    const ready = await waitFor(
      async () => {
        const r = await ops(port, '/readyz');
        return r.status === 503 ? (JSON.parse(r.body) as { status: string; error?: string; checks: Record<string, boolean> }) : undefined;
      },
      { what: '/readyz to report the permanent error', timeoutMs: 30_000 },
    );
    expect(ready.status).toBe('blocked');
    expect(ready.checks.clickhouse).toBe(false);
    expect(ready.error).toMatch(/Code: 60.*number_minute doesn't exist/);
    const m = (await ops(port, '/metrics')).body;
    expect(metric(m, 'callguard_detector_sink_blocked', { sink: 'clickhouse' })).toBe(1);
    expect(metric(m, 'callguard_detector_sink_permanent_errors_total', { sink: 'clickhouse', code: '60' })).toBeGreaterThan(0);
    // The error log is written in the same step that blocks /readyz, but asynchronously (pino): wait for it to arrive.
    const error = await waitForLog(det, (l) => l.level === 50 && l.sink === 'clickhouse', 'the ClickHouse error');
    expect(String(error.err)).toMatch(/number_minute doesn't exist/);

    // It backs off (up to 15 s between attempts, not the 5 s of passing errors) and commits nothing meanwhile.
    const attempts = async () => metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_permanent_errors_total', { sink: 'clickhouse' });
    await new Promise((r) => setTimeout(r, 12_000)); // the backoff ramps up
    const attemptsAt = await attempts();
    await new Promise((r) => setTimeout(r, 16_000));
    expect((await attempts()) - attemptsAt).toBeLessThanOrEqual(2);
    const later = (await ops(port, '/metrics')).body;
    expect(await committedCalls()).toBe(half());
    expect(metric(later, 'callguard_detector_events_total', { result: 'accepted' })).toBeGreaterThan(half()); // detection went on
    expect((await ops(port, '/healthz')).status).toBe(200);

    await f.ch.command(`RENAME TABLE ${away()} TO ${table()}`);
    renamed = false;
    await waitForCommitted(f, 60_000);
    await waitFor(async () => (await ops(port, '/readyz')).status === 200, { what: '/readyz ready again', timeoutMs: 10_000 });
    expect(metric((await ops(port, '/metrics')).body, 'callguard_detector_sink_blocked', { sink: 'clickhouse' })).toBe(0);
    await waitForLog(det, (l) => l.msg === 'ClickHouse takes the rows again', 'that ClickHouse takes the rows again');

    const flags = await readFlags(f);
    expect(flags.length).toBe(new Set(flags.map((x) => x.flagId)).size);
    expect(byId(flags)).toEqual(byId(expected));
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
  }, 300_000); // 35-52 s here against the default 120 s (28 s of it the backoff measurement); its own waits (120 s and 60 s for the commits, 30 s for /readyz) name what they waited for, the default would cut them short unnamed
});
