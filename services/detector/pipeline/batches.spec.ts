import { afterEach, describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import pino from 'pino';
import type { CallEvent, ComplaintReport } from '../../../shared/contracts/records.ts';
import { defaultConfig } from '../../../shared/config/index.ts';
import { createEngine } from '../../../shared/engine/index.ts';
import { readAvsc, SchemaNotUsableError } from '../../../shared/kafka/index.ts';
import { loadDetectorConfig } from '../config.ts';
import { AvroCodec } from '../kafka/codec.ts';
import { partitionOf } from '../kafka/partitioner.ts';
import type { SourceBatch, SourceMessage } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { onBatch } from './batches.ts';
import { DetectorState, type DetectorDeps } from './detector-state.ts';
import type { FlagLane } from './flag-lane.ts';
import { dlqReason } from './metrics-update.ts';
import { PartitionTask } from './partition-task.ts';

const callType = avsc.Type.forSchema(JSON.parse(readAvsc('CallEvent')) as avsc.Schema);
const complaintType = avsc.Type.forSchema(JSON.parse(readAvsc('ComplaintReport')) as avsc.Schema);
const CALL_ID = 1;
const COMPLAINT_ID = 3;
/** A schema id the registry answers for with a schema the client cannot build (a JSON Schema with `javaType`, as Confluent's JSON serializer registers it). */
const UNBUILDABLE_ID = 2;

/** The registry as the detector sees it: two Avro ids, one it cannot build, and 404 for the rest. */
const registry = {
  getSchema: async (id: number) => {
    if (id === CALL_ID) return callType;
    if (id === COMPLAINT_ID) return complaintType;
    // As createSchemaRegistry's client reports a well-formed document it could not build.
    if (id === UNBUILDABLE_ID) throw new SchemaNotUsableError(id, 'JSON', Object.assign(new Error('strict mode: unknown keyword: "javaType"'), { name: 'ConfluentSchemaRegistryArgumentError' }));
    throw Object.assign(new Error('callguard - Schema not found'), { name: 'ResponseError', status: 404 });
  },
} as unknown as SchemaRegistry;

function wire(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

const PARTITIONS = 4;
const ROBO = '+8617012345678';
const ROBO_AS_SIGNALLED = '17012345678';
const T = Date.now() - 3_600_000;

const call = (i: number, caller = ROBO): CallEvent => ({
  eventId: `e${i}`,
  probeId: 'p',
  caller,
  callee: `+86139${String(10_000_000 + i).padStart(8, '0')}`,
  startTime: T + i * 20_000,
  answerTime: null,
  endTime: T + i * 20_000 + 5_000,
  outcome: 'NO_ANSWER',
  releaseCause: 480,
  accessProvider: 'X',
});

const complaint = (i: number, reported: string, reporter = '+8613912345678'): ComplaintReport => ({
  reportId: `r${i}`,
  reporter,
  reported,
  reportTime: T + i * 1_000,
  category: 'FRAUD',
  channel: 'APP',
});

let open: DetectorState | undefined;
afterEach(() => {
  open?.abort.abort(); // ends a schema fetch still retried
  open = undefined;
});

/** A detector state over fakes, with one task per partition, all active; the log lines kept. */
function harness() {
  const loaded = loadDetectorConfig({});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const metrics = new DetectorMetrics();
  const deps = {
    config: loaded.config,
    codec: new AvroCodec(registry),
    metrics,
    log,
    source: { seek: () => {}, pause: () => {}, resume: () => {}, lastFetchAt: () => Date.now() },
  };
  const st = new DetectorState(deps as unknown as DetectorDeps);
  open = st;
  st.partitions = PARTITIONS;
  /** Flags raised, by partition (what the flag lane was handed). */
  const flagged = new Map<number, number>();
  st.lane = { push: (flags: unknown[], p: number) => void flagged.set(p, (flagged.get(p) ?? 0) + flags.length) } as unknown as FlagLane;
  for (let p = 0; p < PARTITIONS; p++) {
    st.tasks.set(
      p,
      new PartitionTask({
        partition: p,
        engine: createEngine(defaultConfig(), { now: () => Date.now() }),
        positions: { calls: 0, complaints: 0 },
        epochs: { calls: 0, complaints: 0 },
        suppressBelow: { calls: 0, complaints: 0 },
        topics: { calls: loaded.config.topics.calls, complaints: loaded.config.topics.complaints },
        lastEventTime: null,
      }),
    );
    st.active.add(p);
  }
  const offsets = new Map<string, number>();
  /** Hands `records` (key, value) to onBatch as one batch of `topic` partition `p`, at the task's next offsets. */
  const batch = (topic: 'calls' | 'complaints', p: number, records: Array<{ key: string | null; value: Buffer | null }>): Promise<void> => {
    const name = loaded.config.topics[topic];
    const first = offsets.get(`${name}/${p}`) ?? 0;
    const messages: SourceMessage[] = records.map((r, i) => ({ offset: first + i, key: r.key === null ? null : Buffer.from(r.key), value: r.value }));
    offsets.set(`${name}/${p}`, first + records.length);
    const b: SourceBatch = { topic: name, partition: p, messages, highWatermark: first + records.length, fetchedOffset: first, lastOffset: first + records.length - 1 };
    return onBatch(st, b);
  };
  const dlq = (p: number) => st.tasks.get(p)!.cut().dlq.map((d) => d.error);
  return { st, lines, metrics, batch, dlq, flagged, config: loaded.config };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'done' as const), new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

describe('onBatch: a schema id the client cannot use', () => {
  it('sends its records to the DLQ (reason unknown-schema) and goes on, instead of retrying the registry without end', async () => {
    const h = harness();
    const p = partitionOf(ROBO, PARTITIONS);
    const records = [
      { key: ROBO, value: wire(CALL_ID, callType.toBuffer(call(0))) },
      { key: ROBO, value: wire(UNBUILDABLE_ID, Buffer.from('{"eventId":"j1"}')) },
      { key: ROBO, value: wire(CALL_ID, callType.toBuffer(call(1))) },
    ];
    expect(await within(h.batch('calls', p, records), 3_000)).toBe('done');
    const task = h.st.tasks.get(p)!;
    expect(task.stats.accepted[0]).toBe(2);
    const dlq = h.dlq(p);
    expect(dlq).toEqual(['unusable schema id 2 (ConfluentSchemaRegistryArgumentError): strict mode: unknown keyword: "javaType"']);
    expect(dlqReason(dlq[0])).toBe('unknown-schema');
    // Said once, as what it is (not a registry outage), and the id is not asked for again.
    expect(h.lines.filter((l) => l.msg === 'schema id cannot be used: its records go to the DLQ')).toMatchObject([{ schemaId: 2, err: dlq[0] }]);
    expect(h.lines.filter((l) => l.msg === 'failed; retrying')).toEqual([]);
    expect(await within(h.batch('calls', p, [records[1]]), 3_000)).toBe('done');
    expect(h.dlq(p)).toEqual(dlq);
    expect(h.lines.filter((l) => l.msg === 'schema id cannot be used: its records go to the DLQ')).toHaveLength(1);
  });
});

describe('onBatch: keys of calls and complaints', () => {
  const owner = partitionOf(ROBO, PARTITIONS);
  const other = partitionOf(ROBO_AS_SIGNALLED, PARTITIONS);
  const callsOf = (n: number, from: number, caller = ROBO) => Array.from({ length: n }, (_, i) => wire(CALL_ID, callType.toBuffer(call(from + i, caller))));

  it('the setting: the number as signalled hashes to another partition than its normalised form', () => {
    expect(other).not.toBe(owner);
  });

  it('a call keyed otherwise than by its normalised caller, on a partition its caller does not belong to, goes to the DLQ as misrouted', async () => {
    const h = harness();
    const empty = [0, 1, 2, 3].find((p) => p !== owner && p !== other)!;
    await h.batch('calls', other, callsOf(2, 0, ROBO_AS_SIGNALLED).map((value) => ({ key: ROBO_AS_SIGNALLED, value })));
    await h.batch('calls', empty, callsOf(1, 2).map((value) => ({ key: null, value })));
    await h.batch('calls', empty, callsOf(1, 3).map((value) => ({ key: '+8613912345678', value }))); // keyed by callee
    const signalled = `misrouted: key "${ROBO_AS_SIGNALLED}" is not the normalised caller ${ROBO} (it belongs to partition ${owner})`;
    expect(h.dlq(other)).toEqual([signalled, signalled]);
    expect(h.dlq(empty)).toEqual([
      `misrouted: key null is not the normalised caller ${ROBO} (it belongs to partition ${owner})`,
      `misrouted: key "+8613912345678" is not the normalised caller ${ROBO} (it belongs to partition ${owner})`,
    ]);
    expect(dlqReason(signalled)).toBe('misrouted');
    expect(h.st.tasks.get(other)!.stats.accepted[0]).toBe(0);
    expect(h.st.tasks.get(empty)!.stats.accepted[0]).toBe(0);
  });

  it('a complaint keyed otherwise than by its normalised reported number goes to the DLQ as misrouted', async () => {
    const h = harness();
    const reporter = '+8613912345678';
    const away = partitionOf(reporter, PARTITIONS);
    expect(away).not.toBe(owner);
    await h.batch('complaints', away, [{ key: reporter, value: wire(COMPLAINT_ID, complaintType.toBuffer(complaint(0, ROBO, reporter))) }]);
    expect(h.dlq(away)).toEqual([`misrouted: key "${reporter}" is not the normalised reported number ${ROBO} (it belongs to partition ${owner})`]);
    await h.batch('complaints', owner, [{ key: ROBO, value: wire(COMPLAINT_ID, complaintType.toBuffer(complaint(1, ROBO_AS_SIGNALLED, reporter))) }]);
    expect(h.dlq(owner)).toEqual([]);
    expect(h.st.tasks.get(owner)!.stats.accepted[1]).toBe(1);
  });

  it('a key in another form that lands on the number\'s own partition is accepted, counted, and logged once per partition', async () => {
    const h = harness();
    await h.batch('calls', owner, callsOf(3, 0, ROBO_AS_SIGNALLED).map((value) => ({ key: ROBO_AS_SIGNALLED, value })));
    await h.batch('calls', owner, callsOf(2, 3).map((value) => ({ key: null, value })));
    await h.batch('calls', owner, callsOf(4, 5).map((value) => ({ key: ROBO, value }))); // as the contract says: not counted
    expect(h.dlq(owner)).toEqual([]);
    expect(h.st.tasks.get(owner)!.stats.accepted[0]).toBe(9);
    const counted = (await h.metrics.keyOtherForm.get()).values;
    expect(counted).toEqual([{ labels: { topic: h.config.topics.calls, partition: String(owner) }, value: 5 }]);
    const warned = h.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('records keyed by another form of their number'));
    expect(warned).toMatchObject([{ topic: h.config.topics.calls, partition: owner, key: ROBO_AS_SIGNALLED, number: ROBO }]);
  });

  it('one robocaller keyed half as signalled: one engine judges every call it keeps, no second set of flags elsewhere', async () => {
    const h = harness();
    const n = 150;
    const byPartition = new Map<number, Array<{ key: string; value: Buffer }>>();
    for (let i = 0; i < n; i++) {
      const key = i % 2 === 0 ? ROBO : ROBO_AS_SIGNALLED;
      const p = partitionOf(key, PARTITIONS);
      if (!byPartition.has(p)) byPartition.set(p, []);
      byPartition.get(p)!.push({ key, value: callsOf(1, i, key)[0] });
    }
    for (const [p, records] of byPartition) await h.batch('calls', p, records);
    expect([...h.flagged].filter(([, n]) => n > 0).map(([p]) => p)).toEqual([owner]);
    expect(h.dlq(other)).toHaveLength(n / 2);
    expect(dlqReason(h.dlq(other)[0] ?? 'misrouted:')).toBe('misrouted');
  });
});
