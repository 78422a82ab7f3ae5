/**
 * Idle eviction: numbers idle past idleEvictMs of event time are released,
 * bounding memory, without losing complaints still in their window.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, mobile, play, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const IDLE = defaultConfig().idleEvictMs;

describe('idle eviction', () => {
  it('releases a number idle past idleEvictMs: evictedNumbers grows, trackedNumbers falls', () => {
    const e = engine();
    const tr = new Traffic();
    tr.answered(T0, mobile(1, '138'), stranger(1), 60);
    // The lateness is added so that the watermark, not only the newest event, is past the idle limit.
    tr.answered(T0 + IDLE + 5 * MIN, mobile(2, '138'), stranger(2), 60);
    play(e, tr.inputs());
    expect(e.stats()).toMatchObject({ trackedNumbers: 2, evictedNumbers: 0 });
    e.finish();
    expect(e.stats()).toMatchObject({ trackedNumbers: 1, evictedNumbers: 1 });
  });

  it('keeps a number that has not been idle long enough', () => {
    const e = engine();
    const tr = new Traffic();
    tr.answered(T0, mobile(1, '138'), stranger(1), 60);
    tr.answered(T0 + IDLE - HOUR, mobile(2, '138'), stranger(2), 60);
    play(e, tr.inputs());
    e.finish();
    expect(e.stats()).toMatchObject({ trackedNumbers: 2, evictedNumbers: 0 });
  });

  it('evicts while the stream runs, not only at the end', () => {
    const e = engine();
    const tr = new Traffic();
    for (let i = 0; i < 50; i++) tr.answered(T0 + i * SEC, mobile(i, '138'), stranger(i), 60);
    const later = T0 + IDLE + HOUR;
    // Enough calls from a few other numbers to trigger the engine's periodic sweep.
    for (let i = 0; i < 70_000; i++) tr.answered(later + i * 100, mobile(1000 + (i % 20), '138'), stranger(i % 500), 60);
    play(e, tr.inputs());
    expect(e.stats().evictedNumbers).toBe(50);
    expect(e.stats().trackedNumbers).toBe(20);
  });

  it('an evicted number that comes back is tracked again', () => {
    const e = engine();
    const caller = mobile(1, '138');
    const tr = new Traffic();
    for (let i = 0; i < 7; i++) tr.noAnswer(T0 + i * MIN, caller, stranger(1));
    tr.answered(T0 + IDLE + 10 * MIN, mobile(2, '138'), stranger(2), 60);
    play(e, tr.inputs());
    e.finish();
    expect(e.stats().evictedNumbers).toBe(1);
    const back = new Traffic();
    back.answered(T0 + IDLE + 15 * MIN, caller, stranger(3), 60);
    play(e, back.inputs());
    expect(e.stats().trackedNumbers).toBe(2);
  });

  it('keeps a reported number while its complaints are in their window, so later complaints add up', () => {
    const e = engine();
    const reported = mobile(7, '138');
    const tr = new Traffic();
    tr.complaint(T0, stranger(1), reported);
    tr.answered(T0 + IDLE + 5 * MIN, mobile(2, '138'), stranger(2), 60);
    play(e, tr.inputs());
    e.finish();
    expect(e.stats().evictedNumbers).toBe(0);
    const more = new Traffic();
    more.complaint(T0 + IDLE + 10 * MIN, stranger(2), reported);
    more.complaint(T0 + IDLE + 20 * MIN, stranger(3), reported);
    const flags = play(e, more.inputs()).flags;
    expect(withRule(flags, 'COMPLAINTS').map((f) => f.severity)).toEqual(['WATCH', 'LABEL']);
  });

  it('eviction does not forget that a pair is acquainted (pair knowledge lives apart from the number)', () => {
    const e = engine();
    const a = mobile(1, '138');
    const b = stranger(1);
    const tr = new Traffic();
    for (let i = 0; i < defaultConfig().acquaintanceTalks; i++) tr.answered(T0 + i * HOUR, a, b, 300);
    tr.answered(T0 + IDLE + 5 * HOUR, mobile(2, '138'), stranger(2), 60);
    play(e, tr.inputs());
    e.finish();
    expect(e.stats().evictedNumbers).toBe(1);
    const quarrel = new Traffic();
    const q = T0 + IDLE + DAY;
    quarrel.rejected(q, a, b);
    for (let i = 1; i <= 5; i++) quarrel.noAnswer(q + i * 5 * MIN, a, b);
    expect(play(e, quarrel.inputs()).flags).toEqual([]);
  });
});
