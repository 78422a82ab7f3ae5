/**
 * `npm run eval [-- --scenario default|large|adversarial|FILE --seed N …]`:
 * simulate, replay, score, write reports/eval-<scenario>.md and its chart.
 * `--sweep N` runs a holdout sweep instead (sweep.ts, docs/quality.md).
 * Exits 0 when the evaluation ran (whatever the scores; `--strict` exits 1
 * when a target is missed), 2 when it could not run.
 */
import { Command } from 'commander';
import { EvalError, ROOT, runEval } from './run.ts';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../../shared/config/index.ts';
import { runSweep } from './sweep.ts';
import { evalOptionProblems, type EvalCliOptions } from './options.ts';

const program = new Command('eval')
  .description('Score the detection engine (callguard replay) on a seeded simulated scenario')
  .option('--scenario <name|file>', 'default | large | adversarial | scenario JSON file', 'default')
  .option('--seed <n>', 'simulation seed', '1')
  .option('--hours <h>', 'override the scored period length')
  .option('--scale <x>', 'override the population scale')
  .option('--config <file>', 'engine config passed to replay')
  .option('--data-dir <dir>', 'where generated scenarios go (git-ignored)', join(ROOT, '.eval'))
  .option('--report-dir <dir>', 'where the report and chart go', join(ROOT, 'reports'))
  .option('--reuse', 'reuse generated data for the same scenario, seed, hours and scale if present')
  .option('--strict', 'exit 1 if any target is missed')
  .option('--sweep <n>', 'holdout sweep: n perturbed variants of default/adversarial, run in process (see docs/quality.md)')
  .option('--sweep-scale <x>', 'population scale of each sweep variant', '0.2')
  .option('--sweep-hours <h>', 'scored hours of each sweep variant', '24')
  .showHelpAfterError();

program.parse(process.argv);
const o = program.opts<EvalCliOptions>();

const seed = Number(o.seed);
const hours = o.hours === undefined ? undefined : Number(o.hours);
const scale = o.scale === undefined ? undefined : Number(o.scale);
const bad = evalOptionProblems(o);
if (bad.length) {
  process.stderr.write(bad.map((b) => `eval: ${b}\n`).join(''));
  process.exit(2);
}

if (o.sweep !== undefined) {
  const loaded = loadConfig({ file: o.config, env: process.env });
  if (!loaded.ok) {
    process.stderr.write(`eval: invalid engine config:\n${loaded.errors.map((e) => `  ${e}\n`).join('')}`);
    process.exit(2);
  }
  mkdirSync(o.reportDir, { recursive: true });
  const rows = await runSweep({
    n: Number(o.sweep),
    seed,
    size: { scale: Number(o.sweepScale), hours: Number(o.sweepHours) },
    config: loaded.config,
    configFile: o.config,
    reportFile: join(o.reportDir, `sweep-seed${seed}.md`),
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
  process.exit(o.strict && rows.some((r) => !r.pass) ? 1 : 0);
}

try {
  const r = await runEval({ scenario: o.scenario, seed, hours, scale, config: o.config, dataDir: o.dataDir, reportDir: o.reportDir, reuse: !!o.reuse });
  const met = r.targets.filter((t) => t.pass).length;
  process.stdout.write(`\n${r.reportFile}\n${r.chartFile}\n\ntargets met: ${met} of ${r.targets.length}\n`);
  for (const t of r.targets) process.stdout.write(`  ${t.pass ? 'pass' : 'FAIL'}  ${t.name}: ${t.actual} (${t.target})\n`);
  process.exitCode = o.strict && met < r.targets.length ? 1 : 0;
} catch (e) {
  if (e instanceof EvalError) {
    process.stderr.write(`eval: ${e.message}\n`);
    process.exitCode = 2;
  } else throw e;
}
