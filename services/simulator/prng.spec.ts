import { describe, expect, it } from 'vitest';
import { Rng } from './prng.ts';

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('forks by label, independently of how far the parent has advanced', () => {
    const a = new Rng('s');
    const f1 = a.fork('x').nextU32();
    for (let i = 0; i < 10; i++) a.nextU32();
    expect(a.fork('x').nextU32()).toBe(f1);
    expect(a.fork('y').nextU32()).not.toBe(f1);
  });

  it('draws floats in [0, 1) with a uniform mean and integers within inclusive bounds', () => {
    const r = new Rng(1);
    let sum = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      seen.add(r.int(3, 5));
    }
    expect(sum / 100_000).toBeGreaterThan(0.49);
    expect(sum / 100_000).toBeLessThan(0.51);
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });

  it('draws Poisson counts with the right mean, small and large', () => {
    const r = new Rng(2);
    for (const lambda of [0.5, 4, 80]) {
      let s = 0;
      for (let i = 0; i < 20_000; i++) s += r.poisson(lambda);
      expect(s / 20_000).toBeGreaterThan(lambda * 0.95);
      expect(s / 20_000).toBeLessThan(lambda * 1.05);
    }
  });
});
