import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../shared/config/index.ts';
import type { CallEvent, ComplaintReport, FlagEvent } from '../../../shared/contracts/records.ts';
import { createEngine } from '../../../shared/engine/index.ts';
import type { InputItem } from './input.ts';
import { PartitionTask, rowSource } from './partition-task.ts';

const T = Date.UTC(2025, 2, 3, 10, 0, 0);
const ROBO = '+8617012345678';

/** A robocaller: many short unanswered calls to consecutive strangers — flagged within the first hundred. */
function robocalls(n: number, from = 0): CallEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: `e${from + i}`,
    probeId: 'p',
    caller: ROBO,
    callee: `+86139${String(10_000_000 + from + i).padStart(8, '0')}`,
    startTime: T + (from + i) * 20_000,
    answerTime: null,
    endTime: T + (from + i) * 20_000 + 5_000,
    outcome: 'NO_ANSWER' as const,
    releaseCause: 480,
    accessProvider: 'X',
  }));
}

const items = (calls: CallEvent[], first: number): InputItem<CallEvent>[] =>
  calls.map((c, i) => ({ offset: first + i, time: c.startTime, record: c, error: null, message: { offset: first + i, key: null, value: null } }));

function task(suppressCalls = 0): PartitionTask {
  return new PartitionTask({
    partition: 3,
    engine: createEngine(defaultConfig(), { now: () => 1 }),
    positions: { calls: 0, complaints: 0 },
    epochs: { calls: 0, complaints: 0 },
    suppressBelow: { calls: suppressCalls, complaints: 0 },
    topics: { calls: 'calls', complaints: 'complaints' },
    lastEventTime: null,
  });
}

/** What the flag lane does for a task when no investigator dismissed anything: takes its flags and tells it they were kept. */
function keepAll(t: PartitionTask): FlagEvent[] {
  const flags = t.takeFlags();
  t.decideFlags([...flags, ...t.takeLookups()].map((f) => f.flagId), []);
  return flags;
}

