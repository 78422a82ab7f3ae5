/**
 * provider_hour's flagged calls follow what the flag lane did with the
 * engine's flags: a flag it drops because an investigator dismissed the
 * evidence never reaches the flags topic nor the `flags` table, so it makes
 * no flagged calls — and the rows come out the same after a restart from a
 * snapshot. A real engine, PartitionTask and FlagLane wired as detector.ts
 * wires them (the lane's `onDecided` → the task's `decideFlags`), over an
 * in-memory stand-in for the Redis marks and dismissal records.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { defaultConfig } from '../../../shared/config/index.ts';
import type { ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import type { CallEvent, FlagEvent } from '../../../shared/contracts/records.ts';
import { createEngine, restoreEngine } from '../../../shared/engine/index.ts';
import type { Dismissal } from '../state/stores.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import { FlagLane, type LaneDedup } from './flag-lane.ts';
import type { InputItem } from './input.ts';
import { OutputHealth } from './output-health.ts';
import { PartitionTask, type TaskEngine } from './partition-task.ts';

const T = Date.UTC(2025, 2, 3, 10, 0, 0);
/** A robocaller an investigator cleared: flagged LABEL, then BLOCK_RECOMMENDED, within its first six minutes. */
const R = '+8617012345678';
/** Another robocaller, nobody cleared it. */
const S = '+8617087654321';

/** Both robocallers, interleaved: `n` calls each, one every 20 s, to consecutive strangers, through CarrierX. */
function traffic(n: number): CallEvent[] {
  const out: CallEvent[] = [];
  for (let i = 0; i < n; i++) {
    for (const [k, caller] of [R, S].entries()) {
      const s = T + i * 20_000 + k * 1_000;
      out.push({
        eventId: `${k}-${i}`,
        probeId: 'p',
        caller,
        callee: `+86139${String(10_000_000 + k * 100_000 + i).padStart(8, '0')}`,
        startTime: s,
        answerTime: null,
        endTime: s + 5_000,
        outcome: 'NO_ANSWER',
        releaseCause: 480,
        accessProvider: 'CarrierX',
      });
    }
  }
  return out;
}

/**
 * The marks and dismissal records as Redis holds them (claims always succeed: one owner). While `up` is false every
 * call fails as FlagDedup reports it when Redis cannot be asked (degraded).
 */
function memoryRedis(dismissed: Record<string, Dismissal>): LaneDedup & { marks: Map<string, string>; dismissed: Record<string, Dismissal>; up: boolean } {
  const marks = new Map<string, string>();
  const r: LaneDedup & { marks: Map<string, string>; dismissed: Record<string, Dismissal>; up: boolean } = {
    marks,
    dismissed,
    up: true,
    async peek(ids) {
      if (!r.up) return undefined;
      return new Map(ids.map((id) => [id, marks.get(id) ?? null]));
    },
    async claim(_p, _gen, ids, value) {
      if (!r.up) return undefined;
      const claimed: string[] = [];
      const found = new Map<string, string>();
      for (const id of ids) {
        const v = marks.get(id);
        if (v === undefined) {
          marks.set(id, value);
          claimed.push(id);
        } else found.set(id, v);
      }
      return { claimed, found };
    },
    async takeOver() {
      return { claimed: [], found: new Map() };
    },
    async refresh() {
      return r.up ? 0 : undefined;
    },
    async mark(ids) {
      if (!r.up) return false;
      for (const id of ids) marks.set(id, 'e');
      return true;
    },
    async dismiss(_p, _gen, ids) {
      if (!r.up) return undefined;
      let n = 0;
      for (const id of ids) {
        if (marks.get(id) !== 'e') {
          marks.set(id, 'd');
          n++;
        }
      }
      return n;
    },
    async dismissedUntil(numbers) {
      if (!r.up) return new Map();
      return new Map(numbers.filter((n) => n in dismissed).map((n) => [n, dismissed[n]]));
    },
  };
  return r;
}

/**
 * One detector instance over partition 0: a task and a lane wired as in
 * detector.ts, the topic's records, and the provider_hour table as
 * ClickHouse keeps it (ReplacingMergeTree(version), read FINAL: per key the
 * highest version, the last written of equal ones) — shared across restarts.
 */
