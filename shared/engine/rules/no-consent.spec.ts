import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { noConsent } from './no-consent.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('NO_CONSENT', () => {
  it('applies to marketing lines only', () => {
    expect(noConsent(sig({ isMarketingLine: false, noConsent24h: 500 }), c)).toBeNull();
  });

  it('is silent below the daily count', () => {
    expect(noConsent(sig({ isMarketingLine: true, noConsent24h: 4.9 }), c)).toBeNull();
  });

  it('is a LABEL at exactly the daily count, with the contract fields', () => {
    const r = noConsent(sig({ isMarketingLine: true, noConsent24h: 5 }), c);
    expect(r).toEqual({ rule: 'NO_CONSENT', window: '24h', value: 5, threshold: 5, points: 50 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('rises to 75 points at 5× the count and stops there', () => {
    expect(noConsent(sig({ isMarketingLine: true, noConsent24h: 15 }), c)?.points).toBeCloseTo(62.5, 6);
    expect(noConsent(sig({ isMarketingLine: true, noConsent24h: 25 }), c)?.points).toBe(75);
    expect(noConsent(sig({ isMarketingLine: true, noConsent24h: 2500 }), c)?.points).toBe(75);
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, noConsent: { callsPerDay: 1 } };
    expect(noConsent(sig({ isMarketingLine: true, noConsent24h: 1 }), custom)?.threshold).toBe(1);
  });
});
