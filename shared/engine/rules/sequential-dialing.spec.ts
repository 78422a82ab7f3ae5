import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { sequentialDialing } from './sequential-dialing.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('SEQUENTIAL_DIALING', () => {
  it('is silent below the hourly count', () => {
    expect(sequentialDialing(sig({ sequential1h: 14, calls1h: 15 }), c)).toBeNull();
  });

  it('is a LABEL at exactly the count when runs are 40% of the traffic, with the contract fields', () => {
    const r = sequentialDialing(sig({ sequential1h: 15, calls1h: 37.5 }), c);
    expect(r).toEqual({ rule: 'SEQUENTIAL_DIALING', window: '1h', value: 15, threshold: 15, points: 50 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('is silent when runs are a small share of a large traffic (a switchboard)', () => {
    expect(sequentialDialing(sig({ sequential1h: 15, calls1h: 38 }), c)).toBeNull();
    expect(sequentialDialing(sig({ sequential1h: 50, calls1h: 1000 }), c)).toBeNull();
  });

  it('rises to 70 points at 4× the count and stops there', () => {
    expect(sequentialDialing(sig({ sequential1h: 60, calls1h: 61 }), c)?.points).toBe(70);
    expect(sequentialDialing(sig({ sequential1h: 600, calls1h: 601 }), c)?.points).toBe(70);
    expect(sequentialDialing(sig({ sequential1h: 30, calls1h: 31 }), c)?.points).toBeCloseTo(50 + 20 / 3, 6);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, sequentialDialing: { maxGap: 1, perHour: 5, minShare: 0.9 } };
    expect(sequentialDialing(sig({ sequential1h: 5, calls1h: 5 }), custom)?.threshold).toBe(5);
    expect(sequentialDialing(sig({ sequential1h: 5, calls1h: 6 }), custom)).toBeNull();
  });

  it('is silent when the strangers called plainly engage (an administrator ringing a corporate block\'s colleagues)', () => {
    const run = { sequential1h: 25, calls1h: 25, newStrangers1h: 25 };
    // 22 of 25 engaged: the 95 % lower bound 0.72 is above 0.55.
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 22 }), c)).toBeNull();
    // 16 of 25 (0.64; lower bound 0.47): not plainly, the rule speaks; a dialler's 2 of 25 too.
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 16 }), c)).not.toBeNull();
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 2 }), c)).not.toBeNull();
    // Callbacks are engagement like answers.
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 12, callbacks1h: 10 }), c)).toBeNull();
    // A real conversation counts once here (reach's hour counts it twice): 10 of 25 talking is no exemption.
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 10, strangerTalked1h: 10 }), c)).not.toBeNull();
    // The bar is LOW_ANSWER_FANOUT's.
    expect(sequentialDialing(sig({ ...run, strangerAnswered1h: 22 }), { ...c, lowAnswerFanout: { ...c.lowAnswerFanout, maxAnswerRate: 0.8 } })).not.toBeNull();
  });

  it('does not judge the share when the hour\'s call count is at the counters\' ceiling', () => {
    expect(sequentialDialing(sig({ sequential1h: 30_000, calls1h: 65_535 }), c)).not.toBeNull();
    expect(sequentialDialing(sig({ sequential1h: 30_000, calls1h: 65_535, calls1hSaturated: true }), c)).toBeNull();
  });
});
