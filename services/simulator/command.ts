/**
 * `callguard simulate`: wiring of options → scenario → sink → run, with a
 * progress bar and a summary on stderr.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { SimulateOptions } from './cli.ts';
import { positiveNumberProblem, runOptionProblems } from './options.ts';
import { runScenario } from './run.ts';
import { loadScenario, ScenarioError } from './scenario.ts';
import { JsonlSink } from './sinks/jsonl.ts';
import type { Sink } from './sinks/sink.ts';
import { formatSummary, runMeta } from './summary.ts';

/** Runs the command; returns the exit code. */
export async function simulateCommand(opts: SimulateOptions): Promise<number> {
  const seed = Number(opts.seed);
  const hours = opts.hours === undefined ? undefined : Number(opts.hours);
  const scale = opts.scale === undefined ? undefined : Number(opts.scale);
  const rate = opts.rate === undefined ? undefined : Number(opts.rate);
  const errors = [
    ...runOptionProblems(opts),
    positiveNumberProblem('--rate', opts.rate),
    rate !== undefined && !opts.kafka ? '--rate applies only with --kafka' : '',
    !opts.kafka && !opts.out ? '--out <dir> is required (or --kafka)' : '',
  ].filter(Boolean);
  if (errors.length) {
    process.stderr.write(errors.map((e) => `callguard simulate: ${e}\n`).join(''));
    return 2;
  }

  let scenario;
  try {
    scenario = loadScenario(opts.scenario, { hours, scale });
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`callguard simulate: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  let sink: Sink;
  if (opts.kafka) {
    const { KafkaSink } = await import('./sinks/kafka.ts');
    try {
      sink = await KafkaSink.connect({
        topics: { calls: opts.callsTopic, complaints: opts.complaintsTopic, consents: opts.consentsTopic },
        rate,
      });
    } catch (e) {
      process.stderr.write(`callguard simulate: ${(e as Error).message}\n`);
      return 1;
    }
  } else {
    sink = new JsonlSink(opts.out as string);
  }

  const bar =
    opts.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'simulate {bar} {percentage}% of event time | {records} records | {eta_formatted} left',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(1000, 0, { records: 0 });
  let result;
  try {
    result = await runScenario(scenario, seed, sink, {
      onProgress: (f, n) => bar?.update(Math.round(f * 1000), { records: n }),
    });
  } catch (e) {
    bar?.stop();
    process.stderr.write(`callguard simulate: failed while writing to ${opts.kafka ? 'Kafka' : opts.out}: ${(e as Error).message}\n`);
    return 1;
  }
  bar?.stop();

  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'allowlist.txt'), result.allowlist.map((n) => n + '\n').join(''));
    writeFileSync(join(opts.out, 'truth.jsonl'), result.truth.map((r) => JSON.stringify(r) + '\n').join(''));
    writeFileSync(join(opts.out, 'meta.json'), JSON.stringify(runMeta(scenario, seed, result), null, 2) + '\n');
  }
  process.stderr.write(formatSummary(scenario.name, seed, result, opts.kafka ? 'kafka' : (opts.out as string)));
  return 0;
}
