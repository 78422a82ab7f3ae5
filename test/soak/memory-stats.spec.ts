import { describe, expect, it } from 'vitest';
import { fitLine, isFlat } from './memory-stats.ts';

describe('fitLine / isFlat', () => {
  it('finds the slope of a straight line', () => {
    const t = [0, 1, 2, 3, 4];
    const f = fitLine(t, t.map((x) => 10 + 3 * x));
    expect(f.slope).toBeCloseTo(3, 10);
    expect(f.intercept).toBeCloseTo(10, 10);
    expect(isFlat(f, 4)).toBe(false);
  });

  it('calls a noisy level flat and a steady climb through the same noise not flat', () => {
    const t = Array.from({ length: 20 }, (_, i) => i * 15);
    const noise = t.map((_, i) => (i % 2 === 0 ? 8 : -8));
    expect(isFlat(fitLine(t, noise.map((e) => 300 + e)), 285)).toBe(true);
    expect(isFlat(fitLine(t, noise.map((e, i) => 300 + e + i * 5)), 285)).toBe(false);
  });
});
