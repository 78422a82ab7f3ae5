import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import type { CallEvent, ComplaintReport } from '../contracts/records.ts';
import { numberKey } from '../numbers/key.ts';
import { CampaignGroups, InboundSwarms, SNAPSHOT_VERSION, createEngine, restoreEngine } from './index.ts';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from './snapshot.ts';
import { H1, H24, HORIZON_COUNT, METRIC_COUNT, M, STRANGER_PICKED_UP_24H } from './state/metrics.ts';
import { PAIR8, PAIR16, PAIR_ATTEMPTED, PAIR_CALLED_BACK, PairCache } from './state/pair-cache.ts';
import { FULL_SPAN, WindowedCounters } from './state/windowed-counters.ts';
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

describe('restoring one engine of several that share campaign groups and swarm loads (one per partition)', () => {
  const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
  const BLOCK_B = mobile(1, '137');
  const BLOCK_A = mobile(1, '135');
  const call = (tr: Traffic, t: number, caller: string, n: number) => tr.noAnswer(t, caller, stranger(n), { provider: 'carrier-a' });

  it('keeps the other engines going: the shared tables are merged into, not replaced', () => {
    const campaignGroups = new CampaignGroups();
    const swarms = new InboundSwarms(config.swarmEntries);
    const opts = { campaignGroups, swarms };
    const a = createEngine(config, opts);
    const b = createEngine(config, opts);
    const tr = new Traffic('shared');
    b.onCall(call(tr, T0, BLOCK_B, 1)); // B's number: the first group (block 137…)
    const snapB = b.snapshot();
    a.onCall(call(tr, T0 + MIN, BLOCK_A, 2)); // A's number: a second group, after B's snapshot
    restoreEngine(config, snapB, opts); // B's partition restored (a rebalance), A still running
    expect(campaignGroups.size).toBe(2);
    expect(() => a.onCall(call(tr, T0 + 2 * MIN, BLOCK_A, 3))).not.toThrow();
  });

  it("points the restored numbers at their own block's group in the shared table, and adds a group only the snapshot knew with its counts", () => {
    // B's snapshot comes from another process (a rebalance across instances): its group ids are not this table's.
    const elsewhere = new CampaignGroups();
    const b = createEngine(config, { campaignGroups: elsewhere, swarms: new InboundSwarms(config.swarmEntries) });
    const tr = new Traffic('merge');
    b.onCall(call(tr, T0, BLOCK_A, 1)); // group 0 there: block 135…, two members
    b.onCall(call(tr, T0 + SEC, mobile(2, '135'), 2));
    b.onCall(call(tr, T0 + 2 * SEC, BLOCK_B, 3)); // group 1 there: block 137…
    const snapB = b.snapshot();

    const here = new CampaignGroups();
    const swarms = new InboundSwarms(config.swarmEntries);
    const a = createEngine(config, { campaignGroups: here, swarms });
    a.onCall(call(tr, T0 + 3 * SEC, mobile(3, '137'), 4)); // group 0 here: block 137…, one member
    const restored = restoreEngine(config, snapB, { campaignGroups: here, swarms });
    expect(here.size).toBe(2);
    expect(here.value(0, T0 + 4 * SEC).members).toBe(1); // its own, live count
    expect(here.value(1, T0 + 4 * SEC).members).toBe(2); // block 135… added with the snapshot's counts
    // Late the next day (yesterday's members nearly aged out of the estimate), B's 137… number joins its block's
    // group here (id 0), not the group its old id names here (135…).
    const t1 = T0 + 45 * HOUR;
    const g1 = here.value(1, t1).members;
    expect(g1).toBeLessThan(0.5);
    restored.onCall(call(tr, t1, BLOCK_B, 5));
    expect(here.value(0, t1).members).toBe(1);
    expect(here.value(1, t1).members).toBe(g1);
    expect(() => a.onCall(call(tr, t1 + SEC, mobile(3, '137'), 6))).not.toThrow();
  });
});

