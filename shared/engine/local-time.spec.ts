import { describe, expect, it } from 'vitest';
import { LocalClock, QuietShare, inHours, isTimeZone } from './local-time.ts';

const utc = (y: number, mo: number, d: number, h: number, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);

describe('LocalClock', () => {
  const shanghai = new LocalClock('Asia/Shanghai');

  it('gives Asia/Shanghai hours (UTC+8, no daylight saving)', () => {
    expect(shanghai.hour(utc(2025, 3, 3, 2))).toBe(10);
    expect(shanghai.hour(utc(2025, 3, 3, 14))).toBe(22);
    expect(shanghai.hour(utc(2025, 3, 3, 15, 59, 59))).toBe(23);
    expect(shanghai.hour(utc(2025, 3, 3, 16))).toBe(0);
    expect(shanghai.hour(utc(2025, 7, 1, 23, 30))).toBe(7);
    expect(shanghai.hour(utc(2025, 7, 2, 0))).toBe(8);
  });

  it('is right at every hour of a whole day, across the local midnight', () => {
    for (let h = 0; h < 24; h++) expect(shanghai.hour(utc(2025, 3, 3, h, 30))).toBe((h + 8) % 24);
  });

  it('is right for times visited out of order (cached offsets)', () => {
    const ts = [utc(2025, 3, 3, 14), utc(2025, 3, 1, 3), utc(2025, 3, 3, 14, 59), utc(2024, 12, 31, 16)];
    expect(ts.map((t) => shanghai.hour(t))).toEqual([22, 11, 22, 0]);
  });

  it('follows daylight saving in zones that have it', () => {
    const ny = new LocalClock('America/New_York');
    expect(ny.hour(utc(2025, 1, 15, 12))).toBe(7); // EST, UTC-5
    expect(ny.hour(utc(2025, 7, 15, 12))).toBe(8); // EDT, UTC-4
    // The 2025 switch: 9 March 07:00 UTC, 02:00 EST becomes 03:00 EDT.
    expect(ny.hour(utc(2025, 3, 9, 6, 59))).toBe(1);
    expect(ny.hour(utc(2025, 3, 9, 7))).toBe(3);
  });

  it('handles zones with half-hour offsets', () => {
    const kolkata = new LocalClock('Asia/Kolkata');
    expect(kolkata.hour(utc(2025, 3, 3, 18, 29))).toBe(23);
    expect(kolkata.hour(utc(2025, 3, 3, 18, 30))).toBe(0);
  });
});

describe('inHours', () => {
  it('is [start, end) within a day', () => {
    expect(inHours(9, 9, 17)).toBe(true);
    expect(inHours(16, 9, 17)).toBe(true);
    expect(inHours(17, 9, 17)).toBe(false);
    expect(inHours(8, 9, 17)).toBe(false);
  });

  it('wraps past midnight when start > end (22:00–08:00)', () => {
    const night = (h: number) => inHours(h, 22, 8);
    expect([21, 22, 23, 0, 3, 7, 8, 12].map(night)).toEqual([false, true, true, true, true, true, false, false]);
  });

  it('is empty when start equals end', () => {
    for (let h = 0; h < 24; h++) expect(inHours(h, 5, 5)).toBe(false);
  });
});

describe('isTimeZone', () => {
  it('accepts IANA zones and rejects typos', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Shangai')).toBe(false);
  });
});

describe('QuietShare', () => {
  const day = (h: number, m = 0) => Date.UTC(2025, 2, 4, h, m);

  it('weighs the previous day window by the share of its quiet hours still within the last 24 h (22:00–08:00 Shanghai: 14:00–24:00 UTC)', () => {
    const q = new QuietShare(new LocalClock('Asia/Shanghai'), 22, 8);
    expect(q.previous(day(0))).toBe(1); // 08:00 Shanghai: all of last night within 24 h
    expect(q.previous(day(13, 59))).toBe(1); // 21:59: still all of it
    expect(q.previous(day(14))).toBe(1); // 22:00
    expect(q.previous(day(19))).toBeCloseTo(0.5, 10); // 03:00: the half after 03:00
    expect(q.previous(day(23, 30))).toBeCloseTo(0.05, 10); // 07:30
  });

  it('keeps two windows: late events alternating across midnight UTC read the same shares without recomputing them', () => {
    const clock = new LocalClock('Asia/Shanghai');
    let hours = 0;
    const counting = { hour: (t: number) => (hours++, clock.hour(t)) } as LocalClock;
    const q = new QuietShare(counting, 22, 8);
    const fresh = (t: number) => new QuietShare(new LocalClock('Asia/Shanghai'), 22, 8).previous(t);
    const before = day(0) - 30_000;
    const after = day(0) + 30_000;
    for (let i = 0; i < 50; i++) {
      expect(q.previous(i % 2 ? before : after)).toBe(fresh(i % 2 ? before : after));
    }
    expect(hours).toBe(2 * 96); // each window's quarters once
  });

  it('follows the zone: in UTC the quiet hours wrap the window (00:00–08:00 and 22:00–24:00)', () => {
    const q = new QuietShare(new LocalClock('UTC'), 22, 8);
    expect(q.previous(day(4))).toBeCloseTo(6 / 10, 10);
    expect(q.previous(day(12))).toBeCloseTo(2 / 10, 10);
    expect(q.previous(day(23))).toBeCloseTo(1 / 10, 10);
  });

  it('handles zones a quarter of an hour off (Nepal, +05:45)', () => {
    const q = new QuietShare(new LocalClock('Asia/Kathmandu'), 22, 8);
    // 22:00–08:00 in Kathmandu is 16:15–02:15 UTC: 2.25 h of the window, then 7.75 h.
    expect(q.previous(day(2, 15))).toBeCloseTo(7.75 / 10, 10);
    expect(q.previous(day(20, 0))).toBeCloseTo(4 / 10, 10);
  });
});
