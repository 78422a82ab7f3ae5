/**
 * Detection-quality metrics, pure: ground truth and flags in, figures out.
 *
 * A number counts as labelled if any of its flags has severity LABEL or
 * BLOCK_RECOMMENDED. Flags for numbers not in the truth (e.g. victims, who
 * never call) count as false positives. Time to label is the event time of
 * the number's first LABEL-or-higher flag (`detectedAt`) minus its first
 * call in the scored period (`firstNuisanceTime`).
 */

import type { Severity } from '../../shared/contracts/records.ts';
import type { TruthRow } from '../simulator/truth.ts';

/** One line of truth.jsonl, as the simulator writes it. */
export type EvalTruth = TruthRow;

/** What the metrics need of a FlagEvent. */
export interface EvalFlag {
  number: string;
  severity: Severity;
  detectedAt: number;
  rules: string[];
}

/** Order statistics of a sample (minutes for times to label). */
export interface Stats {
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  max: number;
}

/** Figures of one population. */
export interface PopulationMetrics {
  population: string;
  nuisance: boolean;
  numbers: number;
  /** Numbers with a flag of severity ≥ LABEL. */
  labelled: number;
  /** Numbers with a BLOCK_RECOMMENDED flag. */
  blockRecommended: number;
  /** Numbers with any flag (WATCH included). */
  flagged: number;
  /** labelled / numbers: recall for a nuisance population, false-label share for a benign one. */
  labelledShare: number;
  /** Minutes from first scored call to first label (nuisance populations, labelled numbers only). */
  timeToLabel: Stats | null;
  /**
   * Median minutes to label over every number of a nuisance population that called in the scored period, a number
   * never labelled counting as never (Infinity): what the time-to-label target is checked on, so that a population
   * labelled fast but rarely does not pass it. Infinity when half or more are never labelled; null for a benign
   * population or when none called.
   */
  medianWithMisses: number | null;
  /** How many labelled numbers each rule contributed to (reasons of the first label). */
  rules: Record<string, number>;
}

/** Overall figures at severity ≥ LABEL. */
export interface OverallMetrics {
  truthNumbers: number;
  nuisanceNumbers: number;
  benignNumbers: number;
  truePositives: number;
  /** Benign numbers labelled plus numbers outside the truth labelled. */
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Labelled numbers that are not in the truth (counted in falsePositives). */
  labelledOutsideTruth: number;
  flagsRead: number;
}

/** Everything the report shows. */
export interface Metrics {
  overall: OverallMetrics;
  populations: PopulationMetrics[];
  /** A few labelled benign or unknown numbers, with their population and rules, for diagnosis. */
  falsePositiveExamples: { number: string; population: string; rules: string[] }[];
}

const LABELLING = new Set(['LABEL', 'BLOCK_RECOMMENDED']);

/** Quantile with linear interpolation between order statistics (sorted input). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median of a sample that may hold Infinity (never); Infinity when the middle touches one; null if empty. */
export function medianOrNever(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) / 2;
  const hi = s[Math.ceil(pos)];
  return hi === Infinity ? Infinity : quantile(s, 0.5);
}

/** Order statistics of a sample, or null if empty. */
export function stats(xs: readonly number[]): Stats | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, min: s[0], p25: quantile(s, 0.25), median: quantile(s, 0.5), p75: quantile(s, 0.75), p90: quantile(s, 0.9), max: s[s.length - 1] };
}

