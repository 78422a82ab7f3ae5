import { describe, expect, it } from 'vitest';
import { H1, H24, M as METRICS } from './metrics.ts';
import { COUNTER_MAX, FULL_SPAN, WindowedCounters, spreadDaySpans } from './windowed-counters.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The start of an hour window (and of a UTC day). */
const W = Date.UTC(2025, 2, 3);
const M = 0;
const OTHER = 1;

function addAt(c: WindowedCounters, slot: number, t: number, n = 1, m = M): void {
  c.touch(slot, t);
  c.add(slot, m, n);
}

describe('WindowedCounters', () => {

  it('atLeast answers as value() >= min, its shortcut on the counts included', () => {
    let seed = 11;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const c = new WindowedCounters(4);
    let t = W;
    for (let k = 0; k < 3000; k++) {
      const slot = k % 4;
      t += Math.floor(rnd() * 30 * 60_000);
      c.touch(slot, t - (rnd() < 0.1 ? Math.floor(rnd() * 2 * HOUR) : 0), rnd() < 0.9);
      c.add(slot, M, 1 + Math.floor(rnd() * 4));
      const asked = t + Math.floor((rnd() - 0.3) * 3 * DAY);
      for (const h of [H1, H24]) {
        const v = c.value(slot, h, M, asked);
        for (const min of [0, 1, 2, 5, 10, 20, 40, Math.floor(v), Math.ceil(v), v, v + 1e-9]) expect(c.atLeast(slot, h, M, asked, min)).toBe(v >= min);
      }
    }
  });
  it('counts an event exactly at a window edge in the window that starts there', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W - 1);
    addAt(c, 0, W);
    // At W the previous window still counts in full: 1 (cur) + 1 (prev) × 1.
    expect(c.value(0, H1, M, W)).toBe(2);
    // Halfway through, the previous hour's event weighs one half.
    expect(c.value(0, H1, M, W + HOUR / 2)).toBe(1.5);
    // At the next edge only the event at W remains, and in full.
    expect(c.value(0, H1, M, W + HOUR)).toBe(1);
    expect(c.value(0, H1, M, W + 2 * HOUR)).toBe(0);
  });

  it('gives the sliding estimate cur + prev × (rest of the current window) at its start, middle and end', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + 10 * 60_000, 10);
    addAt(c, 0, W + HOUR + 60_000, 4);
    expect(c.value(0, H1, M, W + HOUR)).toBe(14);
    expect(c.value(0, H1, M, W + HOUR + HOUR / 2)).toBe(9);
    expect(c.value(0, H1, M, W + HOUR + (3 * HOUR) / 4)).toBe(6.5);
    expect(c.value(0, H1, M, W + 2 * HOUR - 1)).toBeCloseTo(4, 3);
    // Asked one window later (no event since), the current window became the previous one.
    expect(c.value(0, H1, M, W + 2 * HOUR + HOUR / 4)).toBe(3);
  });

  it('is exact for counts that fit one window', () => {
    const c = new WindowedCounters(4);
    for (let i = 0; i < 60; i++) addAt(c, 0, W + i * 60_000);
    expect(c.value(0, H1, M, W + 59 * 60_000)).toBe(60);
    expect(c.value(0, H24, M, W + 59 * 60_000)).toBe(60);
  });

  it('counts an event one window late in the previous window, in every horizon', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + HOUR + 1000); // current hour: W+1h
    addAt(c, 0, W + HOUR - 1000); // one hour window late: lands in prev
    expect(c.value(0, H1, M, W + HOUR + HOUR / 2)).toBe(1.5);
    // Both are in the same day window.
    expect(c.value(0, H24, M, W + HOUR + HOUR / 2)).toBe(2);
  });

  it('ignores events older than the previous window (never counted, never corrupting)', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + 2 * HOUR + 1000, 3);
    addAt(c, 0, W + 10, 5); // two hour windows late: too old for 1h, same day for 24h
    expect(c.value(0, H1, M, W + 2 * HOUR + 2000)).toBe(3);
    expect(c.value(0, H24, M, W + 2 * HOUR + 2000)).toBe(8);
    addAt(c, 0, W + 2 * DAY, 1);
    addAt(c, 0, W - 1, 100); // two day windows late
    expect(c.value(0, H24, M, W + 2 * DAY)).toBe(1);
    expect(c.value(0, H1, M, W + 2 * DAY)).toBe(1);
  });

  it('drops the previous window when the next event is more than one window later', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + 1000, 10);
    addAt(c, 0, W + 2 * HOUR + 1000, 1);
    expect(c.value(0, H1, M, W + 2 * HOUR + 1000)).toBe(1);
  });

  it('reads a time one window behind the current from the previous window (an event delivered late across an edge)', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W - 20 * 60_000, 5);
    addAt(c, 0, W + 10_000, 1); // the next hour starts: those five are now the previous window
    addAt(c, 0, W - 5_000, 1); // delivered late, one window behind
    // At W − 5 s the hour before holds the six events of that window (the one before it is gone).
    expect(c.value(0, H1, M, W - 5_000)).toBe(6);
    expect(c.value(0, H1, M, W + 10_000)).toBeCloseTo(1 + 6 * (1 - 10_000 / HOUR), 9);
  });

  it('does not read the window at t from a later window (asking about the past gives 0)', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + 5 * HOUR, 1);
    expect(c.value(0, H1, M, W + HOUR)).toBe(0);
  });

  it('saturates at 65535 instead of wrapping', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W, 65_000);
    addAt(c, 0, W + 1, 1000);
    expect(c.value(0, H1, M, W + 2)).toBe(65_535);
    addAt(c, 0, W + 3, 1);
    expect(c.value(0, H1, M, W + 4)).toBe(65_535);
  });

  it('addIn counts in one horizon only', () => {
    const c = new WindowedCounters(4);
    c.touch(0, W);
    c.addIn(0, H24, M, 3);
    expect(c.value(0, H1, M, W)).toBe(0);
    expect(c.value(0, H24, M, W)).toBe(3);
  });

  it('keeps slots and metrics apart', () => {
    const c = new WindowedCounters(4);
    addAt(c, 1, W, 2, M);
    addAt(c, 1, W, 5, OTHER);
    addAt(c, 2, W, 7, M);
    expect([c.value(0, H1, M, W), c.value(1, H1, M, W), c.value(1, H1, OTHER, W), c.value(2, H1, M, W)]).toEqual([0, 2, 5, 7]);
  });

  it('clear empties a slot, so a reused slot starts from nothing', () => {
    const c = new WindowedCounters(4);
    addAt(c, 1, W, 9);
    addAt(c, 1, W + HOUR, 9);
    c.clear(1);
    expect(c.value(1, H1, M, W + HOUR)).toBe(0);
    expect(c.value(1, H24, M, W + HOUR)).toBe(0);
    addAt(c, 1, W + HOUR + 1, 1);
    expect(c.value(1, H1, M, W + HOUR + 1)).toBe(1);
  });

  it('resize keeps every slot’s counts and windows', () => {
    const c = new WindowedCounters(2);
    addAt(c, 0, W, 3);
    addAt(c, 1, W + HOUR, 4);
    c.resize(64);
    addAt(c, 40, W + HOUR, 5);
    expect(c.value(0, H24, M, W + HOUR)).toBe(3);
    expect(c.value(0, H1, M, W + HOUR)).toBe(3);
    expect(c.value(1, H1, M, W + HOUR)).toBe(4);
    expect(c.value(40, H1, M, W + HOUR)).toBe(5);
  });

  it('saturates each counter on its own at COUNTER_MAX, and says which windows read are at it', () => {
    const c = new WindowedCounters(4);
    addAt(c, 0, W + 1_000, 100_000);
    addAt(c, 0, W + 1_000, 40_000, OTHER);
    expect(COUNTER_MAX).toBe(0xffff);
    expect(c.value(0, H24, M, W + 1_000)).toBe(COUNTER_MAX);
    expect(c.value(0, H24, OTHER, W + 1_000)).toBe(40_000);
    expect(c.saturated(0, H24, M, W + 1_000)).toBe(true);
    expect(c.saturated(0, H24, OTHER, W + 1_000)).toBe(false);
    // Read from the next day: the saturated window is the previous one. Its events were all made in its first
    // minute, more than 24 h before, so none of them counts; it is still read as saturated (a lower bound).
    expect(c.saturated(0, H24, M, W + DAY + DAY / 2)).toBe(true);
    addAt(c, 0, W + DAY + DAY / 2, 10);
    expect(c.value(0, H24, M, W + DAY + DAY / 2)).toBe(10);
    expect(c.value(0, H1, M, W + DAY + DAY / 2)).toBe(10);
    expect(c.saturated(0, H24, M, W + DAY + DAY / 2)).toBe(true);
    // A late event of the day before reads that window alone.
    expect(c.saturated(0, H24, M, W + 2_000)).toBe(true);
    // Once the saturated window has left the horizon, the count is exact again.
    expect(c.saturated(0, H24, M, W + 2 * DAY)).toBe(false);
    expect(c.saturated(0, H1, OTHER, W + 1_000)).toBe(false);
    expect(c.saturated(1, H24, M, W + 1_000)).toBe(false);
  });

  describe("the day's previous window, read over the span of its events", () => {
    const MIN = 60_000;
    /** 08:00 in Shanghai is the day window's start (midnight UTC): an office-hours caller's 09:00–17:00 is 1–9 h into it. */
    const office = (c: WindowedCounters, day: number, perHour: number): void => {
      for (let h = 1; h < 9; h++) for (let k = 0; k < perHour; k++) addAt(c, 0, W + day * DAY + h * HOUR + (k * HOUR) / perHour);
    };

    it("counts none of yesterday's office-hours calls once their hour has passed (the even spread counted 62 %)", () => {
      const c = new WindowedCounters(4);
      office(c, 0, 10); // 80 calls between 09:00 and 17:00 (Shanghai) on day 0
      office(c, 1, 10); // and 80 again on day 1
      // 17:06 on day 1: every call of day 0 is more than 24 h old; the last of day 0 was at 16:54.
      expect(c.value(0, H24, M, W + DAY + 9 * HOUR + 6 * MIN)).toBe(80);
      // 13:00 on day 1, its first 40 calls made: day 0's calls after 13:00 (its last 4 h of 8) are within 24 h.
      const half = new WindowedCounters(4);
      office(half, 0, 10);
      for (let k = 0; k < 40; k++) addAt(half, 0, W + DAY + HOUR + k * 6 * MIN);
      expect(half.value(0, H24, M, W + DAY + 5 * HOUR)).toBeCloseTo(40 + 80 / 2, 0);
      // 08:30, before the first call of day 1: all of day 0's calls are within 24 h.
      const d = new WindowedCounters(4);
      office(d, 0, 10);
      addAt(d, 0, W + DAY + 30 * MIN, 1, OTHER);
      expect(d.value(0, H24, M, W + DAY + 30 * MIN)).toBe(80);
    });

    it('keeps the even spread for counts of people counted once (new callees): their re-contacts today are not counted anywhere', () => {
      const c = new WindowedCounters(4);
      for (let h = 1; h < 9; h++) for (let k = 0; k < 10; k++) addAt(c, 0, W + h * HOUR + k * 6 * MIN, 1, METRICS.NEW_CALLEES);
      addAt(c, 0, W + DAY + 9 * HOUR + 6 * MIN, 1, M);
      expect(c.value(0, H24, METRICS.NEW_CALLEES, W + DAY + 9 * HOUR + 6 * MIN)).toBeCloseTo(80 * (1 - (9.1 / 24)), 6);
      expect(c.value(0, H24, M, W + DAY + 9 * HOUR + 6 * MIN)).toBe(1);
    });

    it("does not let a callback (a count of people) stretch the span: an office-hours caller's day stays its office hours", () => {
      const c = new WindowedCounters(4);
      office(c, 0, 10);
      // A customer calls back at 21:00 and another at 04:00 in Shanghai (13 h and 20 h into day 0's window).
      for (const at of [13 * HOUR, 20 * HOUR]) {
        c.touch(0, W + at, false);
        c.add(0, METRICS.CALLBACKS);
      }
      office(c, 1, 10);
      expect(c.value(0, H24, M, W + DAY + 9 * HOUR + 6 * MIN)).toBe(80);
      expect(c.value(0, H24, METRICS.CALLBACKS, W + DAY + 9 * HOUR + 6 * MIN)).toBeCloseTo(2 * (1 - 9.1 / 24), 6);
      // The same calls as events of the number's own widen it: its span then runs to 20:06, and 17:06 counts a part.
      const d = new WindowedCounters(4);
      office(d, 0, 10);
      addAt(d, 0, W + 20 * HOUR, 1, OTHER);
      office(d, 1, 10);
      expect(d.value(0, H24, M, W + DAY + 9 * HOUR + 6 * MIN)).toBeGreaterThan(80);
    });

    it("weighs an evening caller's previous window by its evening, not by the whole day", () => {
      const c = new WindowedCounters(4);
      // 20:00–24:00 in Shanghai is 12–16 h into the window: 40 calls on day 0, then one at 21:00 on day 1.
      for (let k = 0; k < 40; k++) addAt(c, 0, W + 12 * HOUR + k * 6 * MIN);
      addAt(c, 0, W + DAY + 13 * HOUR);
      // At 21:00 on day 1, day 0's calls after 21:00 (three quarters of its evening) are within 24 h.
      expect(c.value(0, H24, M, W + DAY + 13 * HOUR)).toBeCloseTo(1 + 30, 0);
    });

    it('reads a window from before spans were kept (whole-day span) as the even spread, as before', () => {
      const c = new WindowedCounters(4);
      office(c, 0, 10);
      addAt(c, 0, W + DAY + 9 * HOUR, 1, OTHER);
      const old = c.buffer().slice();
      spreadDaySpans(old);
      const restored = new WindowedCounters(4);
      restored.load(old);
      expect(restored.value(0, H24, M, W + DAY + 9 * HOUR)).toBeCloseTo(80 * (1 - 9 / 24), 6);
      // A new day rolls the old spans out: from then on, what was counted since is read by its own span.
      restored.touch(0, W + 2 * DAY + HOUR);
      restored.add(0, M);
      expect(restored.value(0, H24, M, W + 2 * DAY + 20 * HOUR)).toBe(1);
      expect(FULL_SPAN).toBe((1 << 8) | 240);
    });

    it("widens the previous window's span with an event delivered a window late, and keeps the hour's window as it was", () => {
      const c = new WindowedCounters(4);
      addAt(c, 0, W + 2 * HOUR); // day 0, 10:00 in Shanghai
      addAt(c, 0, W + DAY + HOUR); // day 1
      addAt(c, 0, W + 20 * HOUR); // day 0, delivered late: its window's span is now 2 h → 20 h
      // 11 h into day 1: day 0's span [2 h, 20 h] (to its last 6-minute unit's end) has (20 − 11) / 18 of it within 24 h.
      expect(c.value(0, H24, M, W + DAY + 11 * HOUR)).toBeCloseTo(1 + 2 * (9.1 / 18.1), 6);
      expect(c.value(0, H1, M, W + DAY + HOUR)).toBe(1);
    });

    it('forgets the span with the window: a day with no calls in between leaves nothing to spread', () => {
      const c = new WindowedCounters(4);
      office(c, 0, 10);
      addAt(c, 0, W + 2 * DAY + HOUR);
      expect(c.value(0, H24, M, W + 2 * DAY + HOUR)).toBe(1);
      addAt(c, 0, W + 3 * DAY + 23 * HOUR);
      expect(c.value(0, H24, M, W + 3 * DAY + 23 * HOUR)).toBe(1);
    });
  });
});
