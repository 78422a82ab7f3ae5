import { describe, expect, it } from 'vitest';
import { Rng } from './prng.ts';
import { DAY, HOUR, localHour, planTimes } from './time.ts';

const MIDNIGHT_SHANGHAI = Date.parse('2025-03-03T00:00:00+08:00');

describe('time', () => {
  it('reads Asia/Shanghai local hours (UTC+8)', () => {
    expect(localHour(MIDNIGHT_SHANGHAI)).toBe(0);
    expect(localHour(Date.parse('2025-03-03T01:30:00Z'))).toBe(9);
  });

  it('plans sorted times inside the span, at the requested rate, only in the rhythm hours', () => {
    const r = new Rng(5);
    let n = 0;
    for (let k = 0; k < 200; k++) {
      const ts = planTimes(r, MIDNIGHT_SHANGHAI, MIDNIGHT_SHANGHAI + DAY, 100, 'business');
      n += ts.length;
      for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
      for (const t of ts) {
        expect(localHour(t)).toBeGreaterThanOrEqual(8);
        expect(localHour(t)).toBeLessThanOrEqual(19);
      }
    }
    expect(n / 200).toBeGreaterThan(95);
    expect(n / 200).toBeLessThan(105);
    const night = planTimes(r, MIDNIGHT_SHANGHAI + 22 * HOUR, MIDNIGHT_SHANGHAI + 32 * HOUR, 1000, 'night');
    expect(night.length).toBeGreaterThan(900); // the span is the whole night, when all of the 1,000 a day fall
    for (const t of night) expect(localHour(t) >= 22 || localHour(t) < 8).toBe(true);
  });
});
