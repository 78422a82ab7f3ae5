import { describe, expect, it } from 'vitest';
import { emptySignals, poissonTail, r1, r3, reach, rising, wilsonUpper } from './signals.ts';

describe('rising', () => {
  it('is the base at the threshold, base + extra at cap × threshold, linear between, flat beyond', () => {
    expect(rising(10, 10, 50, 20, 3)).toBe(50);
    expect(rising(20, 10, 50, 20, 3)).toBe(60);
    expect(rising(30, 10, 50, 20, 3)).toBe(70);
    expect(rising(3000, 10, 50, 20, 3)).toBe(70);
  });

  it('never goes below the base (a value under the threshold is the rule’s business)', () => {
    expect(rising(5, 10, 50, 20)).toBe(50);
  });
});

describe('wilsonUpper', () => {
  it('is above the observed rate, and closes in on it as the sample grows', () => {
    const small = wilsonUpper(3, 12);
    const large = wilsonUpper(300, 1200);
    expect(small).toBeGreaterThan(0.25);
    expect(large).toBeGreaterThan(0.25);
    expect(large).toBeLessThan(small);
    expect(wilsonUpper(250_000, 1_000_000)).toBeCloseTo(0.25, 2);
  });

  it('matches the one-sided 95% Wilson bound', () => {
    // k = 0: (z²/n) / (1 + z²/n)
    const z2 = 1.645 ** 2;
    expect(wilsonUpper(0, 12)).toBeCloseTo(z2 / 12 / (1 + z2 / 12), 10);
    expect(wilsonUpper(12, 12)).toBe(1);
  });

  it('knows nothing from no sample', () => {
    expect(wilsonUpper(0, 0)).toBe(1);
  });

  it('clamps counts above the sample (sliding estimates can overshoot)', () => {
    expect(wilsonUpper(13, 12)).toBe(1);
  });
});

describe('rounding for output', () => {
  it('r1 keeps one decimal, r3 three', () => {
    expect(r1(11.66)).toBe(11.7);
    expect(r3(2 / 13)).toBe(0.154);
    expect(r3(0.45)).toBe(0.45);
  });
});

describe('emptySignals', () => {
  it('is all zero, neither a marketing nor a consenting line, no bombing at one callee, and no count at the ceiling', () => {
    const s = emptySignals();
    const flags = new Set(['isMarketingLine', 'isConsentingLine', 'bombingOneCallee']);
    for (const [k, v] of Object.entries(s)) expect(v, k).toBe(flags.has(k) || k.endsWith('Saturated') ? false : 0);
  });
});

describe('reach', () => {
  it('counts engagement per callee, at most one per stranger called', () => {
    const s = { ...emptySignals(), newStrangers24h: 100, strangerAnswered24h: 30, callbacks24h: 5, newStrangers1h: 10, strangerAnswered1h: 8, strangerTalked1h: 8 };
    expect(reach(s, '24h')).toEqual({ n: 100, k: 35 });
    expect(reach(s, '1h')).toEqual({ n: 10, k: 10 });
  });

  it('takes an engagement count at the counters\' ceiling as unknown: the rate reads as full, never low', () => {
    // Yesterday's callbacks stopped at 65,535 (read as 50,000 now): 55,000 of 131,070 would read as a low 0.42.
    const s = { ...emptySignals(), newStrangers24h: 131_070, strangerAnswered24h: 5_000, callbacks24h: 50_000, engagement24hSaturated: true };
    expect(reach(s, '24h')).toEqual({ n: 131_070, k: 131_070 });
    expect(reach({ ...s, engagement24hSaturated: false }, '24h')).toEqual({ n: 131_070, k: 55_000 });
    const h = { ...emptySignals(), newStrangers1h: 65_535, strangerAnswered1h: 65_535, strangerTalked1h: 0, engagement1hSaturated: true };
    expect(reach(h, '1h')).toEqual({ n: 65_535, k: 65_535 });
  });
});

describe('poissonTail', () => {
  it('is P(K ≥ k) of a Poisson count', () => {
    expect(poissonTail(3, 2.4)).toBeCloseTo(1 - Math.exp(-2.4) * (1 + 2.4 + 2.88), 12);
    expect(poissonTail(1, 0.5)).toBeCloseTo(1 - Math.exp(-0.5), 12);
    expect(poissonTail(0, 3)).toBe(1);
    expect(poissonTail(2, 0)).toBe(0);
  });

  it('does not underflow at large means, and is nil far above the mean', () => {
    expect(poissonTail(1000, 1000)).toBeGreaterThan(0.45);
    expect(poissonTail(1000, 1000)).toBeLessThan(0.55);
    expect(poissonTail(1e6, 1000)).toBe(0);
  });
});