describe('PartitionTask', () => {
  it('advances event time while idle only when caught up, and a lagging stretch adds nothing', () => {
    const t = task();
    const calls = robocalls(10);
    const last = calls[9].startTime;
    const lateness = defaultConfig().allowedLatenessMs;
    t.accept(0, items(calls, 0), 10, true); // more input upstream
    t.release(1_000);
    t.advanceIdle(60_000, 500, true);
    expect(t.engine.watermark).toBe(last - lateness); // lagging: no advance
    t.setPending(0, false);
    t.advanceIdle(70_000, 500, false); // caught up but paused / not fetching
    expect(t.engine.watermark).toBe(last - lateness);
    t.advanceIdle(80_000, 500, true); // caught up and fetching: the stretch begins
    t.advanceIdle(80_400, 500, true);
    expect(t.engine.watermark).toBe(last - lateness);
    t.advanceIdle(81_000, 500, true);
    expect(t.engine.watermark).toBe(last + 1_000 - lateness);
    t.advanceIdle(90_000, 500, false); // paused for a while: no advance, and the pause is not counted
    t.advanceIdle(95_000, 500, true);
    t.advanceIdle(96_000, 500, true);
    expect(t.engine.watermark).toBe(last + 2_000 - lateness);
  });

  it('feeds the engine and the aggregates, and cuts flags, rows and positions', () => {
    const t = task();
    const calls = robocalls(150);
    t.accept(0, items(calls, 0), 150, false);
    expect(t.release(0)).toBe(150);
    const cut = t.cut();
    expect(cut.flags.length).toBeGreaterThan(0);
    expect(cut.positions).toEqual({ calls: 150, complaints: 0 });
    expect(cut.rows.numberMinute.reduce((a, r) => a + r.calls, 0)).toBe(150);
    expect(cut.rows.numberMinute.every((r) => r.src === 'calls/3')).toBe(true);
    expect(t.stats.accepted[0]).toBe(150);
  });

  it('recomputes but does not emit flags triggered below the committed offset, and emits the same ones above it', () => {
    const full = task();
    full.accept(0, items(robocalls(300), 0), 300, false);
    full.release(0);
    const all = full.cut().flags;
    expect(all.length).toBeGreaterThan(1);
    const firstTrigger = Math.round((all[0].detectedAt - T) / 20_000); // offset of the call that raised the first flag

    const again = task(firstTrigger + 1);
    again.accept(0, items(robocalls(300), 0), 300, false);
    again.release(0);
    const emitted = again.cut().flags;
    expect(emitted.map((f) => f.flagId)).toEqual(all.slice(1).map((f) => f.flagId));
    expect(again.stats.suppressed).toBe(1);
  });

  it('holds calls while complaints are known to be pending and reports the held position', () => {
    const t = task();
    t.setPending(1, true);
    t.accept(0, items(robocalls(10), 0), 10, false);
    expect(t.release(0)).toBe(0);
    expect(t.positions()).toEqual({ calls: 0, complaints: 0 });
    t.accept(1, [], 0, false);
    expect(t.release(0)).toBe(10);
    expect(t.positions().calls).toBe(10);
  });

  it('routes unusable and late records to the DLQ with their reasons', () => {
    const t = task();
    const calls = robocalls(20);
    t.accept(0, items(calls, 0), 20, false);
    t.release(0);
    const late = { ...calls[0], eventId: 'late', startTime: T - 86_400_000, endTime: T - 86_400_000 + 1_000 };
    const bad: InputItem<CallEvent> = { offset: 21, time: null, record: null, error: 'invalid: caller: not a phone number', message: { offset: 21, key: null, value: Buffer.from('x') } };
    t.accept(0, [...items([late], 20), bad], 22, false);
    // A complaint 40 days behind the watermark: older than the 30-day complaints window, so it would count for nothing.
    const oldAt = T - 40 * 86_400_000;
    const oldComplaint: ComplaintReport = { reportId: 'old', reporter: '+8613900000001', reported: ROBO, reportTime: oldAt, category: 'MARKETING', channel: null };
    t.accept(1, [{ offset: 0, time: oldAt, record: oldComplaint, error: null, message: { offset: 0, key: null, value: Buffer.from('old') } }], 1, false);
    t.release(0);
    const cut = t.cut();
    const bySide = (side: number) => cut.dlq.filter((d) => d.side === side);
    expect(bySide(0).map((d) => d.error.split(':')[0])).toEqual(['late', 'invalid']);
    expect(bySide(0).map((d) => d.message.offset)).toEqual([20, 21]);
    expect(bySide(1).map((d) => [d.message.offset, d.message.value])).toEqual([[0, Buffer.from('old')]]);
    expect(bySide(1)[0].error).toMatch(/^late: event time 2025-01-22T10:00:00\.000Z is behind the partition watermark .* by more than the complaints window$/);
    expect(cut.dlq).toHaveLength(3);
    expect(t.stats.late).toEqual([1, 1]);
  });

  it('survives a snapshot round trip: same flags and rows afterwards as without it', () => {
    const a = task();
    const b = task();
    const first = robocalls(80);
    const rest = robocalls(120, 80);
    a.accept(0, items([...first, ...rest], 0), 200, false);
    a.release(0);
    const aFlags = keepAll(a);
    b.accept(0, items(first, 0), 80, false);
    b.release(0);
    const bFlags = b.cut().flags; // the snapshot, taken right after the cut, has not the lane's word on them: it holds them undecided
    const snap = b.snapshot(0);
    const engine = createEngine(defaultConfig(), { now: () => 1 });
    engine.restore(snap.engine!);
    const c = new PartitionTask({
      partition: 3,
      engine: engine,
      positions: snap.positions,
      epochs: snap.epochs,
      suppressBelow: { calls: 0, complaints: 0 },
      topics: { calls: 'calls', complaints: 'complaints' },
      aggregates: JSON.parse(JSON.stringify(snap.aggregates)),
      lastEventTime: snap.lastEventTime,
      });
    expect(c.expected(0)).toBe(80);
    expect(c.takeLookups().map((f) => f.flagId)).toEqual(bFlags.filter((f) => f.severity !== 'WATCH').map((f) => f.flagId));
    c.decideFlags(bFlags.map((f) => f.flagId), []); // what the lane tells of them (they went out)
    c.accept(0, items(rest, 80), 200, false);
    c.release(0);
    const cFlags = keepAll(c);
    const aCut = a.cut();
    const cCut = c.cut();
    expect([...bFlags, ...cFlags].map((f) => f.flagId)).toEqual(aFlags.map((f) => f.flagId));
    // The restored task writes a row for every minute the rest of the calls touched (the first of them shared with the
    // calls before the snapshot), each equal to the uninterrupted task's last row of that minute: the restored
    // aggregates carried the counts of the calls before the snapshot.
    const minutesOfRest = [...new Set(rest.map((x) => Math.floor(x.startTime / 60_000) * 60))];
    expect(minutesOfRest.length).toBeGreaterThan(30);
    expect([...new Set(cCut.rows.numberMinute.map((r) => r.minute))].sort((x, y) => x - y)).toEqual(minutesOfRest);
    const last = (rows: typeof aCut.rows.numberMinute) => new Map(rows.map((r) => [r.minute, r]));
    const aLast = last(aCut.rows.numberMinute);
    for (const [minute, row] of last(cCut.rows.numberMinute)) expect(aLast.get(minute), String(minute)).toEqual(row);
    expect(cCut.rows.providerHour.length).toBeGreaterThan(0);
    expect(cCut.rows.providerHour).toEqual(aCut.rows.providerHour); // both hours of the rest, as the uninterrupted task left them
  });

  it('describes where it started with a fresh snapshot only when it started from the empty state', () => {
    const start = { calls: 40, complaints: 7 };
    const fresh = new PartitionTask({
      partition: 3,
      engine: createEngine(defaultConfig(), { now: () => 1 }),
      positions: start,
      epochs: start,
      suppressBelow: { calls: 0, complaints: 0 },
      topics: { calls: 'calls', complaints: 'complaints' },
      lastEventTime: null,
      fresh: true,
    });
    fresh.accept(0, items(robocalls(100), 40), 140, false);
    fresh.release(0);
    expect(fresh.cut().flags.length).toBeGreaterThan(0);
    // Events folded in since do not move it: it is the state at the epochs, the empty one.
    expect(fresh.freshSnapshot(9)).toEqual({ partition: 3, positions: start, epochs: start, lastEventTime: null, engine: null, aggregates: null, takenAt: 9 });
    expect(fresh.positions()).toEqual({ calls: 140, complaints: 7 });
    expect(task().freshSnapshot(9)).toBeNull();
  });

  it('a complaint behind the watermark but inside its window adds to its minute\'s row, never replaces it with a smaller one', () => {
    // Complaint channels are slower: the engine accepts a complaint up to the complaints window behind the calls'
    // watermark. Its minute's cell must still be there, or a new cell holding only the late complaint (with a
    // higher version) would replace the row already written.
    const t = task();
    const complaint = (id: string, at: number, offset: number): InputItem<ComplaintReport> => {
      const record: ComplaintReport = { reportId: id, reporter: `+86139000000${offset}1`, reported: ROBO, reportTime: at, category: 'MARKETING', channel: null };
      return { offset, time: at, record, error: null, message: { offset, key: null, value: null } };
    };
    t.accept(1, [complaint('r0', T + 5_000, 0)], 1, false);
    t.accept(0, items(robocalls(1), 0), 1, false);
    t.release(0);
    expect(t.cut().rows.numberMinute.filter((r) => r.src === 'complaints/3').map((r) => r.complaints)).toEqual([1]);
    const later = robocalls(60, 30); // ten minutes on and more: the complaint's minute is far behind the watermark
    t.accept(0, items(later, 1), 61, false);
    t.release(0);
    t.cut();
    expect(t.engine.watermark).toBeGreaterThan(T + 5 * 60_000);
    t.accept(1, [complaint('r1', T + 20_000, 1)], 2, false); // same minute, delivered late
    t.release(0);
    expect(t.stats.accepted[1]).toBe(2);
    const rows = t.cut().rows.numberMinute.filter((r) => r.src === 'complaints/3');
    expect(rows).toEqual([expect.objectContaining({ number: ROBO, minute: T / 1000, complaints: 2, version: 1 })]);
  });

  it('names row sources by topic, partition and epoch', () => {
    expect(rowSource('callguard.calls.v1', 3, 0)).toBe('callguard.calls.v1/3');
    expect(rowSource('callguard.calls.v1', 3, 1200)).toBe('callguard.calls.v1/3@1200');
  });
});
