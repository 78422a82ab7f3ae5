import { describe, expect, it } from 'vitest';
import { computeMetrics, evaluateTargets, medianOrNever, quantile, type EvalFlag, type EvalTruth } from './metrics.ts';

const MIN = 60_000;
const T0 = 1_700_000_000_000;

/** A tiny hand-made case: 4 telemarketers, 2 ring-once, 5 subscribers, 2 couriers. */
const truth: EvalTruth[] = [
  { number: '+8613800000001', population: 'telemarketers', nuisance: true, firstNuisanceTime: T0 },
  { number: '+8613800000002', population: 'telemarketers', nuisance: true, firstNuisanceTime: T0 },
  { number: '+8613800000003', population: 'telemarketers', nuisance: true, firstNuisanceTime: T0 },
  { number: '+8613800000004', population: 'telemarketers', nuisance: true, firstNuisanceTime: T0 },
  { number: '+22500000001', population: 'ringOnce', nuisance: true, firstNuisanceTime: T0 },
  { number: '+22500000002', population: 'ringOnce', nuisance: true, firstNuisanceTime: T0 + 60 * MIN },
  { number: '+8613900000001', population: 'subscribers', nuisance: false },
  { number: '+8613900000002', population: 'subscribers', nuisance: false },
  { number: '+8613900000003', population: 'subscribers', nuisance: false },
  { number: '+8613900000004', population: 'subscribers', nuisance: false },
  { number: '+8613900000005', population: 'subscribers', nuisance: false },
  { number: '+8618600000001', population: 'couriers', nuisance: false },
  { number: '+8618600000002', population: 'couriers', nuisance: false },
];

const flag = (number: string, severity: EvalFlag['severity'], minutes: number, rules: string[] = ['LOW_ANSWER_FANOUT']): EvalFlag => ({
  number,
  severity,
  detectedAt: T0 + minutes * MIN,
  rules,
});

const flags: EvalFlag[] = [
  // telemarketer 1: WATCH at 5, LABEL at 10, BLOCK at 40 → labelled at 10 min.
  flag('+8613800000001', 'WATCH', 5),
  flag('+8613800000001', 'LABEL', 10),
  flag('+8613800000001', 'BLOCK_RECOMMENDED', 40, ['LOW_ANSWER_FANOUT', 'COMPLAINTS']),
  // telemarketer 2: labelled at 20 min (flags out of order on purpose).
  flag('+8613800000002', 'BLOCK_RECOMMENDED', 50),
  flag('+8613800000002', 'LABEL', 20),
  // telemarketer 3: only WATCH → not labelled.
  flag('+8613800000003', 'WATCH', 15),
  // telemarketer 4: nothing.
  // ring-once 1: BLOCK_RECOMMENDED straight away at 3 min.
  flag('+22500000001', 'BLOCK_RECOMMENDED', 3, ['RING_ONCE']),
  // ring-once 2: labelled 7 min after its first call at T0+60.
  flag('+22500000002', 'LABEL', 67, ['RING_ONCE']),
  // subscriber 1 labelled (false positive), subscriber 2 only watched.
  flag('+8613900000001', 'LABEL', 100, ['REJECTION_REPEAT']),
  flag('+8613900000002', 'WATCH', 100),
  // a victim who never called: outside the truth → false positive.
  flag('+8615000000009', 'LABEL', 200, ['CALL_BOMBING']),
  // outside the truth but WATCH only → ignored.
  flag('+8615000000010', 'WATCH', 200),
];

