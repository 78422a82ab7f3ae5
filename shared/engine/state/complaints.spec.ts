import { describe, expect, it } from 'vitest';
import { ComplaintStore } from './complaints.ts';

const DAY = 86_400_000;
const WINDOW = 30 * DAY;
const T = Date.UTC(2025, 2, 3, 2);
const REPORTED = 8613900000001;

describe('ComplaintStore', () => {
  it('counts a reporter once, and its complaints each (reports, for the evidence), across a snapshot', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED, 1, T + 1000, 1);
    s.add(REPORTED, 2, T + 2000, 1);
    expect(s.reporters(REPORTED, T + 3000)).toMatchObject({ count: 2, reports: 3 });
    const copy = new ComplaintStore(WINDOW);
    copy.importState(s.exportState());
    expect(copy.reporters(REPORTED, T + 3000)).toMatchObject({ count: 2, reports: 3 });
    const old = new ComplaintStore(WINDOW);
    old.importState([[REPORTED, 1, T, 1]]); // a row of a snapshot from before reports were kept
    expect(old.reporters(REPORTED, T + 3000)).toMatchObject({ count: 1, reports: 1 });
  });

  it('does not count a reporter\'s complaints that aged out before its latest (evidence.complaints)', () => {
    const s = new ComplaintStore(WINDOW);
    for (let i = 0; i < 5; i++) s.add(REPORTED, 1, T + i * 60_000, 1);
    s.add(REPORTED, 1, T + 40 * DAY, 0.5);
    s.add(REPORTED, 2, T + 40 * DAY + 1000, 1);
    expect(s.reporters(REPORTED, T + 40 * DAY + 2000)).toEqual({ count: 2, weighted: 1.5, first: T + 40 * DAY, last: T + 40 * DAY + 1000, reports: 2 });
    // A complaint older than the window behind the reporter's latest adds nothing.
    s.add(REPORTED, 2, T, 1);
    expect(s.reporters(REPORTED, T + 40 * DAY + 2000).reports).toBe(2);
  });

  it('counts distinct reporters', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED, 2, T + 1000, 1);
    s.add(REPORTED, 3, T + 2000, 1);
    expect(s.reporters(REPORTED, T + 3000)).toEqual({ count: 3, weighted: 3, first: T, last: T + 2000, reports: 3 });
  });

  it('counts a reporter complaining several times once', () => {
    const s = new ComplaintStore(WINDOW);
    for (let i = 0; i < 5; i++) s.add(REPORTED, 1, T + i * 60_000, 1);
    expect(s.reporters(REPORTED, T + DAY)).toMatchObject({ count: 1, weighted: 1 });
  });

  it('keeps each reporter’s latest complaint, so a repeated complaint keeps it in the window', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED, 1, T + 20 * DAY, 1);
    expect(s.reporters(REPORTED, T + 40 * DAY).count).toBe(1);
    expect(s.reporters(REPORTED, T + 50 * DAY).count).toBe(0);
  });

  it('keeps the highest weight a reporter has had', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 0.5);
    s.add(REPORTED, 1, T + 1000, 1);
    s.add(REPORTED, 2, T + 2000, 0.5);
    expect(s.reporters(REPORTED, T + 3000)).toMatchObject({ count: 2, weighted: 1.5 });
  });

  it('ages complaints out exactly at the end of the window', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED, 2, T + DAY, 1);
    expect(s.reporters(REPORTED, T + WINDOW - 1).count).toBe(2);
    expect(s.reporters(REPORTED, T + WINDOW).count).toBe(1);
    expect(s.reporters(REPORTED, T + WINDOW + DAY).count).toBe(0);
  });

  it('does not count complaints made after the time asked about', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED, 2, T + DAY, 1);
    expect(s.reporters(REPORTED, T + 1000).count).toBe(1);
  });

  it('keeps numbers apart', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED + 1, 2, T, 1);
    expect(s.reporters(REPORTED, T).count).toBe(1);
    expect(s.reporters(REPORTED + 2, T)).toEqual({ count: 0, weighted: 0, first: T, last: -Infinity, reports: 0 });
  });

  it('bounds the reporters kept per number, keeping the most recent', () => {
    const s = new ComplaintStore(WINDOW);
    for (let r = 1; r <= 200; r++) s.add(REPORTED, r, T + r * 1000, 1);
    const { count, first } = s.reporters(REPORTED, T + 1000 * 1000);
    expect(count).toBe(64);
    expect(first).toBe(T + 137 * 1000);
  });

  it('sweep forgets numbers whose complaints have all aged out, and only those', () => {
    const s = new ComplaintStore(WINDOW);
    s.add(REPORTED, 1, T, 1);
    s.add(REPORTED + 1, 1, T + 10 * DAY, 1);
    s.sweep(T + WINDOW);
    expect(s.has(REPORTED)).toBe(false);
    expect(s.has(REPORTED + 1)).toBe(true);
    expect(s.size).toBe(1);
  });
});
