/**
 * Positions past a partition's end: a topic deleted and re-created under its
 * name (Redis still holds its snapshot and emitted mark), or a log truncated
 * by an unclean leader election. Sought there, kafkajs resets the offset and
 * fetches from the earliest one, and every record below the stale position
 * used to be dropped unprocessed: no DLQ record, no count (ownership.ts
 * pastEnd, batches.ts noteBelowPosition).
 */
import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import pino from 'pino';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { readAvsc } from '../../../shared/kafka/index.ts';
import { loadDetectorConfig } from '../config.ts';
import { AvroCodec } from '../kafka/codec.ts';
import type { SourceBatch } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import { onBatch } from './batches.ts';
import { DetectorState, type DetectorDeps } from './detector-state.ts';
import type { FlagLane } from './flag-lane.ts';
import { onAssigned } from './ownership.ts';

const callType = avsc.Type.forSchema(JSON.parse(readAvsc('CallEvent')) as avsc.Schema);
const registry = { getSchema: async () => callType } as unknown as SchemaRegistry;
const wire = (c: CallEvent) => Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), callType.toBuffer(c)]);

const loaded = loadDetectorConfig({});
if (!loaded.ok) throw new Error(loaded.errors.join('; '));
const config = loaded.config;
const { calls: CALLS, complaints: COMPLAINTS } = config.topics;

type Ends = { calls: number; complaints: number };
interface Setup {
  high: Ends;
  committed?: { calls: number | null; complaints: number | null };
  stored?: PartitionSnapshot | null;
  mark?: Ends | null;
}

/** A detector state over fakes, partition 0 assigned: its end offsets `high`, committed offsets, snapshot and emitted mark in Redis. */
async function assigned(s: Setup) {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const seeks: string[] = [];
  const deps = {
    config,
    codec: new AvroCodec(registry),
    fence: { acquire: async () => 1 },
    source: {
      committed: async (t: string) => new Map([[0, (t === CALLS ? s.committed?.calls : s.committed?.complaints) ?? null]]),
      offsets: async (t: string) => new Map([[0, { low: 0, high: t === CALLS ? s.high.calls : s.high.complaints }]]),
      seek: (t: string, p: number, o: number) => void seeks.push(`${t}/${p}@${o}`),
      pause: () => {},
      resume: () => {},
      lastFetchAt: () => Date.now(),
    },
    snapshots: { load: async () => s.stored ?? null },
    marks: { load: async () => s.mark ?? null },
    metrics: new DetectorMetrics(),
    log,
  };
  const st = new DetectorState(deps as unknown as DetectorDeps);
  st.partitions = 1;
  const flags: string[] = [];
  st.lane = { push: (fs: Array<{ number: string }>) => void flags.push(...fs.map((f) => f.number)) } as unknown as FlagLane;
  await onAssigned(st, { [CALLS]: [0], [COMPLAINTS]: [0] });
  const errors = () => lines.filter((l) => l.level >= 50).map((l) => l.msg);
  return { st, task: st.tasks.get(0)!, seeks, flags, errors, metrics: deps.metrics };
}

/** The snapshot an instance stored after reading the old topic's partition 0 up to offset 5000 on both streams. */
async function oldSnapshot(): Promise<PartitionSnapshot> {
  const { task } = await assigned({ high: { calls: 5000, complaints: 5000 }, committed: { calls: 5000, complaints: 5000 } });
  return task.snapshot(Date.now());
}

const T0 = Date.now() - 3_600_000;
const X = '+8617012345678';
/** Unanswered calls from X to new numbers, 20 s apart: enough to flag X. */
const nuisance = (n: number) =>
  Array.from({ length: n }, (_, i): CallEvent => ({
    eventId: `e${i}`,
    probeId: 'p',
    caller: X,
    callee: `+86139${String(10_000_000 + i).padStart(8, '0')}`,
    startTime: T0 + i * 20_000,
    answerTime: null,
    endTime: T0 + i * 20_000 + 5_000,
    outcome: 'NO_ANSWER',
    releaseCause: 480,
    accessProvider: 'X',
  }));

/** The calls at offsets `from`.., as one batch of partition 0 (end offset `high`). */
function batch(calls: CallEvent[], from: number, high: number, stale?: () => boolean): SourceBatch {
  const messages = calls.map((c, i) => ({ offset: from + i, key: Buffer.from(X), value: wire(c) }));
  return { topic: CALLS, partition: 0, messages, highWatermark: high, fetchedOffset: from, lastOffset: from + calls.length - 1, stale };
}