describe('snapshots of an earlier version', () => {
  const config = { ...defaultConfig(), pairCacheEntries: 1 << 12, dedupEntries: 1 << 12 };
  const SHOP = mobile(1);
  const CUSTOMER = mobile(2);
  const NOTED = [mobile(3), mobile(4)] as const;

  /** The pair records of an engine's snapshot, read as the engine reads them. */
  function pairsOf(snap: EngineSnapshot): PairCache {
    const pairs = new PairCache(config.pairCacheEntries);
    pairs.importState((decodeSnapshot(snap) as any).pairs);
    return pairs;
  }

  /**
   * A version-1 snapshot (before 0824f45): the customer has called the shop, which version 1 kept as an attempt
   * count (3) in the pair record's u16 at 12, with no PAIR_ATTEMPTED bit; the noted pair (noteCallBack) has no
   * attempts. Built from today's snapshot with those bytes written as version 1 wrote them.
   */
  function version1(): EngineSnapshot {
    const e = createEngine(config);
    const tr = new Traffic('v1');
    tr.answered(T0, CUSTOMER, SHOP, 20);
    play(e, tr.inputs());
    e.noteCallBack(NOTED[0], NOTED[1], T0);
    const state = decodeSnapshot(e.snapshot()) as any;
    const records: Uint8Array = state.pairs.records;
    const pairs = new PairCache(config.pairCacheEntries);
    pairs.importState(state.pairs);
    const i = pairs.find(numberKey(CUSTOMER), numberKey(SHOP));
    expect(i).toBeGreaterThanOrEqual(0);
    records[i * 32 + 31] &= ~PAIR_ATTEMPTED; // flags
    new Uint16Array(records.buffer, records.byteOffset, records.length / 2)[i * 16 + 12] = 3; // attempts
    return { ...encodeSnapshot(state), version: 1 };
  }

  /** The shop calls its customer back four times; the customer rejects each. */
  function callsBack(engine: ReturnType<typeof createEngine>): string[] {
    const tr = new Traffic('back');
    for (let k = 0; k < 4; k++) tr.rejected(T0 + HOUR + k * MIN, SHOP, CUSTOMER);
    return play(engine, tr.inputs()).flags.map((f) => `${f.number} ${f.severity} ${f.reasons.map((r) => r.rule).join('+')}`);
  }

  it('restores a version-1 pair that has called as one that has called, with no bombing gap', () => {
    const pairs = pairsOf(restoreEngine(config, version1()).snapshot());
    const p = pairs.find(numberKey(CUSTOMER), numberKey(SHOP));
    expect(pairs.get8(p, PAIR8.flags) & PAIR_ATTEMPTED).toBe(PAIR_ATTEMPTED);
    expect(pairs.get16(p, PAIR16.bombGap)).toBe(0);
    expect(pairs.get8(p, PAIR8.talks)).toBe(0); // the rest of the record as it was (20 s is not a real conversation)
    const noted = pairs.find(numberKey(NOTED[0]), numberKey(NOTED[1]));
    expect(pairs.get8(noted, PAIR8.flags)).toBe(PAIR_CALLED_BACK); // noted, never attempted: still not "has called"
  });

  it('a shop calling back a customer who had called it before a version-1 snapshot is not a repeat after rejection', () => {
    const old = version1();
    expect(callsBack(restoreEngine(config, old))).toEqual([]);
    // The same bytes read as today's layout lose the customer's call: the shop is a stranger rung after rejections.
    expect(callsBack(restoreEngine(config, { ...old, version: SNAPSHOT_VERSION }))).toContain(`${SHOP} LABEL REJECTION_REPEAT`);
  });

  it('restores a version-2 snapshot with no strangers picked up: that day cell counted sequential callees then', () => {
    const e = createEngine(config);
    feed(e, stream());
    const state = decodeSnapshot(e.snapshot()) as any;
    const counts: Uint16Array = state.state.counters;
    const stride = WindowedCounters.bytesPerSlot() / 2;
    const cell = (h: number, m: number) => HORIZON_COUNT * 2 + h * METRIC_COUNT * 2 + m * 2;
    // Every record's day cell as version 2 left it (a sequential count, current and previous window), the hour's too.
    for (let r = 0; r < counts.length; r += stride) {
      counts[r + cell(H24, STRANGER_PICKED_UP_24H)] = 9;
      counts[r + cell(H24, STRANGER_PICKED_UP_24H) + 1] = 4;
      counts[r + cell(H1, M.SEQUENTIAL)] = 7;
    }
    const upgraded = decodeSnapshot({ ...encodeSnapshot(state), version: 2 }) as any;
    const after: Uint16Array = upgraded.state.counters;
    for (let r = 0; r < after.length; r += stride) {
      expect([after[r + cell(H24, STRANGER_PICKED_UP_24H)], after[r + cell(H24, STRANGER_PICKED_UP_24H) + 1]]).toEqual([0, 0]);
      expect(after[r + cell(H1, M.SEQUENTIAL)]).toBe(7);
    }
  });

  it("restores a version-3 snapshot with every day window spread over the whole day: its header held the day's index there", () => {
    const e = createEngine(config);
    feed(e, stream());
    const state = decodeSnapshot(e.snapshot()) as any;
    const counts: Uint16Array = state.state.counters;
    const stride = WindowedCounters.bytesPerSlot() / 2;
    const hours: number[] = [];
    // Version 3's header: the hour's index (words 0–1), then the day's (words 2–3, a u32: here ÷ 24 of the hour's).
    for (let r = 0; r < counts.length; r += stride) {
      const hour = counts[r] + counts[r + 1] * 0x10000;
      hours.push(hour);
      const day = Math.floor(hour / 24);
      counts[r + 2] = day & 0xffff;
      counts[r + 3] = day >>> 16;
    }
    const after: Uint16Array = (decodeSnapshot({ ...encodeSnapshot(state), version: 3 }) as any).state.counters;
    for (let r = 0, k = 0; r < after.length; r += stride, k++) {
      expect([after[r + 2], after[r + 3]]).toEqual([FULL_SPAN, FULL_SPAN]);
      expect(after[r] + after[r + 1] * 0x10000).toBe(hours[k]);
    }
    expect(hours.some((h) => h > 0)).toBe(true);
  });

  it("refuses a snapshot of a version it does not know (a later release's, or none)", () => {
    const snap = createEngine(config).snapshot();
    expect(snap.version).toBe(SNAPSHOT_VERSION);
    expect(() => restoreEngine(config, { ...snap, version: SNAPSHOT_VERSION + 1 })).toThrow(/snapshot version/);
    expect(() => restoreEngine(config, { ...snap, version: 0 })).toThrow(/snapshot version/);
  });
});
