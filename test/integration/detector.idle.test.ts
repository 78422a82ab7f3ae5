/**
 * The idle advance of event time (CALLGUARD_DETECTOR_IDLE_MS) must only
 * move a partition that is caught up. Here the detector is made to lag on
 * purpose: outputs are allowed to pile up to only 1,000 records and are
 * made durable every 4 s, so the input is paused for seconds at a time
 * with its merge queue empty and more input waiting in Kafka; the idle
 * period is 200 ms and the allowed lateness 1 s. An idle advance during
 * those pauses runs event time ahead of the input still in Kafka and turns
 * calls into "late" ones (4,152 of 30,000 before the fix); done right,
 * nothing is late and the flags are exactly replay's.
 *
 * The calls are synthetic and dense (100 per second of event time, in
 * order), so that a few seconds of wrongly advanced event time are many
 * calls.
 */
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { byId, clickhouseTotals, metric, ops, readFlags, readTopic, replayTotals, waitForCommitted } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';

/** For replay and the detector alike (prepareScenario passes it to both). */
const ENGINE = { allowedLatenessMs: 1_000 };
const ENV = {
  CALLGUARD_DETECTOR_IDLE_MS: '200',
  CALLGUARD_DETECTOR_MAX_PENDING: '1000',
  CALLGUARD_DETECTOR_FLUSH_MS: '4000',
  CALLGUARD_DETECTOR_SNAPSHOT_MS: '4000',
  CALLGUARD_DETECTOR_FETCH_MAX_BYTES: '65536',
};
const CALLS = 30_000;

/** Dense, ordered synthetic traffic: 100 calls per event-time second; 60 busy callers among many quiet ones. */
function syntheticCalls(n: number): CallEvent[] {
  const t0 = Date.UTC(2025, 2, 3, 9, 0, 0);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const outcomes: CallEvent['outcome'][] = ['ANSWERED', 'NO_ANSWER', 'REJECTED', 'BUSY', 'CANCELLED'];
  const out: CallEvent[] = [];
  for (let i = 0; i < n; i++) {
    const busy = rnd() < 0.5;
    const caller = busy ? `+86138${String(10_000_000 + Math.floor(rnd() * 60)).padStart(8, '0')}` : `+86139${String(Math.floor(rnd() * 5_000_000)).padStart(8, '0')}`;
    const callee = `+86137${String(Math.floor(rnd() * 20_000_000)).padStart(8, '0')}`;
    const start = t0 + i * 10;
    const outcome = outcomes[Math.floor(rnd() * (busy ? 5 : 2))];
    const answered = outcome === 'ANSWERED';
    out.push({
      eventId: `idle-${i}`,
      probeId: 'probe-1',
      caller,
      callee,
      startTime: start,
      answerTime: answered ? start + 3_000 : null,
      endTime: start + (answered ? 3_000 + Math.floor(rnd() * 60_000) : 5_000),
      outcome,
      releaseCause: null,
      accessProvider: busy ? 'carrier-x' : 'carrier-y',
    });
  }
  return out;
}

const sc = scenarioSuite({ partitions: 1, records: { calls: syntheticCalls(CALLS) }, engineConfig: ENGINE }, { timeoutMs: 180_000 });

describe('the idle advance of event time', () => {
  it('does not move a paused, lagging partition: nothing late, exactly replay’s flags', async () => {
    const { f, s, expected } = sc;
    expect(expected.length).toBeGreaterThan(10);
    const det = sc.start(ENV);
    const port = await det.port();
    await waitForCommitted(f, 240_000);
    // The bug shows only with a lateness shorter than the pauses: the detector really runs with the test's.
    const started = det.logs.find((l) => l.msg === 'detector started');
    expect(started).toMatchObject({ allowedLatenessMs: ENGINE.allowedLatenessMs, idleMs: Number(ENV.CALLGUARD_DETECTOR_IDLE_MS) });
    const m = (await ops(port, '/metrics')).body;
    expect(det.logs.filter((l) => l.msg === 'outputs lag: consumption paused').length).toBeGreaterThan(3); // it really lagged, paused
    const late = metric(m, 'callguard_detector_late_events_total');
    const dlq = await readTopic(f, f.topics.dlq);
    expect({ late, dlq: dlq.length }).toEqual({ late: 0, dlq: 0 });
    expect(byId(await readFlags(f))).toEqual(byId(expected));
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
  }, 360_000); // 64 s here, paced by the 4 s checkpoints it is made to wait for, against the default 120 s; its own wait for the commits allows 240 s and names what it waited for, the default would cut it short unnamed
});
