import { describe, expect, it } from 'vitest';
import { loadScenario } from '../simulator/scenario.ts';
import { drawVariants, RANGES } from './sweep-variants.ts';

describe('sweep variants', () => {
  const variants = drawVariants(6, 11);

  it('are deterministic for a seed and differ between seeds', () => {
    expect(JSON.stringify(drawVariants(6, 11))).toBe(JSON.stringify(variants));
    expect(JSON.stringify(drawVariants(6, 12))).not.toBe(JSON.stringify(variants));
  });

  it('alternate the default and adversarial bases, at the sweep size', () => {
    expect(variants.map((v) => v.base)).toEqual(['default', 'adversarial', 'default', 'adversarial', 'default', 'adversarial']);
    for (const v of variants) {
      expect(v.scenario.scale).toBe(0.2);
      expect(v.scenario.hours).toBe(24);
    }
  });

  it('keep every perturbed parameter within its documented range of the base', () => {
    const base = { default: loadScenario('default'), adversarial: loadScenario('adversarial') };
    for (const v of variants) {
      const b = base[v.base].populations;
      const p = v.scenario.populations;
      for (const name of ['couriers', 'telemarketers', 'lowAndSlow', 'unconsentedCentres', 'snowshoe'] as const) {
        const ratio = (p[name] as { callsPerDay?: number[]; strangersPerDay?: number[] });
        const got = (ratio.callsPerDay ?? ratio.strangersPerDay)![0];
        const was = ((b[name] as { callsPerDay?: number[]; strangersPerDay?: number[] }).callsPerDay ?? (b[name] as { strangersPerDay: number[] }).strangersPerDay)[0];
        expect(got / was).toBeGreaterThanOrEqual(RANGES.rate[0] - 1e-9);
        expect(got / was).toBeLessThanOrEqual(RANGES.rate[1] + 1e-9);
        expect(p[name].count / b[name].count).toBeGreaterThanOrEqual(RANGES.count[0] - 0.05);
        expect(p[name].count / b[name].count).toBeLessThanOrEqual(RANGES.count[1] + 0.05);
      }
      expect(v.scenario.delivery.lateShare).toBeLessThanOrEqual(RANGES.lateShare[1]);
      expect(Object.keys(v.scenario.extraPopulations).sort()).toEqual(['clinics', 'deliveryPlatforms', 'familyGroups', 'salesReps', 'schools']);
      expect(v.knobs.length).toBeGreaterThan(15);
    }
  });

  it('draw complaints about benign callers within their range, a rate per variant', () => {
    const rates = new Set<number>();
    for (const v of variants) {
      const bg = v.scenario.backgroundComplaints;
      expect(bg.perAnswered).toBeGreaterThanOrEqual(RANGES.backgroundComplaints[0]);
      expect(bg.perAnswered).toBeLessThanOrEqual(RANGES.backgroundComplaints[1]);
      expect(bg.perUnanswered).toBeCloseTo(bg.perAnswered / 2, 12);
      expect(v.knobs.at(-1)).toMatch(/^backgroundComplaints \d+\.\d\d‰ of answered calls$/);
      rates.add(bg.perAnswered);
    }
    expect(rates.size).toBe(variants.length);
  });

  it('perturb the campaigns’ neighbours within their ranges', () => {
    const base = { default: loadScenario('default'), adversarial: loadScenario('adversarial') };
    const within = (x: number, r: readonly [number, number]) => x >= r[0] - 1e-9 && x <= r[1] + 1e-9;
    const perBlock = new Set<number>();
    for (const v of variants) {
      const b = base[v.base].populations.blockNeighbours;
      const p = v.scenario.populations.blockNeighbours;
      perBlock.add(p.perBlock[1]);
      expect(within(p.perBlock[1] / b.perBlock[1], [RANGES.count[0] - 0.05, RANGES.count[1] + 0.05])).toBe(true);
      expect(within(p.callsPerDay[0] / b.callsPerDay[0], RANGES.rate)).toBe(true);
      expect(within(p.busy.strangersPerDay[0] / b.busy.strangersPerDay[0], RANGES.neighbourStrangers)).toBe(true);
      expect(within(p.busy.answerRate[0] / b.busy.answerRate[0], RANGES.benignAnswer)).toBe(true);
      expect(v.knobs.some((k) => k.startsWith('blockNeighbours '))).toBe(true);
    }
    expect(perBlock.size).toBeGreaterThan(1);
  });

  it('perturb the swarms of call bombers and the busy lines within their ranges and floors', () => {
    const base = { default: loadScenario('default'), adversarial: loadScenario('adversarial') };
    const within = (x: number, r: readonly [number, number]) => x >= r[0] - 1e-9 && x <= r[1] + 1e-9;
    const counts = new Set<number>();
    const shifts = new Set<number>();
    for (const v of drawVariants(16, 11)) {
      const b = base[v.base].populations;
      const { swarmBombers: sw, busyLines: bl } = v.scenario.populations;
      counts.add(sw.count);
      expect(within(sw.count / b.swarmBombers.count, [RANGES.count[0] - 0.05, RANGES.count[1] + 0.05])).toBe(true);
      expect(within(bl.count / b.busyLines.count, [RANGES.count[0] - 0.01, RANGES.count[1] + 0.01])).toBe(true);
      // Numbers per operation ×0.5–×2 (rounded, at least 3); attempts per number shifted by −1…+1 (at least 2).
      expect(within(sw.numbersPerOperation[1] / b.swarmBombers.numbersPerOperation[1], [RANGES.swarmNumbers[0] - 0.05, RANGES.swarmNumbers[1] + 0.05])).toBe(true);
      expect(sw.numbersPerOperation[0]).toBeGreaterThanOrEqual(3);
      const shift = sw.attemptsEach[1] - b.swarmBombers.attemptsEach[1];
      shifts.add(shift);
      expect(within(shift, RANGES.swarmAttemptsShift)).toBe(true);
      expect(sw.attemptsEach[0]).toBe(Math.max(2, b.swarmBombers.attemptsEach[0] + shift));
      // Busy lines: customers ×0.5–×2, answer rate ×0.75–×1.15, retries ±1.
      expect(within(bl.customersPerLine[1] / b.busyLines.customersPerLine[1], [RANGES.customers[0] - 0.02, RANGES.customers[1] + 0.02])).toBe(true);
      expect(within(bl.answerRate[0] / b.busyLines.answerRate[0], RANGES.benignAnswer)).toBe(true);
      expect(within(bl.retries[1] - b.busyLines.retries[1], RANGES.busyRetriesShift)).toBe(true);
      expect(bl.retries[0]).toBeGreaterThanOrEqual(0);
      expect(v.knobs.some((k) => k.startsWith('swarmBombers '))).toBe(true);
      expect(v.knobs.some((k) => k.startsWith('busyLines '))).toBe(true);
    }
    expect(counts.size).toBeGreaterThan(1);
    expect(shifts.size).toBeGreaterThan(1);
  });
});
