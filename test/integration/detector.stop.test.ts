/**
 * How `callguard detect` stops when its graceful stop cannot finish, run as
 * the real command against the local stack. ClickHouse is reached through a
 * proxy that forwards while the detector starts (registry, migrations,
 * consents, group) and then stops answering; calls produced after that
 * give the checkpoint rows to write, so the checkpoint — and the final one
 * the stop waits for — hangs on ClickHouse (retried until the stop's
 * deadline):
 * - a SIGINT after the SIGTERM ends the process at once, exit 130 (before,
 *   the second signal was swallowed and the stop waited out its 30 s);
 * - a second SIGTERM likewise, exit 143;
 * - with CALLGUARD_DETECTOR_STOP_TIMEOUT_MS=12000 the final checkpoint is
 *   given up after 9 s (the deadline minus the 3 s kept for leaving the
 *   group; 3 s, not the 1 s of a 4 s deadline, so that a loaded CI machine
 *   leaves within it), the consumer still leaves the group (no member left, so the
 *   other members need not wait a session timeout for its partitions), the
 *   exit code is 1, and the committed offsets stay where the outputs were
 *   durable: the calls produced before ClickHouse stopped answering are
 *   committed and in ClickHouse, those after are neither (before, the
 *   checkpoint used the whole deadline and the process exited without
 *   leaving; earlier still, the deadline was a fixed 30 s and a final
 *   checkpoint given up exited 0).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { clickHouseUrlFromEnv } from '../../shared/clickhouse/index.ts';
import { committedCount, createFixture, produce, startDetector, type DetectorProcess, type Fixture } from './detector-harness.ts';
import { startHoldProxy, type HoldProxy } from './helpers/hold-proxy.ts';
import { waitFor } from './helpers/wait.ts';

const fixtures: Fixture[] = [];
const proxies: HoldProxy[] = [];
const started: DetectorProcess[] = [];

afterAll(async () => {
  for (const d of started) await d.stop('SIGKILL');
  for (const p of proxies) await p.close();
  for (const f of fixtures) await f.cleanup();
});

/** Calls of the last minutes from a few numbers: rows for number_minute and provider_hour. */
function recentCalls(tag = 'stop'): CallEvent[] {
  const now = Date.now();
  const calls: CallEvent[] = [];
  for (let i = 0; i < 60; i++) {
    const start = now - 6 * 60_000 + i * 5_000;
    calls.push({
      eventId: `${tag}-${now}-${i}`,
      probeId: 'probe-test',
      caller: `+86139000${String(10_100 + (i % 4))}`,
      callee: `+86138000${String(20_000 + i)}`,
      startTime: start,
      answerTime: i % 3 === 0 ? start + 3_000 : null,
      endTime: start + (i % 3 === 0 ? 40_000 : 8_000),
      outcome: i % 3 === 0 ? 'ANSWERED' : 'NO_ANSWER',
      releaseCause: null,
      accessProvider: 'carrier-a',
    });
  }
  return calls;
}

