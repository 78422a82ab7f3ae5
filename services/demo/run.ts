/**
 * `npm run demo`: the whole system on this machine, end to end.
 *  1. `callguard stack up` (installs and starts what is missing);
 *  2. simulated probe traffic (default scenario, small) produced to fresh
 *     Kafka topics of this run, Avro through the registry;
 *  3. `callguard detect` on those topics until it has caught up;
 *  4. the flags and aggregates it wrote, summarised from ClickHouse, and the
 *     flags scored against the simulator's truth.
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createClickHouse, clickHouseDatabaseFromEnv, clickHouseUrlFromEnv } from '../../shared/clickhouse/index.ts';
import { createKafka, ensureTopics, LogLevel, topicSpecsFor } from '../../shared/kafka/index.ts';
import { detectorEnv, runTopics } from '../detector/launch-env.ts';
import { readTruth } from '../eval/inputs.ts';
import { parseDetectorMetrics, type DetectorProgress } from './progress.ts';
import { runCli, startCli, stop } from './processes.ts';
import { printSummary } from './summary.ts';

/** Options of `callguard demo` (see cli.ts). */
export interface DemoOptions {
  hours: number;
  scale: number;
  seed: number;
  timeoutMs: number;
}

const say = (s: string) => process.stderr.write(`[demo] ${s}\n`);

/** Runs the demo; returns the exit code (1 when a step failed, said on stderr). */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const started = Date.now();
  const id = new Date(started).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = join(process.cwd(), '.demo', id);
  mkdirSync(dir, { recursive: true });
  const topics = runTopics(`callguard.demo.${id}`);

  say('1/4 local stack');
  if ((await runCli(['stack', 'up'])) !== 0) return fail('callguard stack up failed (see above and .stack/logs/)');

  say(`2/4 simulated traffic → Kafka topics callguard.demo.${id}.* (default scenario, ${opts.hours} h, scale ${opts.scale})`);
  const kafka = createKafka({ clientId: 'callguard-demo', logLevel: LogLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicSpecsFor(topics));
  await admin.disconnect();
  const sim = await runCli([
    'simulate', '--scenario', 'default', '--seed', String(opts.seed), '--hours', String(opts.hours), '--scale', String(opts.scale),
    '--kafka', '--out', dir, '--no-progress',
    '--calls-topic', topics.calls, '--complaints-topic', topics.complaints, '--consents-topic', topics.consents,
  ]);
  if (sim !== 0) return fail('callguard simulate failed');
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { written?: { calls?: number } };
  const produced = meta.written?.calls ?? 0;

  say(`3/4 callguard detect on the demo topics (log: ${join(dir, 'detector.log')})`);
  const port = 9474;
  const env = { ...process.env, ...detectorEnv({ topics, group: `callguard-demo-${id}`, redisPrefix: `callguard:demo:${id}`, port }) };
  const detector = startCli(['detect'], env, createWriteStream(join(dir, 'detector.log')));
  let last: DetectorProgress | null;
  try {
    last = await waitCaughtUp(port, produced, opts.timeoutMs, () => detector.exitCode !== null);
  } finally {
    await stop(detector);
  }
  if (!last) return fail(`the detector did not catch up within ${opts.timeoutMs / 1000} s (see ${join(dir, 'detector.log')})`);

  say('4/4 results');
  const ch = createClickHouse({ url: clickHouseUrlFromEnv() });
  try {
    await printSummary(ch, clickHouseDatabaseFromEnv(), started, topics.calls);
  } finally {
    await ch.close();
  }
  const score = await scoreFlags(kafka, topics.flags, join(dir, 'truth.jsonl'));
  process.stdout.write(
    `detector: ${last.eventsIn} call records in, ${last.flags} flags out; against the simulator's truth at ≥ LABEL: ` +
      `precision ${score.precision.toFixed(3)}, recall ${score.recall.toFixed(3)} (${score.labelled} numbers labelled)\n`,
  );
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; files in ${dir}; the console: npx callguard investigate`);
  return 0;
}

function fail(message: string): number {
  say(`FAILED: ${message}`);
  return 1;
}

/** Polls the detector's /metrics until every produced call was taken in and nothing is pending. */
async function waitCaughtUp(port: number, produced: number, timeoutMs: number, exited: () => boolean): Promise<DetectorProgress | null> {
  const deadline = Date.now() + timeoutMs;
  let stableSince = 0;
  while (Date.now() < deadline) {
    if (exited()) return null;
    await new Promise((r) => setTimeout(r, 1000));
    let p: DetectorProgress;
    try {
      p = parseDetectorMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    } catch {
      continue; // not listening yet
    }
    process.stderr.write(`\r[demo]     ${p.eventsIn} of ${produced} call records, lag ${p.lag}, pending ${p.pending}, flags ${p.flags}   `);
    const done = p.eventsIn >= produced && p.lag === 0 && p.pending === 0;
    if (!done) stableSince = 0;
    else if (stableSince === 0) stableSince = Date.now();
    else if (Date.now() - stableSince >= 3000) {
      process.stderr.write('\n');
      return p;
    }
  }
  process.stderr.write('\n');
  return null;
}

/** Reads the run's flags topic and scores the labelled numbers against the truth file. */
async function scoreFlags(kafka: Kafka, topic: string, truthFile: string): Promise<{ precision: number; recall: number; labelled: number }> {
  const { readFlagsTopic } = await import('./flags-topic.ts');
  const labelled = await readFlagsTopic(kafka, topic);
  const truth = new Map(readTruth(truthFile).map((t) => [t.number, t.nuisance]));
  let tp = 0;
  let fp = 0;
  for (const n of labelled) {
    if (truth.get(n)) tp++;
    else fp++;
  }
  const nuisance = [...truth.values()].filter(Boolean).length;
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, nuisance), labelled: labelled.size };
}
