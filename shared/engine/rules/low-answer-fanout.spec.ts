import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { lowAnswerFanout } from './low-answer-fanout.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

/** `n` distinct strangers in the last hour, each called once, `answered` of them answered. */
const hour = (n: number, answered: number) =>
  sig({ newStrangers1h: n, strangerCalls1h: n, strangerAnswered1h: answered, newStrangers24h: n, strangerCalls24h: n, strangerAnswered24h: answered });

describe('LOW_ANSWER_FANOUT', () => {
  it('does not look at fewer distinct strangers than the thresholds, however few answer', () => {
    expect(lowAnswerFanout(hour(11, 0), c)).toBeNull();
    expect(lowAnswerFanout(sig({ newStrangers24h: 24, strangerCalls24h: 24 }), c)).toBeNull();
  });

  it('fires at exactly the hourly fan-out with nobody answering: 60 points, LABEL on its own', () => {
    const r = lowAnswerFanout(hour(12, 0), c);
    expect(r).toEqual({ rule: 'LOW_ANSWER_FANOUT', window: '1h', value: 0, threshold: 0.45, points: 60 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('fires on the daily fan-out alone, reporting the 24h window', () => {
    const r = lowAnswerFanout(sig({ newStrangers1h: 3, strangerCalls1h: 3, newStrangers24h: 25, strangerCalls24h: 25, strangerAnswered24h: 5 }), c);
    expect(r?.window).toBe('24h');
    expect(r?.value).toBe(0.2);
    expect(r?.threshold).toBe(0.45);
  });

  it('fires at exactly the maximum answer rate (weakly) and not above it', () => {
    const at = lowAnswerFanout(sig({ newStrangers1h: 20, strangerCalls1h: 20, strangerAnswered1h: 9 }), c);
    expect(at?.value).toBe(0.45);
    expect(at?.points).toBeCloseTo(30 + 10 * ((20 / 12 - 1) / 2), 6);
    expect(lowAnswerFanout(sig({ newStrangers1h: 20, strangerCalls1h: 20, strangerAnswered1h: 9.2 }), c)).toBeNull();
  });

  it('leaves a courier alone: many strangers, most of them answer', () => {
    const courier = sig({ newStrangers1h: 10, strangerCalls1h: 10, strangerAnswered1h: 8, newStrangers24h: 80, strangerCalls24h: 80, strangerAnswered24h: 64 });
    expect(lowAnswerFanout(courier, c)).toBeNull();
  });

  it('a telemarketer (~15% answered) is a LABEL on its own', () => {
    const r = lowAnswerFanout(sig({ newStrangers1h: 30, strangerCalls1h: 30, strangerAnswered1h: 4.5 }), c);
    expect(r!.points).toBeGreaterThanOrEqual(cfg.severity.label);
  });

  it('reports the answer rate precisely enough to read against its threshold (never above it)', () => {
    expect(lowAnswerFanout(hour(20, 3), c)?.value).toBe(0.15);
    expect(lowAnswerFanout(hour(13, 2), c)?.value).toBe(0.154);
    for (let answered = 0; answered <= 100; answered++) {
      const r = lowAnswerFanout(hour(200, answered), c);
      if (answered / 200 <= 0.45) expect(r!.value).toBeLessThanOrEqual(r!.threshold);
      else expect(r).toBeNull();
    }
  });

  it('prefers the hourly window when both qualify', () => {
    const r = lowAnswerFanout(sig({ newStrangers1h: 12, strangerCalls1h: 12, newStrangers24h: 200, strangerCalls24h: 200, strangerAnswered24h: 80 }), c);
    expect(r?.window).toBe('1h');
  });

  it('adds up to 10 points for fan-out, reached at 3× the threshold', () => {
    expect(lowAnswerFanout(hour(24, 0), c)?.points).toBeCloseTo(65, 6);
    expect(lowAnswerFanout(hour(36, 0), c)?.points).toBe(70);
    expect(lowAnswerFanout(hour(500, 0), c)?.points).toBe(70);
  });

  it('counts repeated calls in the rate, not only distinct strangers', () => {
    // 12 strangers, 40 calls, 4 answered: 10%.
    const r = lowAnswerFanout(sig({ newStrangers1h: 12, strangerCalls1h: 40, strangerAnswered1h: 4 }), c);
    expect(r?.value).toBe(0.1);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, lowAnswerFanout: { strangersPerHour: 5, strangersPerDay: 10, maxAnswerRate: 0.2 } };
    expect(lowAnswerFanout(hour(5, 1), custom)?.threshold).toBe(0.2);
    expect(lowAnswerFanout(hour(5, 2), custom)).toBeNull();
  });
});
