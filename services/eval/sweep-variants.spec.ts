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
});
