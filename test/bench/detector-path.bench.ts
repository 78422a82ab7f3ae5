/**
 * The detector's per-event work in process, stage by stage, without Kafka
 * or any service: where a call event's CPU goes between the consumed bytes
 * and the checkpoint's rows. Run:
 *
 *   node --import tsx test/bench/detector-path.bench.ts
 *
 * The traffic is the e2e bench's (CallStream, 300,000 numbers, seed 7),
 * Avro-encoded in the Confluent wire format and split over 4 partitions by
 * the caller (Kafka's partitioner), in fetch-sized runs of 1,000. Each
 * stage runs on fresh state over the same events and prints CPU µs per
 * event (process user + system time, so the GC's helper threads count),
 * the time the GC took and wall time:
 *
 *  - decode: Avro only (the codec, schema cached);
 *  - decode + validate: what the pipeline's input step does (decode, the
 *    contract's validation and normalisation, the future check);
 *  - engines: the four partition engines over already-decoded events, with
 *    the process-wide campaign groups, without and with cross-partition
 *    contact notes (the detector's defaults);
 *  - aggregates: number_minute and provider_hour cells, rows taken and
 *    formatted as TabSeparated every 40,000 events (a checkpoint at 40k/s);
 *  - partition tasks: the whole pipeline step (decode, validate, merge,
 *    engine with contact notes, aggregates, flags collected, cut and rows
 *    formatted every 40,000 events) — what a detector does per event
 *    besides Kafka's client, the sinks' I/O and snapshots;
 *  - snapshot: one partition's snapshot (engine copy + aggregates + deflate)
 *    at the end, per snapshot.
 *
 * The GC figure is the summed duration of GC pauses (wall time: inflated
 * when other work shares the cores; the CPU figure is not), and the first
 * stages pay for marking the traffic built before them.
 *
 * Options (env): PATH_EVENTS (default 300,000), PATH_REPEAT (default 2: each
 * stage runs this many times, the best is printed: CPU time on a shared
 * machine is inflated by other work, never deflated).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import { defaultConfig } from '../../shared/config/index.ts';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { parseCallEvent } from '../../shared/contracts/validate.ts';
import { CampaignGroups, createEngine } from '../../shared/engine/index.ts';
import { readAvsc } from '../../shared/kafka/index.ts';
import { PartitionAggregates } from '../../services/detector/aggregates/index.ts';
import { AvroCodec } from '../../services/detector/kafka/codec.ts';
import { partitionOf } from '../../services/detector/kafka/partitioner.ts';
import type { SourceMessage } from '../../services/detector/kafka/source.ts';
import { decodeCalls, keyCheck } from '../../services/detector/pipeline/input.ts';
import { PartitionTask, type TaskEngine } from '../../services/detector/pipeline/partition-task.ts';
import { numberMinuteTsv, providerHourTsv } from '../../services/detector/sinks/clickhouse-writer.ts';
import { encodePartitionSnapshot } from '../../services/detector/state/snapshot-codec.ts';
import { CallStream } from './synthetic-calls.ts';
import { loadAverage } from './process-probes.ts';

const N = Number(process.env.PATH_EVENTS ?? 300_000);
const REPEAT = Number(process.env.PATH_REPEAT ?? 2);
const PARTITIONS = 4;
const FETCH = 1_000;
const CHECKPOINT_EVERY = 40_000;
const SCHEMA_ID = 1;

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

interface Figures {
  cpuUs: number;
  gcMs: number;
  wallMs: number;
}

async function measure(run: () => void | Promise<void>): Promise<Figures> {
  let best: Figures | null = null;
  for (let r = 0; r < REPEAT; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((res) => setTimeout(res, 50));
    const gc0 = gcMs;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await run();
    const c = process.cpuUsage(c0);
    const wallMs = performance.now() - w0;
    await new Promise((res) => setTimeout(res, 20)); // GC entries arrive asynchronously
    const f = { cpuUs: c.user + c.system, gcMs: gcMs - gc0, wallMs };
    if (!best || f.cpuUs < best.cpuUs) best = f;
  }
  return best!;
}

function line(name: string, f: Figures, events = N): string {
  return `  ${name.padEnd(44)} ${(f.cpuUs / events).toFixed(2).padStart(6)} µs/event CPU   GC ${(f.gcMs / 1000).toFixed(2).padStart(5)} s   wall ${(f.wallMs / 1000).toFixed(2).padStart(5)} s`;
}

async function main(): Promise<void> {
  const type = avsc.Type.forSchema(JSON.parse(readAvsc('CallEvent')) as avsc.Schema);
  const registry = { getSchema: async () => type } as unknown as SchemaRegistry;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(SCHEMA_ID, 1);

  // Traffic: per partition, fetch-sized runs of wire-format messages in offset order.
  const stream = new CallStream({ numbers: 300_000, rate: 2_000, seed: 7 });
  const events = stream.chunk(N);
  const byPartition: SourceMessage[][] = Array.from({ length: PARTITIONS }, () => []);
  const order: Array<{ p: number; from: number; to: number }> = [];
  for (const e of events) {
    const list = byPartition[partitionOf(e.caller, PARTITIONS)];
    list.push({ offset: list.length, key: Buffer.from(e.caller), value: Buffer.concat([header, type.toBuffer(e)]) });
  }
  // Batches interleaved across partitions, as one consumer fetching all four sees them.
  for (let from = 0; ; from += FETCH) {
    let any = false;
    for (let p = 0; p < PARTITIONS; p++) {
      const n = byPartition[p].length;
      if (from < n) {
        order.push({ p, from, to: Math.min(n, from + FETCH) });
        any = true;
      }
    }
    if (!any) break;
  }
  const validated: CallEvent[][] = byPartition.map((ms) =>
    ms.map((m) => {
      const r = parseCallEvent(type.fromBuffer(m.value!.subarray(5)));
      if (!r.ok) throw new Error(r.error);
      return r.value;
    }),
  );
  const now = Date.now() + 365 * 86_400_000; // no event is "in the future"
  const codec = new AvroCodec(registry);
  await codec.prepare([byPartition[0][0].value]);

  const out: string[] = [
    '',
    `detector per-event work in process (${N.toLocaleString()} call events, ${PARTITIONS} partitions, runs of ${FETCH}; best of ${REPEAT}; load average ${loadAverage()})`,
  ];
  const say = (s: string) => {
    out.push(s);
    process.stderr.write(s + '\n');
  };

  say(
    line(
      'decode (Avro, cached type)',
      await measure(() => {
        for (const b of order) for (let i = b.from; i < b.to; i++) codec.decode(byPartition[b.p][i].value);
      }),
    ),
  );
  say(
    line(
      'decode + validate (pipeline input step)',
      await measure(() => {
        for (const b of order) decodeCalls(codec, byPartition[b.p].slice(b.from, b.to), now, 3_600_000, keyCheck(b.p, PARTITIONS));
      }),
    ),
  );

  const engines = (contact: boolean) => () => {
    const groups = new CampaignGroups();
    const es = Array.from({ length: PARTITIONS }, () => createEngine(defaultConfig(), { now: () => 0, campaignGroups: groups }));
    for (const b of order) {
      const e = es[b.p];
      const list = validated[b.p];
      for (let i = b.from; i < b.to; i++) {
        const ev = list[i];
        if (e.onCall(ev) === 'accepted' && contact) {
          const q = partitionOf(ev.callee, PARTITIONS);
          if (q !== b.p) es[q].noteCallBack(ev.callee, ev.caller, ev.startTime);
        }
        e.drainFlags();
      }
    }
  };
  say(line('engines, no contact notes', await measure(engines(false))));
  say(line('engines + contact notes (detector default)', await measure(engines(true))));

  say(
    line(
      'aggregates (cells, rows, TabSeparated)',
      await measure(() => {
        const ags = Array.from({ length: PARTITIONS }, (_, p) => new PartitionAggregates({ calls: `calls/${p}`, complaints: `complaints/${p}` }));
        let n = 0;
        let wm = 0;
        for (const b of order) {
          const list = validated[b.p];
          for (let i = b.from; i < b.to; i++) {
            ags[b.p].onCall(list[i], i);
            if (list[i].startTime > wm) wm = list[i].startTime;
            if (++n % CHECKPOINT_EVERY === 0) {
              for (const a of ags) {
                const rows = a.takeChanged();
                numberMinuteTsv(rows.numberMinute, 0, rows.numberMinute.length);
                providerHourTsv(rows.providerHour, 0, rows.providerHour.length);
                a.evict(wm - 120_000, wm - 120_000 - 30 * 86_400_000); // calls' watermark; complaints kept for their window
              }
            }
          }
        }
      }),
    ),
  );

  let lastTasks: PartitionTask[] = [];
  let flagCount = 0;
  const tasks = () => {
    const groups = new CampaignGroups();
    const ts: PartitionTask[] = [];
    const route = (p: number) => (callee: string, caller: string, t: number) => {
      const q = partitionOf(callee, PARTITIONS);
      if (q !== p) ts[q]?.engine.noteCallBack(callee, caller, t);
    };
    for (let p = 0; p < PARTITIONS; p++) {
      const engine = createEngine(defaultConfig(), { now: () => 0, campaignGroups: groups }) as unknown as TaskEngine;
      ts.push(
        new PartitionTask({
          partition: p,
          engine,
          positions: { calls: 0, complaints: 0 },
          epochs: { calls: 0, complaints: 0 },
          suppressBelow: { calls: 0, complaints: 0 },
          topics: { calls: 'calls', complaints: 'complaints' },
          lastEventTime: null,
          contact: route(p),
        }),
      );
      ts[p].setPending(1, false);
    }
    let n = 0;
    let flags = 0;
    for (const b of order) {
      const t = ts[b.p];
      const items = decodeCalls(codec, byPartition[b.p].slice(b.from, b.to), now, 3_600_000, keyCheck(b.p, PARTITIONS));
      t.accept(0, items, b.to, false);
      t.release(now);
      const raised = t.takeFlags();
      t.decideFlags(raised.map((f) => f.flagId), []); // the flag lane's word (none dismissed), as detector.ts wires it
      flags += raised.length;
      n += b.to - b.from;
      if (n % CHECKPOINT_EVERY < FETCH) {
        for (const x of ts) {
          const cut = x.cut();
          numberMinuteTsv(cut.rows.numberMinute, 0, cut.rows.numberMinute.length);
          providerHourTsv(cut.rows.providerHour, 0, cut.rows.providerHour.length);
        }
      }
    }
    lastTasks = ts;
    flagCount = flags;
  };
  say(line('partition tasks (whole step, no I/O)', await measure(tasks)) + `   (${flagCount} flags)`);

  const t = lastTasks[0];
  let bytes = 0;
  let raw = 0;
  const copy = await measure(() => {
    const s = t.snapshot(Date.now());
    raw = Object.values(s.engine?.parts ?? {}).reduce((a, b) => a + b.byteLength, 0);
  });
  const snap = await measure(async () => {
    bytes = (await encodePartitionSnapshot(t.snapshot(Date.now()))).length;
  });
  say(
    `  snapshot of partition 0 (${t.engine.stats().trackedNumbers.toLocaleString()} numbers, ${(raw / 1048576).toFixed(1)} MB of engine parts): ` +
      `copy ${(copy.cpuUs / 1000).toFixed(0)} ms CPU; copy + deflate ${(snap.cpuUs / 1000).toFixed(0)} ms CPU, ${snap.wallMs.toFixed(0)} ms wall, ${(bytes / 1048576).toFixed(1)} MB stored`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
