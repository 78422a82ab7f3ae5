import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../shared/contracts/records.ts';
import type { RecordBatch } from '../../shared/contracts/jsonl.ts';
import { LoneJumpFilter, withoutLoneJumps, type JumpField } from './clock-jumps.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 2, 0);
const call = (t: number): CallEvent => ({
  eventId: `e${t}`,
  probeId: 'p',
  caller: '+8613800138000',
  callee: '+8613900139000',
  startTime: t,
  answerTime: null,
  endTime: t + 5_000,
  outcome: 'NO_ANSWER',
  releaseCause: null,
  accessProvider: null,
});

const START: JumpField<CallEvent> = { time: (e) => e.startTime, field: 'startTime', noun: 'calls' };

/** Runs the filter over calls at `minutes` after T0; returns what went on (line numbers) and what was rejected. */
function run(minutes: number[]) {
  const passed: number[] = [];
  const rejected: number[] = [];
  const f = new LoneJumpFilter(2 * MIN, START, (_e, line) => passed.push(line), (line) => rejected.push(line));
  minutes.forEach((m, i) => f.push(call(T0 + m * MIN), i + 1));
  f.finish();
  return { passed, rejected };
}

describe('LoneJumpFilter', () => {
  it('skips a lone call dated far ahead of the calls before and after it (a probe clock a year fast)', () => {
    expect(run([0, 1, 2, 525_600, 3, 4])).toEqual({ passed: [1, 2, 3, 5, 6], rejected: [4] });
  });

  it('lets a gap in the traffic through: the call after the jump is near it', () => {
    expect(run([0, 1, 600, 601, 602])).toEqual({ passed: [1, 2, 3, 4, 5], rejected: [] });
  });

  it('lets through calls within the lateness of each other, in any order', () => {
    expect(run([0, 2, 1, 3, 4.5, 3.5])).toEqual({ passed: [1, 2, 3, 4, 5, 6], rejected: [] });
  });

  it('lets the last call through even when it is far ahead (nothing after it says it was wrong)', () => {
    expect(run([0, 1, 900])).toEqual({ passed: [1, 2, 3], rejected: [] });
  });

  it('takes two calls in a row far ahead as the file moving on', () => {
    expect(run([0, 1, 900, 901, 2])).toEqual({ passed: [1, 2, 3, 4, 5], rejected: [] });
  });

  it('skips the first call of the file when it is far ahead of the calls after it', () => {
    expect(run([525_600, 0, 1, 2])).toEqual({ passed: [2, 3, 4], rejected: [1] });
    expect(run([0, 1, 2])).toEqual({ passed: [1, 2, 3], rejected: [] });
    expect(run([5])).toEqual({ passed: [1], rejected: [] });
  });

  it('keeps the first call when only one of the next two is far behind it (which of the two is wrong cannot be told)', () => {
    expect(run([600, 0, 601, 602])).toEqual({ passed: [1, 2, 3, 4], rejected: [] });
    expect(run([600, 599, 0, 601])).toEqual({ passed: [1, 2, 3, 4], rejected: [] });
  });

  it('names the clock error in the report, the first line of a file included', () => {
    const reports: string[] = [];
    const f = new LoneJumpFilter(2 * MIN, START, () => {}, (_line, message) => reports.push(message));
    for (const m of [525_600, 0, 1, 525_601, 2]) f.push(call(T0 + m * MIN), 0);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/^startTime 2027-01-05T02:00:00.000Z is the first of the file and far ahead of the calls after it \(2026-01-05T02:00:00.000Z\): skipped as a clock error/);
    expect(reports[1]).toMatch(/is far ahead of the calls before it \(newest 2026-01-05T02:01:00.000Z\) and far ahead of the calls after it/);
  });
});

describe('withoutLoneJumps', () => {
  async function* batches(minutes: number[][]): AsyncGenerator<RecordBatch<CallEvent>> {
    let line = 0;
    let bytes = 0;
    for (const chunk of minutes) {
      const lineNos = chunk.map(() => ++line);
      bytes += 100;
      yield { records: chunk.map((m) => call(T0 + m * MIN)), lineNos, bad: [{ lineNo: ++line, error: 'not JSON' }], bytesRead: bytes };
    }
  }

  it('takes a lone jump out of the batches as a bad line of the batch that found it out, and carries a held call over', async () => {
    const out: RecordBatch<CallEvent>[] = [];
    for await (const b of withoutLoneJumps(batches([[0, 1, 525_600], [2, 3], [4, 600]]), 2 * MIN, START)) out.push(b);
    // Lines: 1-3 calls (3 the jump), 4 bad; 5-6 calls, 7 bad; 8-9 calls (9 held to the end), 10 bad.
    expect(out.map((b) => b.lineNos)).toEqual([[1, 2], [5, 6], [8], [9]]);
    expect(out.map((b) => b.bad.map((x) => x.lineNo))).toEqual([[4], [7, 3], [10], []]);
    expect(out.map((b) => b.bytesRead)).toEqual([100, 200, 300, 300]);
    expect(out[1].bad[1].error).toMatch(/skipped as a clock error/);
  });
});