const said = (d: DetectorProcess, msg: string | RegExp) => d.logs.some((l) => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
const tail = (d: DetectorProcess) => d.logs.slice(-30).map((l) => JSON.stringify(l)).join('\n');

/**
 * A detector that started with ClickHouse answering and whose checkpoint now waits on a ClickHouse that does not.
 * With `durable`, that many calls are produced first and waited for until committed (their rows written).
 */
async function heldDetector(extra: Record<string, string> = {}, durable = 0): Promise<{ d: DetectorProcess; f: Fixture }> {
  const f = await createFixture(1);
  fixtures.push(f);
  const target = new URL(clickHouseUrlFromEnv(process.env));
  const proxy = await startHoldProxy({ host: target.hostname, port: Number(target.port || 8123) });
  proxies.push(proxy);
  const d = startDetector(f, { CALLGUARD_CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`, ...extra });
  started.push(d);
  await waitFor(() => said(d, 'detector started') || d.proc.exitCode !== null, { timeoutMs: 60_000, what: 'the detector to start' });
  expect(said(d, 'detector started'), tail(d)).toBe(true);
  if (durable > 0) {
    await produce(f, { calls: recentCalls('durable').slice(0, durable) });
    await waitFor(async () => (await committedCount(f)) === durable || undefined, { timeoutMs: 30_000, what: 'the first calls to be committed' });
  }
  proxy.hold();
  await produce(f, { calls: recentCalls() });
  await waitFor(() => proxy.held().some((line) => /^POST .*INSERT INTO/i.test(line)), { timeoutMs: 30_000, what: 'a checkpoint to write rows to the held ClickHouse' });
  return { d, f };
}

/** The exit code, or 'hung' after `limitMs`. */
async function exitWithin(d: DetectorProcess, limitMs: number): Promise<{ code: number | null; ms: number } | 'hung'> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([d.exited, new Promise<'hung'>((done) => (timer = setTimeout(() => done('hung'), limitMs)))]);
  clearTimeout(timer);
  return r === 'hung' ? r : { code: r, ms: Date.now() - t0 };
}

async function sendTwo(d: DetectorProcess, second: NodeJS.Signals): Promise<{ code: number | null; ms: number } | 'hung'> {
  d.proc.kill('SIGTERM');
  await waitFor(() => said(d, /^stopping: finishing the batch/), { timeoutMs: 10_000, what: 'the stop to begin' });
  await new Promise((r) => setTimeout(r, 300)); // the stop is under way, waiting on the checkpoint
  expect(d.proc.exitCode, tail(d)).toBeNull();
  d.proc.kill(second);
  return exitWithin(d, 10_000);
}

describe('callguard detect: a stop held by a ClickHouse that stopped answering', () => {
  it('a SIGINT after the SIGTERM: exit 130 at once, nothing closed', async () => {
    const { d } = await heldDetector();
    const r = await sendTwo(d, 'SIGINT');
    expect(r, tail(d)).not.toBe('hung');
    expect(r).toMatchObject({ code: 130 });
    expect(r !== 'hung' && r.ms).toBeLessThan(5_000);
    expect(said(d, 'SIGINT after SIGTERM: exiting at once, without closing'), tail(d)).toBe(true);
    expect(said(d, 'final checkpoint done')).toBe(false);
  }, 120_000);

  it('a second SIGTERM: exit 143 at once', async () => {
    const { d } = await heldDetector();
    const r = await sendTwo(d, 'SIGTERM');
    expect(r, tail(d)).not.toBe('hung');
    expect(r).toMatchObject({ code: 143 });
    expect(r !== 'hung' && r.ms).toBeLessThan(5_000);
    expect(said(d, 'SIGTERM after SIGTERM: exiting at once, without closing'), tail(d)).toBe(true);
  }, 120_000);

  it('past the final checkpoint\'s share of CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: given up, the group left, exit 1, nothing committed past durable work', async () => {
    const durable = 20;
    const { d, f } = await heldDetector({ CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: '12000' }, durable);
    const members = async () => (await f.admin.describeGroups([f.group])).groups[0]?.members ?? [];
    expect(await members()).toHaveLength(1);
    d.proc.kill('SIGTERM');
    const r = await exitWithin(d, 30_000);
    expect(r, tail(d)).not.toBe('hung');
    expect(r, tail(d)).toMatchObject({ code: 1 });
    // Given up at 9 s (12 s minus the 3 s kept for leaving), then left within the reserve: not at the process's
    // own deadline, which would log that the detector did not close.
    expect(r !== 'hung' && r.ms).toBeGreaterThanOrEqual(8_900);
    expect(r !== 'hung' && r.ms).toBeLessThan(14_000);
    expect(said(d, /^final checkpoint failed: uncommitted input will be read again/), tail(d)).toBe(true);
    expect(d.logs.some((l) => typeof l.err === 'string' && l.err.startsWith('given up after 9000 ms of the 12000 ms stop deadline (3000 ms kept for leaving the group)')), tail(d)).toBe(true);
    expect(said(d, /^stop: detector \(final checkpoint: .*\) failed to close$/), tail(d)).toBe(true);
    expect(said(d, /^stop deadline \(12000 ms\) passed/), tail(d)).toBe(false);
    expect(said(d, 'final checkpoint done')).toBe(false);
    // The member left the group: its partitions are free at once, not after the 30 s session timeout.
    expect(await members()).toEqual([]);
    // Committed up to the durable work only: the first calls (committed before the hold, rows in ClickHouse), not
    // the 60 whose rows never reached ClickHouse.
    expect(await committedCount(f)).toBe(durable);
    const [row] = await f.ch.query<{ c: string }>(`SELECT sum(calls) AS c FROM \`${f.database}\`.number_minute FINAL`);
    expect(Number(row.c)).toBe(durable);
  }, 120_000);
});