class Instance {
  readonly lane: FlagLane;
  task!: PartitionTask;
  /** Flags the lane dropped because the partition is not this instance's (fenced). */
  fencedFlags = 0;
  /** Set once another instance took the partition (the lane's generation() is then null, as detector.ts has it while fenced). */
  fencedOff = false;
  constructor(
    readonly redis: ReturnType<typeof memoryRedis>,
    readonly topic: FlagEvent[],
    readonly table: Map<string, ProviderHourRow>,
  ) {
    this.lane = new FlagLane({
      sink: { send: async (ms: { value: Buffer }[]) => void topic.push(...ms.map((m) => JSON.parse(m.value.toString()) as FlagEvent)) } as never,
      topic: 'flags',
      encodeFlag: (f) => Buffer.from(JSON.stringify(f)),
      dedup: redis,
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
      onSinkError: () => {},
      outputs: new OutputHealth(10_000),
      onEmitted: () => {},
      onDeduplicated: () => {},
      onDecided: (p, kept, dismissed) => (p === 0 ? this.task.decideFlags(kept, dismissed) : undefined),
      onFenced: (_p, n) => void (this.fencedFlags += n),
      generation: async () => (this.fencedOff ? null : 1),
      findOnTopic: async () => new Set(),
      graceMs: 1_000,
    });
  }

  start(from?: { snap: PartitionSnapshot; suppressBelow: number }): this {
    const engine = (from ? restoreEngine(defaultConfig(), from.snap.engine!, { now: () => 1 }) : createEngine(defaultConfig(), { now: () => 1 })) as TaskEngine;
    this.task = new PartitionTask({
      partition: 0,
      engine,
      positions: from?.snap.positions ?? { calls: 0, complaints: 0 },
      epochs: from?.snap.epochs ?? { calls: 0, complaints: 0 },
      suppressBelow: { calls: from?.suppressBelow ?? 0, complaints: 0 },
      topics: { calls: 'calls', complaints: 'complaints' },
      aggregates: from?.snap.aggregates,
      lastEventTime: from?.snap.lastEventTime ?? null,
    });
    return this;
  }

  /** A fetched batch: released into the engine, its flags (and lookups) handed to the lane, which runs on its own. */
  batch(calls: CallEvent[], first: number): void {
    const items: InputItem<CallEvent>[] = calls.map((c, i) => ({ offset: first + i, time: c.startTime, record: c, error: null, message: { offset: first + i, key: null, value: null } }));
    this.task.accept(0, items, first + calls.length, false);
    this.task.release(0);
    this.lane.push(this.task.takeFlags(), 0, this.task.takeLookups());
  }

  /** A checkpoint as checkpoint-runner.ts runs it: cut (and the snapshot, right after it), drain the lane, write the rows (and those the drain completed). */
  async checkpoint(): Promise<{ snap: PartitionSnapshot; committed: number }> {
    const cut = this.task.cut();
    const s = this.task.snapshot(0);
    const snap: PartitionSnapshot = { ...s, aggregates: JSON.parse(JSON.stringify(s.aggregates)) }; // as stored: JSON
    this.lane.push(cut.flags, 0, cut.lookups);
    await this.lane.drain();
    const rows = [...cut.rows.providerHour, ...this.task.takeProviderRows()];
    for (const r of rows) {
      const key = `${r.access_provider}|${r.hour}|${r.src}`;
      const had = this.table.get(key);
      if (!had || r.version >= had.version) this.table.set(key, r);
    }
    return { snap, committed: cut.positions.calls };
  }
}

/** Sums the table per hour, as the investigator reads it. */
function hours(table: Map<string, ProviderHourRow>): { hour: string; calls: number; flagged_calls: number; flagged_numbers: number }[] {
  return [...table.values()]
    .sort((a, b) => a.hour - b.hour)
    .map((r) => ({ hour: new Date(r.hour * 1000).toISOString().slice(11, 16), calls: r.calls, flagged_calls: r.flagged_calls, flagged_numbers: r.flagged_numbers }));
}

/** Calls per fetched batch: R and S are flagged LABEL in the second batch, BLOCK_RECOMMENDED in the fourth. */
const BATCH = 8;
const CALLS = traffic(150); // 300 calls from 10:00 to 10:50

/** Runs the traffic through one instance, a checkpoint after every batch. */
async function uninterrupted(dismissed: Record<string, Dismissal>) {
  const topic: FlagEvent[] = [];
  const table = new Map<string, ProviderHourRow>();
  const inst = new Instance(memoryRedis(dismissed), topic, table).start();
  for (let i = 0; i < CALLS.length; i += BATCH) {
    inst.batch(CALLS.slice(i, i + BATCH), i);
    const { committed } = await inst.checkpoint();
    // Every call below the committed offset is in the rows written before the commit (none waits any more).
    expect([...table.values()].reduce((a, r) => a + r.calls, 0)).toBe(committed);
  }
  return { topic, table, inst };
}

