import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { quietHours } from './quiet-hours.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('QUIET_HOURS', () => {
  it('is silent below the daily count of night calls to strangers', () => {
    expect(quietHours(sig({ quietStranger24h: 5.9 }), c)).toBeNull();
  });

  it('is WATCH at exactly the count, with the contract fields', () => {
    const r = quietHours(sig({ quietStranger24h: 6 }), c);
    expect(r).toEqual({ rule: 'QUIET_HOURS', window: '24h', value: 6, threshold: 6, points: 25 });
    expect(verdict([r!], cfg.severity).severity).toBe('WATCH');
  });

  it('alone stays below LABEL: 40 points at most', () => {
    expect(quietHours(sig({ quietStranger24h: 24 }), c)?.points).toBe(40);
    expect(quietHours(sig({ quietStranger24h: 2400 }), c)?.points).toBe(40);
    expect(verdict([quietHours(sig({ quietStranger24h: 2400 }), c)!], cfg.severity).severity).toBe('WATCH');
  });

  it('turns a weak marketing pattern into a LABEL when combined', () => {
    const q = quietHours(sig({ quietStranger24h: 12 }), c)!;
    expect(verdict([q, { rule: 'HIGH_FREQUENCY', window: '1h', value: 60, threshold: 60, points: 20 }], cfg.severity).severity).toBe('LABEL');
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, quietHours: { startHour: 21, endHour: 9, strangerCallsPerDay: 2 } };
    expect(quietHours(sig({ quietStranger24h: 2 }), custom)?.threshold).toBe(2);
  });
});
