import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config/index.ts';
import { runVariant } from './sweep-run.ts';
import { drawVariants } from './sweep-variants.ts';

describe('a sweep variant run in process', () => {
  it('feeds every record to the engine, scores benign heavy callers and nuisance alike, and is deterministic', async () => {
    const [v] = drawVariants(1, 3, { scale: 0.05, hours: 8 });
    const a = await runVariant(v.scenario, 1, defaultConfig());
    expect(a.invalid).toBe(0);
    expect(a.calls).toBeGreaterThan(10_000);
    const pops = new Map(a.metrics.populations.map((p) => [p.population, p]));
    for (const name of ['schools', 'clinics', 'deliveryPlatforms', 'salesReps', 'familyGroups']) expect(pops.get(name)?.nuisance).toBe(false);
    expect(a.metrics.overall.truePositives).toBeGreaterThan(0);
    expect(a.metrics.overall.precision).toBeGreaterThan(0.9);
    const b = await runVariant(v.scenario, 1, defaultConfig());
    expect(b.metrics).toEqual(a.metrics);
  }, 60_000);
});
