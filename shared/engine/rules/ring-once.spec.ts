import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { ringOnce } from './ring-once.ts';

const cfg = defaultConfig();
const c = cfg.rules;
/** Signals with as many distinct strangers as ring-once calls unless said otherwise (a lure rings each once). */
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), newStrangers1h: o.ringOnce1h ?? 0, newStrangers24h: o.ringOnce24h ?? o.ringOnce1h ?? 0, ...o });
const PH = c.ringOnce.perHour;

describe('RING_ONCE', () => {
  it('is silent below the hourly and daily counts', () => {
    expect(ringOnce(sig({ ringOnce1h: PH - 1, calls1h: PH - 1, ringOnce24h: 9, calls24h: 9 }), c)).toBeNull();
  });

  it('fires at exactly the hourly count when they are half the traffic: LABEL on its own', () => {
    const r = ringOnce(sig({ ringOnce1h: PH, calls1h: 2 * PH, ringOnce24h: PH, calls24h: 2 * PH }), c);
    expect(r).toEqual({ rule: 'RING_ONCE', window: '1h', value: PH, threshold: PH, points: 50 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('is silent when ring-once attempts are a minority of the traffic (a busy caller hanging up sometimes)', () => {
    expect(ringOnce(sig({ ringOnce1h: PH, calls1h: 2 * PH + 1, ringOnce24h: PH, calls24h: 2 * PH + 1 }), c)).toBeNull();
    expect(ringOnce(sig({ ringOnce1h: 30, calls1h: 100, ringOnce24h: 30, calls24h: 100 }), c)).toBeNull();
  });

  it('fires on the daily count alone, reporting the 24h window: ten a day (a lure spread thin over many numbers)', () => {
    const r = ringOnce(sig({ ringOnce1h: 2, calls1h: 2, ringOnce24h: 10, calls24h: 15 }), c);
    expect(r).toMatchObject({ rule: 'RING_ONCE', window: '24h', value: 10, threshold: 10, points: 50 });
  });

  it('fires on the day at exactly half the day\'s traffic, not below it', () => {
    expect(ringOnce(sig({ ringOnce1h: 2, calls1h: 2, ringOnce24h: 10, calls24h: 20 }), c)).toMatchObject({ window: '24h', value: 10 });
    expect(ringOnce(sig({ ringOnce1h: 2, calls1h: 2, ringOnce24h: 10, calls24h: 21 }), c)).toBeNull();
    expect(ringOnce(sig({ ringOnce1h: 2, calls1h: 2, ringOnce24h: 9, calls24h: 9 }), c)).toBeNull();
  });

  it('rises to 70 points at 3× the threshold and stops there', () => {
    expect(ringOnce(sig({ ringOnce1h: 2 * PH, calls1h: 2 * PH }), c)?.points).toBeCloseTo(60, 6);
    expect(ringOnce(sig({ ringOnce1h: 3 * PH, calls1h: 3 * PH }), c)?.points).toBe(70);
    expect(ringOnce(sig({ ringOnce1h: 2400, calls1h: 2400 }), c)?.points).toBe(70);
  });

  it('needs as many distinct strangers as its count: quick hang-ups at one or two numbers are no lure', () => {
    // Six hang-ups after 5 s at one stranger's number in 25 minutes; three each at two shops.
    expect(ringOnce(sig({ ringOnce1h: PH, calls1h: PH, newStrangers1h: 1 }), c)).toBeNull();
    expect(ringOnce(sig({ ringOnce1h: PH, calls1h: PH, newStrangers1h: 2 }), c)).toBeNull();
    expect(ringOnce(sig({ ringOnce1h: PH, calls1h: PH, newStrangers1h: PH }), c)).toMatchObject({ window: '1h' });
    // A lure ringing each of its victims three times: the count is reached at its sixth victim.
    expect(ringOnce(sig({ ringOnce1h: 3 * PH - 3, calls1h: 3 * PH - 3, newStrangers1h: PH - 1 }), c)).toBeNull();
    expect(ringOnce(sig({ ringOnce1h: 3 * PH - 2, calls1h: 3 * PH - 2, newStrangers1h: PH }), c)).toMatchObject({ window: '1h' });
    // The day likewise.
    expect(ringOnce(sig({ ringOnce1h: 2, calls1h: 2, ringOnce24h: 10, calls24h: 10, newStrangers24h: 9 }), c)).toBeNull();
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, ringOnce: { maxRingMs: 8000, perHour: 3, perDay: 100, minShare: 0.9 } };
    expect(ringOnce(sig({ ringOnce1h: 3, calls1h: 3 }), custom)?.threshold).toBe(3);
    expect(ringOnce(sig({ ringOnce1h: 3, calls1h: 4 }), custom)).toBeNull();
  });

  it('does not judge the share of a window whose call count is at the counters\' ceiling (175,000 calls a day, 40 % ring-once)', () => {
    // The day's call count stopped at 65,535 on its own: 32,768 ring-once of it read as half the traffic.
    const day = { ringOnce24h: 32_768, calls24h: 65_535, calls24hSaturated: true };
    expect(ringOnce(sig({ ringOnce1h: 5_385, calls1h: 13_462, ...day }), c)).toBeNull();
    // The hour, below the ceiling, is still judged on its own share.
    expect(ringOnce(sig({ ringOnce1h: 8_000, calls1h: 13_462, ...day }), c)).toMatchObject({ rule: 'RING_ONCE', window: '1h' });
    expect(ringOnce(sig({ ringOnce1h: 60_000, calls1h: 65_535, calls1hSaturated: true }), c)).toBeNull();
  });
});