describe('computeMetrics', () => {
  const m = computeMetrics(truth, flags);

  it('counts true and false positives at severity ≥ LABEL, victims included', () => {
    expect(m.overall.nuisanceNumbers).toBe(6);
    expect(m.overall.benignNumbers).toBe(7);
    expect(m.overall.truePositives).toBe(4);
    expect(m.overall.falsePositives).toBe(2);
    expect(m.overall.falseNegatives).toBe(2);
    expect(m.overall.labelledOutsideTruth).toBe(1);
    expect(m.overall.precision).toBeCloseTo(4 / 6, 10);
    expect(m.overall.recall).toBeCloseTo(4 / 6, 10);
    expect(m.overall.f1).toBeCloseTo(4 / 6, 10);
    expect(m.overall.flagsRead).toBe(flags.length);
  });

  it('reports per population: labelled share, block recommendations, any flag, rules of the first label', () => {
    const tm = m.populations.find((p) => p.population === 'telemarketers')!;
    expect(tm).toMatchObject({ nuisance: true, numbers: 4, labelled: 2, blockRecommended: 2, flagged: 3, labelledShare: 0.5 });
    expect(tm.rules).toEqual({ LOW_ANSWER_FANOUT: 2 });
    const sub = m.populations.find((p) => p.population === 'subscribers')!;
    expect(sub).toMatchObject({ nuisance: false, numbers: 5, labelled: 1, flagged: 2, labelledShare: 0.2, timeToLabel: null });
    const cour = m.populations.find((p) => p.population === 'couriers')!;
    expect(cour.labelled).toBe(0);
    expect(m.populations.map((p) => p.population)).toEqual(['telemarketers', 'ringOnce', 'subscribers', 'couriers']);
  });

  it('measures time to label from the first scored call to the first label, in minutes', () => {
    const tm = m.populations.find((p) => p.population === 'telemarketers')!;
    expect(tm.timeToLabel).toMatchObject({ n: 2, min: 10, median: 15, max: 20 });
    const ro = m.populations.find((p) => p.population === 'ringOnce')!;
    expect(ro.timeToLabel).toMatchObject({ n: 2, min: 3, median: 5, max: 7 });
  });

  it('the median checked against the target counts numbers never labelled as never', () => {
    // Telemarketers: labelled at 10 and 20 min, two never: the middle of [10, 20, never, never] is never.
    expect(m.populations.find((p) => p.population === 'telemarketers')!.medianWithMisses).toBe(Infinity);
    expect(m.populations.find((p) => p.population === 'ringOnce')!.medianWithMisses).toBe(5);
    expect(m.populations.find((p) => p.population === 'subscribers')!.medianWithMisses).toBeNull();
    expect(medianOrNever([10, 20, 30, Infinity])).toBe(25);
    expect(medianOrNever([10, 20, Infinity])).toBe(20);
    expect(medianOrNever([10, Infinity])).toBe(Infinity);
    expect(medianOrNever([])).toBeNull();
  });

  it('lists false positives for diagnosis', () => {
    expect(m.falsePositiveExamples.map((e) => e.number).sort()).toEqual(['+8613900000001', '+8615000000009']);
  });

  it('checks the targets and fails what is missing', () => {
    const t = evaluateTargets(m);
    const byName = new Map(t.map((x) => [x.name, x]));
    expect(byName.get('precision (≥ LABEL)')!.pass).toBe(false);
    expect(byName.get('benign subscribers labelled')!.pass).toBe(false);
    expect(byName.get('benign couriers labelled')!.pass).toBe(true);
    // Half of them never labelled: fails, though the two labelled took 10 and 20 min.
    expect(byName.get('median time to label, telemarketers (numbers never labelled count as never)')).toMatchObject({ actual: 'never (half or more not labelled)', pass: false });
    expect(byName.get('median time to label, ringOnce (numbers never labelled count as never)')).toMatchObject({ actual: '5.0 min', pass: true });
    expect(byName.get('median time to label, robocallers (numbers never labelled count as never)')).toMatchObject({ actual: 'population absent', pass: false });
  });

  it('handles no flags at all', () => {
    const empty = computeMetrics(truth, []);
    expect(empty.overall.truePositives).toBe(0);
    expect(Number.isNaN(empty.overall.precision)).toBe(true);
    expect(empty.overall.recall).toBe(0);
    expect(evaluateTargets(empty).find((x) => x.name.startsWith('precision'))!.pass).toBe(false);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 10);
    expect(quantile([7], 0.25)).toBe(7);
  });
});
