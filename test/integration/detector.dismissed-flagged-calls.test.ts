/**
 * provider_hour's flagged calls are those of flags that went out, run as the
 * real `callguard detect` against the local stack. Two robocallers call
 * through one carrier; an investigator had dismissed R's evidence (the
 * console's `<prefix>:dismissed:<R>` record, covering every flag R's calls
 * raise), S nobody cleared. The flag lane drops R's flags, so R is neither
 * on the flags topic nor in the `flags` table — and, since the fix, its
 * calls are not flagged calls either (before, the aggregates noted every
 * flag the engine raised, before the lane dropped the dismissed ones, and
 * `flagged_calls` counted R's calls too: about twice S's).
 *
 * Then the partition is read again from offset 0 with its snapshot removed
 * (every flag recomputed below the emitted mark, so none is emitted again:
 * the lane looks their fate up, from the `d` marks the first run's lane
 * wrote when it dropped R's flags): the rows are rewritten with the same
 * values, and nothing new reaches the topic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { createFixture, produce, readFlags, startDetector, waitForCommitted, type DetectorProcess, type Fixture } from './detector-harness.ts';

const fixtures: Fixture[] = [];
const started: DetectorProcess[] = [];

afterAll(async () => {
  for (const d of started) await d.stop('SIGKILL');
  for (const f of fixtures) await f.cleanup();
}, 60_000);

const R = '+8617012345678';
const S = '+8617087654321';

/** Both robocallers, interleaved, over the last 50 minutes: a call every 20 s each to consecutive strangers, unanswered. */
function traffic(now: number): CallEvent[] {
  const t0 = now - 52 * 60_000;
  const out: CallEvent[] = [];
  for (let i = 0; i < 150; i++) {
    for (const [k, caller] of [R, S].entries()) {
      const s = t0 + i * 20_000 + k * 1_000;
      out.push({
        eventId: `dfc-${now}-${k}-${i}`,
        probeId: 'probe-test',
        caller,
        callee: `+86139${String(10_000_000 + k * 100_000 + i).padStart(8, '0')}`,
        startTime: s,
        answerTime: null,
        endTime: s + 5_000,
        outcome: 'NO_ANSWER',
        releaseCause: 480,
        accessProvider: 'carrier-x',
      });
    }
  }
  return out;
}

/** provider_hour as the investigator reads it: FINAL, summed over srcs and hours. */
async function providerTotals(f: Fixture): Promise<{ calls: number; flaggedCalls: number; peakFlaggedNumbers: number }> {
  const [r] = await f.ch.query<{ c: string; fc: string; fn: string }>(
    `SELECT sum(calls) AS c, sum(flagged_calls) AS fc, max(flagged_numbers) AS fn FROM \`${f.database}\`.provider_hour FINAL WHERE access_provider = 'carrier-x'`,
  );
  return { calls: Number(r.c), flaggedCalls: Number(r.fc), peakFlaggedNumbers: Number(r.fn) };
}

async function flagRows(f: Fixture): Promise<string[]> {
  const rows = await f.ch.query<{ number: string }>(`SELECT number FROM \`${f.database}\`.flags FINAL`);
  return rows.map((r) => r.number);
}

describe('provider_hour and dismissed evidence (callguard detect)', () => {
  it("counts no flagged calls for flags the lane dropped as dismissed, and the same after the partition is read again", async () => {
    const f = await createFixture(1);
    fixtures.push(f);
    const now = Date.now();
    const calls = traffic(now);
    // The console's record of R's dismissed evidence: a BLOCK_RECOMMENDED flag whose window ended now.
    await f.redis.hset(`${f.prefix}:dismissed:${R}`, { flagId: 'dismissed-earlier', severity: 'BLOCK_RECOMMENDED', windowStart: String(now - 3 * 3_600_000), windowEnd: String(now), reviewer: 'ana', decidedAt: String(now) });
    await produce(f, { calls });

    const d = startDetector(f);
    started.push(d);
    await waitForCommitted(f);
    expect(await d.stop('SIGTERM')).toBe(0);

    const flags = await readFlags(f);
    expect(flags.some((x) => x.number === R)).toBe(false);
    const sFlag = flags.filter((x) => x.number === S && x.severity !== 'WATCH').sort((a, b) => a.detectedAt - b.detectedAt)[0];
    expect(sFlag).toBeDefined();
    // S's calls after its first LABEL-or-above flag (the call that raised it is not one of them); none of R's.
    const sFlagged = calls.filter((c) => c.caller === S && c.startTime > sFlag.detectedAt).length;
    expect(sFlagged).toBeGreaterThan(100);
    const first = await providerTotals(f);
    expect(first).toEqual({ calls: calls.length, flaggedCalls: sFlagged, peakFlaggedNumbers: 1 });
    const rows = await flagRows(f);
    expect(rows).not.toContain(R);
    expect(rows).toContain(S);
    // The lane recorded what it did: `e` for each flag on the topic, `d` for R's flags it dropped as dismissed.
    const keys = await f.redis.keys(`${f.prefix}:flag:${f.topics.flags}:*`);
    const marks = keys.length > 0 ? await f.redis.mget(...keys) : [];
    expect(marks.filter((v) => v === 'e').length).toBe(new Set(flags.map((x) => x.flagId)).size);
    expect(marks.filter((v) => v === 'd').length).toBeGreaterThan(0);

    // Read the partition again from offset 0 without its snapshot: every flag is recomputed below the emitted mark.
    await f.redis.del(`${f.prefix}:snapshot:${f.group}:${f.topics.calls}:0`);
    for (const topic of [f.topics.calls, f.topics.complaints]) await f.admin.setOffsets({ groupId: f.group, topic, partitions: [{ partition: 0, offset: '0' }] });
    const again = startDetector(f);
    started.push(again);
    await waitForCommitted(f);
    expect(await again.stop('SIGTERM')).toBe(0);
    expect((await readFlags(f)).length).toBe(flags.length); // nothing emitted again
    expect(await providerTotals(f)).toEqual(first); // R's flags looked up as dismissed (their `d` marks): R's calls still not flagged
  });
});
