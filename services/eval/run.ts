/**
 * An evaluation run: `callguard simulate` a seeded scenario into a
 * git-ignored folder, `callguard replay` it in a child process capturing the
 * FlagEvents on stdout, score them against the truth, and write the report
 * and chart. The simulator and the engine are used only through their
 * commands, as a user would.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { timeToLabelSvg } from './chart.ts';
import { parseFlagLine, readTruth } from './inputs.ts';
import { computeMetrics, evaluateTargets, TARGETS, type EvalFlag, type Metrics, type TargetResult } from './metrics.ts';
import { commitOf } from './provenance.ts';
import { renderReport } from './report.ts';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/callguard.mjs');

/** Options of an evaluation. */
export interface EvalOptions {
  scenario: string;
  seed: number;
  hours?: number;
  scale?: number;
  /** Engine config passed to replay as `--config`. */
  config?: string;
  /** Where generated data goes (default `.eval/`). */
  dataDir: string;
  /** Where the report and chart go (default `reports/`). */
  reportDir: string;
  /** Reuse generated data if present. */
  reuse: boolean;
}

/** A failure of the evaluation itself (not of the targets). */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** The outcome of an evaluation. */
export interface EvalResult {
  metrics: Metrics;
  targets: TargetResult[];
  reportFile: string;
  chartFile: string;
}

/** Runs simulate → replay → metrics → report. */
export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const { tagName, name } = scenarioNames(o.scenario);
  const tag = [tagName, `seed${o.seed}`, o.hours !== undefined ? `h${o.hours}` : '', o.scale !== undefined ? `x${o.scale}` : ''].filter(Boolean).join('-');
  const data = resolve(o.dataDir, tag);
  const files = {
    calls: join(data, 'calls.jsonl'),
    complaints: join(data, 'complaints.jsonl'),
    consents: join(data, 'consents.jsonl'),
    allowlist: join(data, 'allowlist.txt'),
    truth: join(data, 'truth.jsonl'),
    meta: join(data, 'meta.json'),
  };

  let simulateSeconds = 0;
  if (!(o.reuse && exists(files.meta))) {
    const args = ['simulate', '--scenario', o.scenario, '--seed', String(o.seed), '--out', data];
    if (o.hours !== undefined) args.push('--hours', String(o.hours));
    if (o.scale !== undefined) args.push('--scale', String(o.scale));
    const t0 = performance.now();
    const r = await runChild(args, () => {});
    simulateSeconds = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new EvalError(`callguard simulate failed (exit ${r.code}):\n${r.stderrTail}`);
  }

  const replayArgs = ['replay', '--calls', files.calls, '--complaints', files.complaints, '--consents', files.consents, '--allowlist', files.allowlist];
  if (o.config) replayArgs.push('--config', resolve(o.config));
  const flags: EvalFlag[] = [];
  let otherLines = 0;
  const t1 = performance.now();
  const r = await runChild(replayArgs, (line) => {
    const f = parseFlagLine(line);
    if (f) flags.push(f);
    else if (line.trim()) otherLines++;
  });
  const replaySeconds = (performance.now() - t1) / 1000;
  if (r.code !== 0) {
    const placeholder = /not implemented/i.test(r.stderrTail);
    throw new EvalError(
      placeholder
        ? `callguard replay is not available yet (it exited ${r.code}: "${r.stderrTail.trim()}"). The detection engine's replay command must exist before eval can score it.`
        : `callguard replay failed (exit ${r.code}):\n${r.stderrTail}`,
    );
  }
  if (otherLines > 0) process.stderr.write(`eval: ignored ${otherLines} stdout lines of replay that are not FlagEvents\n`);

  const truth = readTruth(files.truth);
  const metrics = computeMetrics(truth, flags);
  const targets = evaluateTargets(metrics);
  const meta = JSON.parse(readFileSync(files.meta, 'utf8')) as { hours: number; scale: number; written: { calls: number; complaints: number; consents: number } };
  mkdirSync(o.reportDir, { recursive: true });
  const chartName = `eval-${name}-ttl.svg`;
  const reportFile = join(o.reportDir, `eval-${name}.md`);
  const chartFile = join(o.reportDir, chartName);
  writeFileSync(chartFile, timeToLabelSvg(`Time to label — scenario ${name} (seed ${o.seed})`, metrics.populations, TARGETS.medianMinutes, TARGETS.fastPopulations));
  writeFileSync(
    reportFile,
    renderReport(
      {
        scenario: name,
        command: evalCommand(o),
        seed: o.seed,
        hours: meta.hours,
        scale: meta.scale,
        commit: commitOf(ROOT),
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        callEvents: meta.written.calls,
        complaints: meta.written.complaints,
        consents: meta.written.consents,
        simulateSeconds,
        replaySeconds,
        replayConfig: o.config ?? null,
        chartFile: chartName,
      },
      metrics,
      targets,
    ),
  );
  return { metrics, targets, reportFile, chartFile };
}

/**
 * What a scenario's data directory and report are named by: its file name (not the `name` inside it, which a file
 * extending a built-in inherits). A file elsewhere named like a built-in scenario is another scenario: it carries a
 * hash of its path, so that neither the built-in's data is reused for it (--reuse) nor its committed report
 * overwritten; other files' data carry the hash too.
 */
export function scenarioNames(scenario: string): { tagName: string; name: string } {
  const file = basename(scenario).replace(/\.json$/, '');
  const isFile = scenario.includes('/') || scenario.endsWith('.json');
  const builtIn = join(ROOT, 'scenarios', `${file}.json`);
  if (!isFile || resolve(scenario) === builtIn) return { tagName: file, name: file };
  const tagName = `${file}-${createHash('sha256').update(resolve(scenario)).digest('hex').slice(0, 8)}`;
  return { tagName, name: exists(builtIn) ? tagName : file };
}

/** The command that produces this report: every option that changes what is scored (not where files go). */
export function evalCommand(o: Pick<EvalOptions, 'scenario' | 'seed' | 'hours' | 'scale' | 'config'>): string {
  const args = ['--scenario', o.scenario, '--seed', String(o.seed)];
  if (o.hours !== undefined) args.push('--hours', String(o.hours));
  if (o.scale !== undefined) args.push('--scale', String(o.scale));
  if (o.config) args.push('--config', o.config);
  return `npm run eval -- ${args.join(' ')}`;
}

interface ChildResult {
  code: number;
  stderrTail: string;
}

/** Runs `callguard <args>`: stdout lines to `onLine`, stderr passed through and its tail kept. */
function runChild(args: string[], onLine: (line: string) => void): Promise<ChildResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (b: Buffer) => {
      process.stderr.write(b);
      tail = (tail + b.toString()).slice(-4000);
    });
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', onLine);
    const closed = new Promise<void>((r) => rl.once('close', () => r()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      void closed.then(() => resolveRun({ code: code ?? (signal ? 128 : 1), stderrTail: tail }));
    });
  });
}

function exists(file: string): boolean {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}
