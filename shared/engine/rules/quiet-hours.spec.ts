import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, wilsonUpper, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { quietHours } from './quiet-hours.ts';

const cfg = defaultConfig();
const c = cfg.rules;
/** Each stranger called once: distinct strangers equal stranger calls unless given. */
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), newStrangers24h: o.strangerCalls24h ?? 0, ...o });

describe('QUIET_HOURS', () => {
  it('is silent below the daily count of night calls to strangers', () => {
    expect(quietHours(sig({ quietStranger24h: 5.9 }), c)).toBeNull();
  });

  it('is WATCH at exactly the count, with the contract fields, when the callees engage', () => {
    const r = quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 20, strangerAnswered24h: 15 }), c);
    expect(r).toEqual({ rule: 'QUIET_HOURS', window: '24h', value: 6, threshold: 6, points: 25, context: true });
    expect(verdict([r!], cfg.severity).severity).toBe('WATCH');
  });

  it('alone stays below LABEL when the callees engage: 40 points at most', () => {
    const s = (q: number) => sig({ quietStranger24h: q, strangerCalls24h: 3 * q, strangerAnswered24h: 2 * q });
    expect(quietHours(s(24), c)?.points).toBe(40);
    expect(quietHours(s(2400), c)?.points).toBe(40);
    expect(verdict([quietHours(s(2400), c)!], cfg.severity).severity).toBe('WATCH');
  });

  it('is a LABEL when the night calls are marketing-like (the callees do not engage)', () => {
    const r = quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 30, strangerAnswered24h: 2 }), c)!;
    expect(r.points).toBe(50);
    expect(verdict([r], cfg.severity).severity).toBe('LABEL');
  });

  it('is context, as LOW_ANSWER_FANOUT is silent, when the strangers plainly pick up for short talks (a rider\'s late deliveries)', () => {
    const night = { quietStranger24h: 6, strangerCalls24h: 30, strangerAnswered24h: 2 };
    // 26 of the 30 picked up, for seconds: not marketing-like.
    const r = quietHours(sig({ ...night, strangerPickedUp24h: 26 }), c)!;
    expect(r).toMatchObject({ points: 25, context: true });
    expect(verdict([r], cfg.severity).severity).toBe('WATCH');
    // 20 of 30 (0.67) is not plainly above the maximum (lower bound 0.52) but may well be a public that mostly
    // answers (upper bound 0.79): not marketing-like either.
    expect(quietHours(sig({ ...night, strangerPickedUp24h: 20 }), c)).toMatchObject({ points: 25, context: true });
    // 15 of 30 picked up is neither plainly above the maximum nor plausibly a public that mostly answers: still
    // marketing-like.
    expect(wilsonUpper(15, 30)).toBeLessThanOrEqual(c.lowAnswerFanout.mostlyAnswered);
    expect(quietHours(sig({ ...night, strangerPickedUp24h: 15 }), c)).toMatchObject({ points: 50, restates: true });
    // So are 26 of 30 who picked up when 29 of 60 calls were answered: redialled until they answered.
    expect(quietHours(sig({ ...night, calls24h: 60, answered24h: 29, strangerPickedUp24h: 26 }), c)).toMatchObject({ points: 50, restates: true });
  });

  it('judges engagement by its upper bound and counts callbacks as engagement', () => {
    // Six night calls, none engaged: clearly low. Two of six (a third) is under the maximum but not clearly.
    expect(wilsonUpper(2, 6)).toBeGreaterThan(c.lowAnswerFanout.maxAnswerRate);
    expect(quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 6 }), c)?.points).toBe(50);
    expect(quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 6, strangerAnswered24h: 2 }), c)?.points).toBe(25);
    // Callbacks count like answers.
    expect(quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 30, strangerAnswered24h: 2, callbacks24h: 20 }), c)?.points).toBe(25);
  });

  it('is context when the callees engage: with volume it stays WATCH (a school’s evening round running late), with evidence it adds', () => {
    const q = quietHours(sig({ quietStranger24h: 24, strangerCalls24h: 300, strangerAnswered24h: 200 }), c)!;
    expect(q.context).toBe(true);
    const hf = { rule: 'HIGH_FREQUENCY' as const, window: '1h', value: 240, threshold: 60, points: 29, context: true };
    expect(verdict([q, hf], cfg.severity)).toEqual({ score: 49, severity: 'WATCH' });
    const complaints = { rule: 'COMPLAINTS' as const, window: '30d', value: 4, threshold: 2, points: 65 };
    expect(verdict([q, complaints], cfg.severity).score).toBe(100);
  });

  it('is evidence when the night calls are marketing-like', () => {
    expect(quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 30, strangerAnswered24h: 2 }), c)?.context).toBeUndefined();
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, quietHours: { startHour: 21, endHour: 9, strangerCallsPerDay: 2 } };
    expect(quietHours(sig({ quietStranger24h: 2 }), custom)?.threshold).toBe(2);
  });
});
