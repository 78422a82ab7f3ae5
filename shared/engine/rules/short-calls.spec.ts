import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { shortCalls } from './short-calls.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('SHORT_CALLS', () => {
  it('needs a minimum of answered calls before it judges the share', () => {
    expect(shortCalls(sig({ answered24h: 9, shortTalk24h: 9 }), c)).toBeNull();
    expect(shortCalls(sig({ answered24h: 10, shortTalk24h: 10 }), c)).not.toBeNull();
  });

  it('is silent below the short share', () => {
    expect(shortCalls(sig({ answered24h: 100, shortTalk24h: 59 }), c)).toBeNull();
  });

  it('fires at exactly the short share with 15 points and the contract fields', () => {
    expect(shortCalls(sig({ answered24h: 10, shortTalk24h: 6 }), c)).toEqual({
      rule: 'SHORT_CALLS',
      window: '24h',
      value: 0.6,
      threshold: 0.6,
      points: 15,
      context: true,
    });
  });

  it('rises to 20 points when every answered call is short', () => {
    expect(shortCalls(sig({ answered24h: 40, shortTalk24h: 40 }), c)?.points).toBe(20);
    expect(shortCalls(sig({ answered24h: 40, shortTalk24h: 32 }), c)?.points).toBeCloseTo(17.5, 6);
  });

  it('with HIGH_FREQUENCY at its strongest still stays below LABEL (two weak signals are not evidence)', async () => {
    const { highFrequency } = await import('./high-frequency.ts');
    const both = [shortCalls(sig({ answered24h: 1000, shortTalk24h: 1000 }), c)!, highFrequency(sig({ calls1h: 10_000, calls24h: 100_000 }), c)!];
    expect(verdict(both, cfg.severity).severity).toBe('WATCH');
  });

  it('alone stays below LABEL, whatever the share', () => {
    for (const share of [0.6, 0.75, 0.9, 1]) {
      const r = shortCalls(sig({ answered24h: 1000, shortTalk24h: 1000 * share }), c);
      expect(r).not.toBeNull();
      expect(r!.points).toBeLessThan(cfg.severity.label);
      expect(verdict([r!], cfg.severity).severity).not.toBe('LABEL');
      expect(verdict([r!], cfg.severity).severity).not.toBe('BLOCK_RECOMMENDED');
    }
  });

  it('reports the share precisely enough to read against any threshold (never below it)', () => {
    const custom = { ...c, shortCalls: { maxTalkSec: 10, minAnswered: 10, minShare: 0.64 } };
    for (let short = 64; short <= 100; short++) {
      const r = shortCalls(sig({ answered24h: 100, shortTalk24h: short }), custom)!;
      expect(r.value).toBeGreaterThanOrEqual(r.threshold);
      expect(r.value).toBeCloseTo(short / 100, 3);
    }
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, shortCalls: { maxTalkSec: 10, minAnswered: 3, minShare: 0.9 } };
    expect(shortCalls(sig({ answered24h: 3, shortTalk24h: 3 }), custom)?.threshold).toBe(0.9);
    expect(shortCalls(sig({ answered24h: 10, shortTalk24h: 8 }), custom)).toBeNull();
  });

  it('does not judge the share when the answered count is at the counters\' ceiling', () => {
    expect(shortCalls(sig({ answered24h: 65_535, shortTalk24h: 40_000 }), c)).not.toBeNull();
    expect(shortCalls(sig({ answered24h: 65_535, shortTalk24h: 40_000, answered24hSaturated: true }), c)).toBeNull();
  });
});