/** The investigator dismissed R's BLOCK_RECOMMENDED evidence up to 10:05: both of R's flags lie on it. */
const DISMISSED_R: Record<string, Dismissal> = { [R]: { windowEnd: T + 5 * 60_000, severity: 'BLOCK_RECOMMENDED' } };

describe("provider_hour's flagged calls follow the flag lane", () => {
  it('counts the calls of a number whose flags went out (nothing dismissed)', async () => {
    const { topic, table } = await uninterrupted({});
    expect(new Set(topic.map((f) => f.number))).toEqual(new Set([R, S]));
    // Each robocaller is flagged LABEL by its 6th call: its 144 calls after that are flagged calls.
    expect(hours(table)).toEqual([{ hour: '10:00', calls: 300, flagged_calls: 288, flagged_numbers: 2 }]);
  });

  it('does not count the calls of a number whose flags the lane dropped as dismissed: no flag of it on the topic, none in provider_hour', async () => {
    const { topic, table } = await uninterrupted(DISMISSED_R);
    expect(topic.some((f) => f.number === R)).toBe(false);
    expect(topic.some((f) => f.number === S)).toBe(true);
    // Only S's calls after its flag: R is not a flagged number.
    expect(hours(table)).toEqual([{ hour: '10:00', calls: 300, flagged_calls: 144, flagged_numbers: 1 }]);
  });

  it('a flag emitted before its evidence was dismissed still makes flagged calls (it is on the topic and in `flags`)', async () => {
    const dismissed: Record<string, Dismissal> = {};
    const topic: FlagEvent[] = [];
    const table = new Map<string, ProviderHourRow>();
    const inst = new Instance(memoryRedis(dismissed), topic, table).start();
    inst.batch(CALLS.slice(0, 40), 0); // both flagged LABEL and BLOCK_RECOMMENDED by now
    await inst.checkpoint();
    dismissed[R] = DISMISSED_R[R]; // the investigator dismisses R's flags, already out
    for (let i = 40; i < CALLS.length; i += BATCH) {
      inst.batch(CALLS.slice(i, i + BATCH), i);
      await inst.checkpoint();
    }
    expect(hours(table)).toEqual([{ hour: '10:00', calls: 300, flagged_calls: 288, flagged_numbers: 2 }]);
  });

  it.each([
    ['a snapshot holding undecided flags (taken at the cut, before the drain), the later flags replayed suppressed', 1, 5, false],
    ['a snapshot older than every flag, all of them replayed suppressed (dismissed ones among them)', 0, 6, false],
    ['a snapshot older than every flag, the replay emitting part of them again', 0, 2, false],
    // The lookups read the lane's `d` marks, not the dismissal record as it stands at the restart.
    ['a snapshot older than every flag, the dismissal record expired before the restart', 0, 6, true],
  ])('comes out the same after a restart from %s', async (_what, snapAt, crashAt, expire) => {
    const want = await uninterrupted(DISMISSED_R);
    const redis = memoryRedis({ ...DISMISSED_R });
    const topic: FlagEvent[] = [];
    const table = new Map<string, ProviderHourRow>();
    // First run: checkpoints after every batch, the snapshot of checkpoint `snapAt` stored; killed after checkpoint `crashAt`.
    const first = new Instance(redis, topic, table).start();
    let stored: PartitionSnapshot | null = null;
    let committed = 0;
    for (let i = 0, k = 0; i < CALLS.length && k <= crashAt; i += BATCH, k++) {
      first.batch(CALLS.slice(i, i + BATCH), i);
      const c = await first.checkpoint();
      if (k === snapAt) stored = c.snap;
      committed = c.committed;
    }
    expect(stored!.aggregates).toBeTruthy();
    const undecided = (stored!.aggregates as { providers: { undecided: unknown[] } }).providers.undecided;
    expect(undecided.length > 0).toBe(snapAt === 1);
    if (expire) delete redis.dismissed[R];
    // Restart: from the stored snapshot, flags below the committed offset not emitted again.
    const second = new Instance(redis, topic, table).start({ snap: stored!, suppressBelow: committed });
    const from = stored!.positions.calls;
    for (let i = from; i < CALLS.length; i += BATCH) {
      second.batch(CALLS.slice(i, Math.min(i + BATCH, CALLS.length)), i);
      await second.checkpoint();
    }
    expect(hours(table)).toEqual(hours(want.table));
    expect(new Set(topic.map((f) => f.flagId))).toEqual(new Set(want.topic.map((f) => f.flagId)));
  });

  it('comes out the same after a restart from a snapshot taken before a Redis outage, though a flag that went out during it (so without an emitted mark) was dismissed afterwards', async () => {
    // The review's scenario (03-degraded-lookup): Redis away from the second checkpoint to the sixth, so no
    // dismissal check and no marks; R's flags go out unmarked. Redis back, the investigator dismisses R's last
    // flag (already on the topic). A restart before the next snapshot is stored resumes from the pre-outage one.
    const run = async (restart: boolean) => {
      const redis = memoryRedis({});
      const topic: FlagEvent[] = [];
      const table = new Map<string, ProviderHourRow>();
      let inst = new Instance(redis, topic, table).start();
      let stored: PartitionSnapshot | null = null;
      let committed = 0;
      for (let i = 0, k = 0; i < CALLS.length; i += BATCH, k++) {
        if (k === 1) redis.up = false;
        if (k === 6) {
          redis.up = true;
          const last = topic.filter((f) => f.number === R).at(-1)!;
          redis.dismissed[R] = { windowEnd: last.windowEnd, severity: last.severity };
        }
        inst.batch(CALLS.slice(i, i + BATCH), i);
        const c = await inst.checkpoint();
        if (k === 0) stored = c.snap;
        committed = c.committed;
        if (restart && k === 7) break;
      }
      if (restart) {
        inst = new Instance(redis, topic, table).start({ snap: stored!, suppressBelow: committed });
        for (let i = stored!.positions.calls; i < CALLS.length; i += BATCH) {
          inst.batch(CALLS.slice(i, i + BATCH), i);
          await inst.checkpoint();
        }
      }
      return { topic, table };
    };
    const want = await run(false);
    // Both numbers' flags went out: R's calls are flagged calls, although its evidence was dismissed since.
    expect(new Set(want.topic.map((f) => f.number))).toEqual(new Set([R, S]));
    expect(hours(want.table)).toEqual([{ hour: '10:00', calls: 300, flagged_calls: 288, flagged_numbers: 2 }]);
    const got = await run(true);
    expect(hours(got.table)).toEqual(hours(want.table));
  });
});

