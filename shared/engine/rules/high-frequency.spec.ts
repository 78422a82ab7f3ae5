import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { highFrequency } from './high-frequency.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('HIGH_FREQUENCY', () => {
  it('is silent below both thresholds', () => {
    expect(highFrequency(sig({ calls1h: 59.9, calls24h: 399.9 }), c)).toBeNull();
  });

  it('fires at exactly the hourly threshold with 25 points (WATCH)', () => {
    expect(highFrequency(sig({ calls1h: 60, calls24h: 60 }), c)).toEqual({
      rule: 'HIGH_FREQUENCY',
      window: '1h',
      value: 60,
      threshold: 60,
      points: 25,
      context: true,
    });
  });

  it('fires on the daily threshold alone, reporting the 24h window', () => {
    expect(highFrequency(sig({ calls1h: 20, calls24h: 400 }), c)).toEqual({
      rule: 'HIGH_FREQUENCY',
      window: '24h',
      value: 400,
      threshold: 400,
      points: 25,
      context: true,
    });
  });

  it('reports the window that gives more points', () => {
    const r = highFrequency(sig({ calls1h: 61, calls24h: 1600 }), c);
    expect(r?.window).toBe('24h');
    expect(r?.points).toBe(29);
  });

  it('rises with volume up to 29 points at 4× the threshold and no further', () => {
    expect(highFrequency(sig({ calls1h: 120 }), c)?.points).toBeCloseTo(25 + 4 / 3, 6);
    expect(highFrequency(sig({ calls1h: 240 }), c)?.points).toBe(29);
    expect(highFrequency(sig({ calls1h: 5000, calls24h: 50_000 }), c)?.points).toBe(29);
  });

  it('alone never reaches LABEL (volume is weak evidence): WATCH from the threshold on', () => {
    expect(verdict([highFrequency(sig({ calls1h: 60 }), c)!], cfg.severity).severity).toBe('WATCH');
    for (const calls1h of [60, 90, 150, 240, 1000, 60_000]) {
      const r = highFrequency(sig({ calls1h, calls24h: calls1h * 10 }), c);
      expect(r).not.toBeNull();
      expect(r!.points).toBeLessThan(cfg.severity.label);
      expect([null, 'WATCH']).toContain(verdict([r!], cfg.severity).severity);
    }
    expect(verdict([highFrequency(sig({ calls1h: 240 }), c)!], cfg.severity).severity).toBe('WATCH');
  });

  it('rounds the reported value to one decimal', () => {
    expect(highFrequency(sig({ calls1h: 60.04 }), c)?.value).toBe(60);
    expect(highFrequency(sig({ calls1h: 61.26 }), c)?.value).toBe(61.3);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, highFrequency: { callsPerHour: 10, callsPerDay: 50 } };
    expect(highFrequency(sig({ calls1h: 10 }), custom)?.threshold).toBe(10);
    expect(highFrequency(sig({ calls1h: 9, calls24h: 50 }), custom)?.threshold).toBe(50);
    expect(highFrequency(sig({ calls1h: 9, calls24h: 49 }), custom)).toBeNull();
  });
});
