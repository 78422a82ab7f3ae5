/**
 * `npm run eval -- --sweep N [--seed S]`: a holdout sweep. Draws N scenario
 * variants (sweep-variants.ts), runs each in process (sweep-run.ts), prints
 * one line per variant on stdout — precision, recall, the worst benign
 * population and every nuisance population's recall — then the worst case
 * over the sweep, and writes the same as Markdown. Progress goes to stderr.
 */
import { writeFileSync } from 'node:fs';
import type { EngineConfig } from '../../shared/config/index.ts';
import { commitOf } from './provenance.ts';
import { ROOT } from './run.ts';
import { evaluateTargets, TARGETS, type Metrics, type PopulationMetrics, type TargetResult } from './metrics.ts';
import { runVariant, type VariantRun } from './sweep-run.ts';
import { drawVariants, type SweepSize, type Variant } from './sweep-variants.ts';

/** Options of a sweep. */
export interface SweepOptions {
  n: number;
  seed: number;
  size: SweepSize;
  config: EngineConfig;
  /** Where the config came from (`--config FILE`), for the report; defaults otherwise. */
  configFile?: string;
  /** Markdown report path, or null for none. */
  reportFile: string | null;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** One variant's outcome. */
export interface SweepRow {
  variant: Variant;
  run: VariantRun;
  worstBenign: PopulationMetrics | null;
  /** The targets of `npm run eval` this variant misses (evaluateTargets: precision, recall, every benign population, the time to label). */
  missed: TargetResult[];
  /** Every target met (`missed` empty). */
  pass: boolean;
}

const SHORT: Record<string, string> = {
  telemarketers: 'tm',
  lowAndSlow: 'ls',
  robocallers: 'rc',
  harassers: 'ha',
  ringOnce: 'r1',
  callBombers: 'cb',
  unconsentedCentres: 'uc',
  quietHours: 'qh',
  snowshoe: 'ss',
  swarmBombers: 'sw',
};

/** Runs the sweep; returns its rows (also printed and written). */
export async function runSweep(o: SweepOptions): Promise<SweepRow[]> {
  const variants = drawVariants(o.n, o.seed, o.size);
  const rows: SweepRow[] = [];
  const t0 = performance.now();
  o.out(`# sweep: ${o.n} variants, seed ${o.seed}, scale ${o.size.scale}, ${o.size.hours} h scored; targets P ≥ ${TARGETS.precision}, R ≥ ${TARGETS.recall}, benign ≤ ${pct(TARGETS.benignMaxShare)}, median time to label ≤ ${TARGETS.medianMinutes} min (never labelled counting as never) for ${TARGETS.fastPopulations.join(', ')}\n`);
  o.out(`${header()}\n`);
  for (const v of variants) {
    o.err(`sweep: variant ${v.index + 1}/${o.n} (${v.base}) … ${elapsed(t0)}\n`);
    const run = await runVariant(v.scenario, o.seed * 1000 + v.index, o.config);
    const row = toRow(v, run);
    rows.push(row);
    o.out(`${line(row)}\n`);
  }
  o.out(`\n${summary(rows).join('\n')}\n`);
  o.err(`sweep: done in ${elapsed(t0)}\n`);
  if (o.reportFile) writeFileSync(o.reportFile, markdown(o, rows));
  return rows;
}

/**
 * Scores one variant. It passes when it meets every target `npm run eval` checks on a single scenario, judged by the
 * same function (evaluateTargets): the time-to-label targets included, a number never labelled counting as never.
 */
export function toRow(variant: Variant, run: VariantRun): SweepRow {
  const m = run.metrics;
  const benign = m.populations.filter((p) => !p.nuisance && p.numbers > 0);
  const worstBenign = benign.reduce<PopulationMetrics | null>((w, p) => (w === null || p.labelledShare > w.labelledShare ? p : w), null);
  const missed = evaluateTargets(m).filter((t) => !t.pass);
  return { variant, run, worstBenign, missed, pass: missed.length === 0 };
}

function header(): string {
  return ` #  base  precision recall  worst benign (labelled)           recall by nuisance population                                          tm ttl  calls   s`;
}

function line(r: SweepRow): string {
  const m = r.run.metrics;
  const wb = r.worstBenign;
  const benign = wb ? `${wb.population} ${pct(wb.labelledShare)} (${wb.labelled}/${wb.numbers})` : '-';
  const tm = m.populations.find((p) => p.population === 'telemarketers')?.medianWithMisses ?? undefined;
  return [
    String(r.variant.index).padStart(2),
    r.variant.base.slice(0, 3).padEnd(4),
    fx(m.overall.precision).padStart(9),
    fx(m.overall.recall).padStart(6),
    ' ' + benign.padEnd(33),
    recalls(m).padEnd(70),
    (tm === undefined ? '-' : tm === Infinity ? 'never' : tm.toFixed(0) + 'm').padStart(6),
    `${Math.round(r.run.calls / 1000)}k`.padStart(6),
    r.run.simSeconds.toFixed(0).padStart(3),
    r.pass ? '' : ' ✗',
  ].join(' ');
}

function recalls(m: Metrics): string {
  return m.populations
    .filter((p) => p.nuisance)
    .sort((a, b) => Object.keys(SHORT).indexOf(a.population) - Object.keys(SHORT).indexOf(b.population))
    .map((p) => `${SHORT[p.population] ?? p.population} ${p.labelledShare === 1 ? '1' : p.labelledShare.toFixed(2).replace(/^0/, '')}`)
    .join(' ');
}

/** Worst case over the sweep, and per population. */
function summary(rows: SweepRow[]): string[] {
  if (rows.length === 0) return ['no variants'];
  const by = (f: (r: SweepRow) => number, dir: 1 | -1) => rows.reduce((w, r) => (dir * f(r) > dir * f(w) ? r : w));
  const minP = by((r) => nz(r.run.metrics.overall.precision), -1);
  const minR = by((r) => nz(r.run.metrics.overall.recall), -1);
  const maxB = by((r) => r.worstBenign?.labelledShare ?? 0, 1);
  const out = [
    `passed: ${rows.filter((r) => r.pass).length} of ${rows.length} variants (every target; ${rows.filter((r) => r.missed.some(isTimeTarget)).length} miss a time-to-label target)`,
    `worst precision: ${fx(minP.run.metrics.overall.precision)} (variant ${minP.variant.index})`,
    `worst recall:    ${fx(minR.run.metrics.overall.recall)} (variant ${minR.variant.index})`,
    `worst benign:    ${maxB.worstBenign ? `${maxB.worstBenign.population} ${pct(maxB.worstBenign.labelledShare)} (variant ${maxB.variant.index})` : '-'}`,
    'per population over the sweep (nuisance: lowest recall; benign: highest labelled share; [variant]):',
  ];
  const pops = new Map<string, { nuisance: boolean; worst: number; at: number; sum: number; n: number }>();
  for (const r of rows) {
    for (const p of r.run.metrics.populations) {
      if (p.numbers === 0) continue;
      const e = pops.get(p.population) ?? { nuisance: p.nuisance, worst: p.nuisance ? 2 : -1, at: -1, sum: 0, n: 0 };
      if (p.nuisance ? p.labelledShare < e.worst : p.labelledShare > e.worst) {
        e.worst = p.labelledShare;
        e.at = r.variant.index;
      }
      e.sum += p.labelledShare;
      e.n++;
      pops.set(p.population, e);
    }
  }
  for (const [name, e] of pops) {
    out.push(`  ${name.padEnd(20)} ${e.nuisance ? 'recall  ' : 'labelled'} worst ${pct(e.worst).padStart(7)} [${e.at}]  mean ${pct(e.sum / e.n)}`);
  }
  return out;
}

function markdown(o: SweepOptions, rows: SweepRow[]): string {
  const lines = [
    `# Holdout sweep — ${o.n} variants, seed ${o.seed}`,
    '',
    `Generated by \`npm run eval -- --sweep ${o.n} --seed ${o.seed}\`: each variant is the default or adversarial scenario with perturbed parameters (docs/quality.md), scale ${o.size.scale}, ${o.size.hours} h scored, run in process through the engine (commit ${commitOf(ROOT)}) with ${o.configFile ? `the config ${o.configFile}` : 'the default config'}.`,
    '',
    '```',
    header(),
    ...rows.map(line),
    '',
    ...summary(rows),
    '```',
    '',
    `A variant meets every target when it meets each one \`npm run eval\` checks on a scenario: precision ≥ ${TARGETS.precision}, recall ≥ ${TARGETS.recall}, no benign population above ${pct(TARGETS.benignMaxShare)} labelled, and a median time to label ≤ ${TARGETS.medianMinutes} min for ${TARGETS.fastPopulations.join(', ')}, a number never labelled counting as never (✗: one is missed).`,
    '',
    '## Targets missed',
    '',
    ...(rows.some((r) => !r.pass) ? rows.filter((r) => !r.pass).map((r) => `- **${r.variant.index}**: ${r.missed.map((t) => `${t.name} ${t.actual} (${t.target})`).join('; ')}`) : ['none']),
    '',
    '## Variants',
    '',
    ...rows.map((r) => `- **${r.variant.index}** (${r.variant.base}): ${r.variant.knobs.join('; ')}`),
    '',
  ];
  return lines.join('\n');
}

function isTimeTarget(t: TargetResult): boolean {
  return t.name.startsWith('median time to label');
}

function pct(x: number): string {
  return Number.isFinite(x) ? (100 * x).toFixed(2) + '%' : 'n/a';
}

function fx(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

function nz(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function elapsed(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(0)} s`;
}