describe('a partition this instance is fenced off while the group still assigns it', () => {
  it("its flags, dropped by the lane, are told kept: no call waits for them after the lane's round, nothing piles up in the task", async () => {
    const topic: FlagEvent[] = [];
    const inst = new Instance(memoryRedis(DISMISSED_R), topic, new Map()).start();
    inst.batch(CALLS.slice(0, BATCH), 0);
    await inst.checkpoint(); // owned: no flag yet
    inst.fencedOff = true; // another instance took the partition; this one keeps consuming it until the next rebalance
    for (let i = BATCH, k = 1; i < CALLS.length; i += BATCH, k++) {
      inst.batch(CALLS.slice(i, i + BATCH), i);
      await inst.lane.drain(); // the lane's round for the batch's flags
      expect({ at: i, waiting: inst.task.waitingCalls, undecided: inst.task.undecidedFlags }).toEqual({ at: i, waiting: 0, undecided: 0 });
      if (k % 5 === 0) await inst.checkpoint();
    }
    expect(inst.fencedFlags).toBeGreaterThan(0); // R's and S's flags, raised while fenced
    expect(topic).toEqual([]);
  });
});

describe('calls waiting for the flag lane', () => {
  it("count in the task's pending outputs, past a cut, until the word comes (backpressure sees a lane that does not answer)", () => {
    const inst = new Instance(memoryRedis({}), [], new Map()).start();
    const items: InputItem<CallEvent>[] = CALLS.slice(0, 40).map((c, i) => ({ offset: i, time: c.startTime, record: c, error: null, message: { offset: i, key: null, value: null } }));
    inst.task.accept(0, items, 40, false);
    inst.task.release(0);
    const flags = inst.task.takeFlags(); // raised, never handed to a lane
    expect(flags.length).toBeGreaterThan(0);
    const waiting = inst.task.waitingCalls;
    expect(waiting).toBeGreaterThan(0);
    expect(inst.task.undecidedFlags).toBe(flags.filter((f) => f.severity !== 'WATCH').length);
    inst.task.cut();
    expect(inst.task.pending).toBe(waiting);
    inst.task.decideFlags(flags.map((f) => f.flagId), []);
    expect([inst.task.waitingCalls, inst.task.pending]).toEqual([0, 0]);
  });
});