/** Computes the metrics. Populations come out in the order they first appear in the truth. */
export function computeMetrics(truth: readonly EvalTruth[], flags: Iterable<EvalFlag>): Metrics {
  interface Seen {
    flagged: boolean;
    labelledAt: number;
    blocked: boolean;
    rules: string[];
  }
  const seen = new Map<string, Seen>();
  let flagsRead = 0;
  for (const f of flags) {
    flagsRead++;
    let s = seen.get(f.number);
    if (!s) seen.set(f.number, (s = { flagged: true, labelledAt: Infinity, blocked: false, rules: [] }));
    if (f.severity === 'BLOCK_RECOMMENDED') s.blocked = true;
    if (LABELLING.has(f.severity) && f.detectedAt < s.labelledAt) {
      s.labelledAt = f.detectedAt;
      s.rules = f.rules;
    }
  }

  const byPop = new Map<string, EvalTruth[]>();
  const inTruth = new Set<string>();
  for (const t of truth) {
    inTruth.add(t.number);
    let list = byPop.get(t.population);
    if (!list) byPop.set(t.population, (list = []));
    list.push(t);
  }

  let tp = 0;
  let fpBenign = 0;
  let nuisance = 0;
  const examples: Metrics['falsePositiveExamples'] = [];
  const populations: PopulationMetrics[] = [];
  for (const [population, rows] of byPop) {
    const m: PopulationMetrics = {
      population,
      nuisance: rows[0].nuisance,
      numbers: rows.length,
      labelled: 0,
      blockRecommended: 0,
      flagged: 0,
      labelledShare: 0,
      timeToLabel: null,
      medianWithMisses: null,
      rules: {},
    };
    const ttl: number[] = [];
    const ttlWithMisses: number[] = [];
    for (const r of rows) {
      if (r.nuisance) nuisance++;
      const s = seen.get(r.number);
      if (r.nuisance && r.firstNuisanceTime !== undefined) {
        ttlWithMisses.push(s && s.labelledAt !== Infinity ? Math.max(0, s.labelledAt - r.firstNuisanceTime) / 60_000 : Infinity);
      }
      if (!s) continue;
      m.flagged++;
      if (s.blocked) m.blockRecommended++;
      if (s.labelledAt === Infinity) continue;
      m.labelled++;
      for (const rule of new Set(s.rules)) m.rules[rule] = (m.rules[rule] ?? 0) + 1;
      if (r.nuisance) {
        tp++;
        if (r.firstNuisanceTime !== undefined) ttl.push(Math.max(0, s.labelledAt - r.firstNuisanceTime) / 60_000);
      } else {
        fpBenign++;
        if (examples.length < 20) examples.push({ number: r.number, population, rules: s.rules });
      }
    }
    m.labelledShare = m.labelled / m.numbers;
    m.timeToLabel = m.nuisance ? stats(ttl) : null;
    m.medianWithMisses = m.nuisance ? medianOrNever(ttlWithMisses) : null;
    populations.push(m);
  }

  let outside = 0;
  for (const [number, s] of seen) {
    if (inTruth.has(number) || s.labelledAt === Infinity) continue;
    outside++;
    if (examples.length < 30) examples.push({ number, population: '(not in truth)', rules: s.rules });
  }

  const fp = fpBenign + outside;
  const precision = tp + fp === 0 ? NaN : tp / (tp + fp);
  const recall = nuisance === 0 ? NaN : tp / nuisance;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : NaN;
  return {
    overall: {
      truthNumbers: truth.length,
      nuisanceNumbers: nuisance,
      benignNumbers: truth.length - nuisance,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: nuisance - tp,
      precision,
      recall,
      f1,
      labelledOutsideTruth: outside,
      flagsRead,
    },
    populations,
    falsePositiveExamples: examples,
  };
}

/** One target and whether it is met. */
export interface TargetResult {
  name: string;
  target: string;
  actual: string;
  pass: boolean;
}

/** The targets. */
export const TARGETS = {
  precision: 0.97,
  recall: 0.95,
  benignMaxShare: 0.02,
  medianMinutes: 30,
  /** Volume-driven nuisance that must be labelled fast. */
  fastPopulations: ['telemarketers', 'robocallers', 'ringOnce', 'callBombers'],
} as const;

/** Checks the targets; a missing figure (NaN, no labels) fails. */
export function evaluateTargets(m: Metrics): TargetResult[] {
  const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) + '%' : 'n/a');
  const out: TargetResult[] = [
    { name: 'precision (≥ LABEL)', target: `≥ ${TARGETS.precision}`, actual: fmt(m.overall.precision), pass: m.overall.precision >= TARGETS.precision },
    { name: 'recall (≥ LABEL)', target: `≥ ${TARGETS.recall}`, actual: fmt(m.overall.recall), pass: m.overall.recall >= TARGETS.recall },
  ];
  for (const p of m.populations.filter((x) => !x.nuisance)) {
    out.push({
      name: `benign ${p.population} labelled`,
      target: `≤ ${pct(TARGETS.benignMaxShare)}`,
      actual: pct(p.labelledShare),
      pass: p.labelledShare <= TARGETS.benignMaxShare,
    });
  }
  for (const name of TARGETS.fastPopulations) {
    const p = m.populations.find((x) => x.population === name);
    const med = p?.medianWithMisses ?? NaN;
    out.push({
      name: `median time to label, ${name} (numbers never labelled count as never)`,
      target: `≤ ${TARGETS.medianMinutes} min`,
      actual: p ? (Number.isFinite(med) ? `${med.toFixed(1)} min` : med === Infinity ? 'never (half or more not labelled)' : 'never labelled') : 'population absent',
      pass: med <= TARGETS.medianMinutes,
    });
  }
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}
