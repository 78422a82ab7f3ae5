/**
 * `onCalls` and `prefetchCalls` (loading a group of calls' state lines
 * together) change nothing but speed: the same flags, stats and state as
 * `onCall` one call at a time.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../contracts/records.ts';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import type { EngineSnapshot } from './snapshot.ts';
import { CallStream } from '../../test/bench/synthetic-calls.ts';

/** A digest per binary part (comparing the typed arrays element by element is slow). */
function digests(s: EngineSnapshot): Record<string, string> {
  return Object.fromEntries(Object.entries(s.parts).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')]));
}

/** 60,000 calls over 3,000 numbers, with every 50th redelivered and every 70th delivered 10 min late (behind the watermark). */
function traffic(): CallEvent[] {
  const calls = new CallStream({ numbers: 3000, rate: 3, seed: 7 }).chunk(60_000);
  const out: CallEvent[] = [];
  calls.forEach((c, i) => {
    out.push(c);
    if (i % 50 === 0) out.push(c);
    if (i % 70 === 0 && i > 0) out.push({ ...c, eventId: `${c.eventId}-late`, startTime: c.startTime - 600_000, endTime: c.endTime - 600_000, answerTime: c.answerTime === null ? null : c.answerTime - 600_000 });
  });
  return out;
}

describe('onCalls and prefetchCalls', () => {
  it('give the flags, stats and state of onCall one call at a time', () => {
    const calls = traffic();
    const one = createEngine(defaultConfig(), { now: () => 0 });
    const results = calls.map((c) => one.onCall(c));
    const batched = createEngine(defaultConfig(), { now: () => 0 });
    // Uneven slices, so groups straddle slice ends.
    let accepted = 0;
    for (let i = 0; i < calls.length; i += 997) accepted += batched.onCalls(calls, i, Math.min(i + 997, calls.length));

    expect(accepted).toBe(results.filter((r) => r === 'accepted').length);
    const s = batched.stats();
    expect(s).toEqual(one.stats());
    expect(s.duplicates).toBeGreaterThan(1000);
    expect(s.late).toBeGreaterThan(500);
    const flags = one.drainFlags();
    expect(flags.length).toBeGreaterThan(0);
    expect(batched.drainFlags()).toEqual(flags);
    expect(digests(batched.snapshot())).toEqual(digests(one.snapshot()));
  });

  it('give the same with a pair cache small enough to grow and evict within a group (what the prefetch loads may be moved or replaced before the call)', () => {
    const calls = traffic();
    const config = { ...defaultConfig(), pairCacheEntries: 1024 };
    const one = createEngine(config, { now: () => 0 });
    for (const c of calls) one.onCall(c);
    const batched = createEngine(config, { now: () => 0 });
    for (let i = 0; i < calls.length; i += 997) batched.onCalls(calls, i, Math.min(i + 997, calls.length));
    expect(batched.stats()).toEqual(one.stats());
    expect(batched.drainFlags()).toEqual(one.drainFlags());
    expect(digests(batched.snapshot())).toEqual(digests(one.snapshot()));
  });

  it('prefetchCalls alone leaves the state as it was', () => {
    const calls = traffic();
    const e = createEngine(defaultConfig(), { now: () => 0 });
    e.onCalls(calls, 0, 30_000);
    const before = digests(e.snapshot());
    e.prefetchCalls(calls, 0, calls.length); // seen and unseen calls alike
    expect(digests(e.snapshot())).toEqual(before);
    expect(e.stats().calls).toBe(calls.slice(0, 30_000).length - e.stats().duplicates - e.stats().late);
  });
});
