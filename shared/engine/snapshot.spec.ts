import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import type { CallEvent, ComplaintReport } from '../contracts/records.ts';
import { createEngine, restoreEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, mobile, play, rng, stranger } from './testing/calls.ts';

/** A mixed stream: a telemarketer, a harasser, subscribers calling contacts, complaints. */
function stream(): (CallEvent | ComplaintReport)[] {
  const r = rng(7);
  const out: (CallEvent | ComplaintReport)[] = [];
  let id = 0;
  const call = (caller: string, callee: string, t: number, outcome: CallEvent['outcome'], talk = 0): void => {
    out.push({
      eventId: `s${id++}`,
      probeId: 'p1',
      caller,
      callee,
      startTime: t,
      answerTime: outcome === 'ANSWERED' ? t + 5000 : null,
      endTime: t + 5000 + talk * 1000,
      outcome,
      releaseCause: null,
      accessProvider: 'TRUNK-A',
    });
  };
  for (let i = 0; i < 200; i++) {
    const t = T0 + i * 45_000;
    call(mobile(1), stranger(i), t, r() < 0.15 ? 'ANSWERED' : 'NO_ANSWER', 8);
    call(mobile(100 + (i % 30)), mobile(200 + (i % 7)), t + 7000, 'ANSWERED', 120);
    if (i % 12 === 0) call(mobile(2), mobile(9), t + 9000, 'REJECTED');
  }
  for (let k = 0; k < 3; k++) {
    out.push({ reportId: `r${k}`, reporter: stranger(k), reported: mobile(1), reportTime: T0 + 30 * MIN + k, category: 'MARKETING', channel: '12321' });
  }
  return out.sort((a, b) => ('startTime' in a ? a.startTime : a.reportTime) - ('startTime' in b ? b.startTime : b.reportTime));
}

function feed(engine: ReturnType<typeof createEngine>, items: (CallEvent | ComplaintReport)[]): string[] {
  for (const x of items) {
    if ('eventId' in x) engine.onCall(x);
    else engine.onComplaint(x);
  }
  return engine.drainFlags().map((f) => `${f.flagId} ${f.severity} ${f.detectedAt}`);
}

describe('engine snapshot', () => {
  it('restoring mid-stream gives exactly the flags of an uninterrupted run', () => {
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 14, dedupEntries: 1 << 14 };
    const items = stream();
    const whole = feed(createEngine(config), items);
    expect(whole.length).toBeGreaterThan(1);

    const cut = Math.floor(items.length / 2);
    const first = createEngine(config);
    const before = feed(first, items.slice(0, cut));
    const snap = first.snapshot();
    const after = feed(restoreEngine(config, snap), items.slice(cut));
    expect([...before, ...after]).toEqual(whole);
  });

  it('restoring mid-stream keeps the idle sweep where it was: the same numbers evicted at the same call, the same flags', () => {
    // A number calls through one provider, goes idle for days, and comes back
    // through another to ring a stranger eight times. Whether it was evicted
    // meanwhile (by the sweep every 65,536 calls) shows in the flag's
    // accessProvider: a restore must not move the sweep.
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 14, dedupEntries: 1 << 18 };
    const back = mobile(1, '138');
    const tr = new Traffic('sweep');
    for (let i = 0; i < 20; i++) tr.answered(T0 + i * MIN, back, mobile(300 + i), 60, { provider: 'OLD' });
    const later = T0 + 4 * DAY;
    for (let i = 0; i < 66_000; i++) tr.answered(later + i * 100, mobile(1000 + (i % 20), '137'), mobile(5000 + (i % 400), '137'), 60);
    for (let i = 0; i < 8; i++) tr.noAnswer(later + 7000 * SEC + i * MIN, back, stranger(1), { provider: 'NEW' });
    const inputs = tr.inputs();
    const run = (e: ReturnType<typeof createEngine>, from: number, to: number) =>
      play(e, inputs.slice(from, to)).flags.map((f) => `${f.number} ${f.severity} ${f.accessProvider} ${f.flagId}`);
    const whole = createEngine(config);
    const uninterrupted = run(whole, 0, inputs.length);
    expect(uninterrupted.some((f) => f.startsWith(`${back} `))).toBe(true);
    const first = createEngine(config);
    const before = run(first, 0, 1000);
    const restored = restoreEngine(config, first.snapshot());
    const after = run(restored, 1000, inputs.length);
    expect([...before, ...after]).toEqual(uninterrupted);
    expect(restored.stats().evictedNumbers).toBe(whole.stats().evictedNumbers);
  });

  it('remembers eventIds across a restore (a redelivered event stays a duplicate)', () => {
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
    const items = stream().filter((x): x is CallEvent => 'eventId' in x).slice(0, 50);
    const a = createEngine(config);
    feed(a, items);
    const b = restoreEngine(config, a.snapshot());
    expect(b.onCall(items[49])).toBe('duplicate');
    expect(b.stats().calls).toBe(a.stats().calls);
  });

  it('refuses a snapshot whose pair cache is larger than the restoring engine allows', () => {
    const a = createEngine({ ...defaultConfig(), pairCacheEntries: 1 << 16, dedupEntries: 1 << 12 });
    const snap = a.snapshot();
    expect(() => restoreEngine({ ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 }, snap)).toThrow(/pair cache/);
    expect(() => restoreEngine({ ...defaultConfig(), pairCacheEntries: 1 << 17, dedupEntries: 1 << 12 }, snap)).not.toThrow();
  });

  it('noteCallBack makes the callee an acquaintance: no rejection-repeat flag', () => {
    const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
    const e = createEngine(config);
    e.noteCallBack(mobile(2), mobile(9), T0 - HOUR);
    const calls = stream().filter((x): x is CallEvent => 'eventId' in x && x.caller === mobile(2));
    expect(calls.length).toBeGreaterThan(5);
    feed(e, calls);
    expect(e.drainFlags()).toEqual([]);
    const control = createEngine(config);
    expect(feed(control, calls).length).toBeGreaterThan(0);
  });
});