const belowPosition = async (m: DetectorMetrics) => (await m.belowPosition.get()).values.map((v) => ({ ...v.labels, n: v.value }));

describe('a stored snapshot past the partition\'s end', () => {
  it('is ignored (logged as an error): the partition starts fresh from the earliest offset and reads the new records', async () => {
    const h = await assigned({ high: { calls: 100, complaints: 0 }, committed: { calls: null, complaints: null }, stored: await oldSnapshot() });
    expect(h.errors()).toEqual([expect.stringMatching(/^stored snapshot lies past the partition's end .*: ignored; the partition starts with fresh state$/)]);
    expect(h.task.expected(0)).toBe(0);
    expect(h.task.expected(1)).toBe(0);
    expect(h.seeks).toEqual([`${CALLS}/0@0`, `${COMPLAINTS}/0@0`]);
    // No stored snapshot at its positions: the next checkpoint stores one before it commits.
    expect(h.st.snapshotStored.has(0)).toBe(false);
    await onBatch(h.st, batch(nuisance(100), 0, 100));
    expect(h.task.stats.accepted[0]).toBe(100);
    expect(h.task.positions().calls).toBe(100);
    expect(await belowPosition(h.metrics)).toEqual([]);
  });

  it('on the complaints stream alone is ignored too', async () => {
    const h = await assigned({ high: { calls: 6000, complaints: 100 }, committed: { calls: 5000, complaints: null }, stored: await oldSnapshot() });
    expect(h.errors()).toHaveLength(1);
    expect([h.task.expected(0), h.task.expected(1)]).toEqual([5000, 0]);
    expect(h.st.snapshotStored.has(0)).toBe(false);
  });

  it('but one within the end is restored', async () => {
    const h = await assigned({ high: { calls: 6000, complaints: 5000 }, committed: { calls: 4000, complaints: 4000 }, stored: await oldSnapshot() });
    expect(h.errors()).toEqual([]);
    expect([h.task.expected(0), h.task.expected(1)]).toEqual([5000, 5000]);
    expect(h.st.snapshotStored.has(0)).toBe(true);
  });
});

describe('a committed offset and an emitted mark past the partition\'s end', () => {
  it('the committed offset counts as the end, the mark is ignored: flags of the new records below it are emitted', async () => {
    const h = await assigned({ high: { calls: 100, complaints: 0 }, committed: { calls: 5000, complaints: null }, mark: { calls: 5000, complaints: 0 } });
    expect(h.errors()).toEqual([expect.stringMatching(/^emitted mark lies past/), expect.stringMatching(/^committed offset lies past/)]);
    expect(h.task.expected(0)).toBe(100);

    const g = await assigned({ high: { calls: 100, complaints: 0 }, committed: { calls: null, complaints: null }, mark: { calls: 5000, complaints: 0 } });
    expect(g.task.expected(0)).toBe(0);
    await onBatch(g.st, batch(nuisance(100), 0, 100));
    expect(g.task.stats.suppressed).toBe(0);
    expect(g.task.stats.flags).toBeGreaterThan(0);
    expect(g.flags).toContain(X);
  });
});

describe('records fetched below the task\'s position', () => {
  it('are counted per topic and partition and logged when no seek explains them; a batch fetched before a seek is not', async () => {
    const h = await assigned({ high: { calls: 200, complaints: 0 }, committed: { calls: 150, complaints: null } });
    expect(h.task.expected(0)).toBe(150);
    const calls = nuisance(200);
    // Fetched before the partition was sought to 150 (kafkajs: isStale): read already, dropped quietly.
    await onBatch(h.st, batch(calls.slice(100, 160), 100, 200, () => true));
    expect(h.task.stats.accepted[0]).toBe(10);
    expect(await belowPosition(h.metrics)).toEqual([]);
    expect(h.errors()).toEqual([]);
    // Kafka reset the fetch position by itself.
    await onBatch(h.st, batch(calls.slice(0, 170), 0, 200, () => false));
    expect(h.task.stats.accepted[0]).toBe(20);
    expect(await belowPosition(h.metrics)).toEqual([{ topic: CALLS, partition: '0', n: 160 }]);
    expect(h.errors()).toEqual([expect.stringMatching(/^records fetched below the partition's position dropped unprocessed/)]);
  });
});
