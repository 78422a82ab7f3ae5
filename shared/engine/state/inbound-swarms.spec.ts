import { describe, expect, it } from 'vitest';
import { InboundSwarms, type InboundLoad } from './inbound-swarms.ts';

const W = 3600;
const T = 1_740_960_000; // a window boundary (multiple of 3600)
const load = (s: InboundSwarms, i: number, sec: number): InboundLoad => s.load(i, sec, W, { attempts: 0, engaged: 0, repeaters: 0 });

describe('InboundSwarms', () => {
  it('counts attempts, engagement and repeaters per callee', () => {
    const s = new InboundSwarms(1024);
    s.note(8613900000001, T + 10, W, 2, 0, 1);
    s.note(8613900000001, T + 20, W, 1, 1, 0);
    const i = s.note(8613900000002, T + 30, W, 2, 0, 1);
    expect(load(s, i, T + 30)).toEqual({ attempts: 2, engaged: 0, repeaters: 1 });
    const j = s.note(8613900000001, T + 40, W, 2, 0, 1);
    expect(load(s, j, T + 40)).toEqual({ attempts: 5, engaged: 1, repeaters: 2 });
  });

  it('slides: the previous window counts by the share of it still within the last hour, older ones not at all', () => {
    const s = new InboundSwarms(1024);
    s.note(8613900000001, T + 100, W, 10, 2, 4);
    const i = s.note(8613900000001, T + W + 900, W, 2, 0, 1); // a quarter into the next window
    const l = load(s, i, T + W + 900);
    expect(l.attempts).toBeCloseTo(2 + 0.75 * 10, 9);
    expect(l.engaged).toBeCloseTo(0.75 * 2, 9);
    expect(l.repeaters).toBeCloseTo(1 + 0.75 * 4, 9);
    expect(load(s, i, T + 2 * W + 1800)).toEqual({ attempts: 1, engaged: 0, repeaters: 0.5 });
    expect(load(s, i, T + 3 * W)).toEqual({ attempts: 0, engaged: 0, repeaters: 0 });
    const k = s.note(8613900000001, T + 5 * W, W, 2, 0, 1); // long gap: both windows start afresh
    expect(load(s, k, T + 5 * W)).toEqual({ attempts: 2, engaged: 0, repeaters: 1 });
  });

  it('reads a time one window behind the entry\'s from the previous window (an attempt delivered late across an edge)', () => {
    const s = new InboundSwarms(1024);
    s.note(8613900000001, T + W - 600, W, 10, 2, 4);
    const i = s.note(8613900000001, T + W + 10, W, 2, 0, 1); // the next window starts: those are now the previous window
    // At T + W − 5 the last hour holds the previous window's counts (the one before it is gone).
    expect(load(s, i, T + W - 5)).toEqual({ attempts: 10, engaged: 2, repeaters: 4 });
    expect(load(s, i, T - 5)).toEqual({ attempts: 0, engaged: 0, repeaters: 0 }); // two windows behind: gone
  });

  it('counts an attempt delivered late into the window it belongs to, while that window is kept', () => {
    const s = new InboundSwarms(1024);
    s.note(8613900000001, T + W - 600, W, 10, 2, 4);
    s.note(8613900000001, T + W + 10, W, 2, 0, 1);
    const i = s.note(8613900000001, T + W - 5, W, 2, 1, 1); // delivered late, one window behind
    expect(load(s, i, T + W - 5)).toEqual({ attempts: 12, engaged: 3, repeaters: 5 });
    // The current window holds only its own attempt; the late one counts, faded, as the previous window's.
    const l = load(s, i, T + W + 900);
    expect(l.attempts).toBeCloseTo(2 + 0.75 * 12, 9);
    expect(l.engaged).toBeCloseTo(0.75 * 3, 9);
    expect(l.repeaters).toBeCloseTo(1 + 0.75 * 5, 9);
    // Two windows behind: that window is gone, the attempt counts nowhere.
    s.note(8613900000001, T - 5, W, 7, 7, 7);
    expect(load(s, i, T + W + 900)).toEqual(l);
  });

  it('is bounded: a full set gives up its least recently touched callee, the hot one stays', () => {
    const s = new InboundSwarms(1024);
    const hot = 8613900000001;
    s.note(hot, T, W, 2, 0, 1);
    for (let n = 0; n < 20_000; n++) {
      const sec = T + 1 + Math.floor(n / 10); // all within the window
      s.note(8615000000000 + n * 7919, sec, W, 2, 0, 1);
      if (n % 100 === 0) s.note(hot, sec, W, 1, 0, 0);
    }
    expect(s.evictions).toBeGreaterThan(18_000);
    expect(s.bytes).toBe(1024 * 32);
    const i = s.note(hot, T + 2_001, W, 0, 0, 0);
    expect(load(s, i, T + 2_001)).toEqual({ attempts: 2 + 200, engaged: 0, repeaters: 1 });
  });

  it('remembers who joined a callee\'s swarm in the window, and hands them out once when it is recognised', () => {
    const s = new InboundSwarms(1024);
    const victim = 8613900000001;
    s.join(victim, 8617000000001, T + 10, W);
    s.join(victim, 8617000000002, T + 20, W);
    s.join(victim, 8617000000001, T + 30, W); // already in
    expect(s.recognise(victim, T + 40, W)).toEqual([8617000000001, 8617000000002]);
    expect(s.recognise(victim, T + 50, W)).toEqual([]);
    expect(s.recognise(8613900000002, T + 50, W)).toEqual([]);
    // The next window starts a new list.
    s.join(victim, 8617000000003, T + W + 5, W);
    expect(s.recognise(victim, T + W + 6, W)).toEqual([8617000000003]);
  });

  it('hands out those who joined within the last window, across the epoch edge, each once', () => {
    const s = new InboundSwarms(1024);
    const victim = 8613900000001;
    s.join(victim, 8617000000001, T + 10, W); // more than a window before the recognition below
    s.join(victim, 8617000000002, T + W - 100, W);
    s.join(victim, 8617000000003, T + W + 5, W);
    expect(s.recognise(victim, T + W + 20, W)).toEqual([8617000000002, 8617000000003]);
    expect(s.recognise(victim, T + W + 30, W)).toEqual([]);
    // A member who joins later is handed out at the next recognition.
    s.join(victim, 8617000000004, T + W + 40, W);
    expect(s.recognise(victim, T + W + 50, W)).toEqual([8617000000004]);
  });

  it('keeps at most 64 numbers of one swarm, and no more lists than the table has entries', () => {
    const s = new InboundSwarms(1024);
    for (let n = 0; n < 100; n++) s.join(8613900000001, 8617000000000 + n, T, W);
    expect(s.recognise(8613900000001, T, W)).toHaveLength(64);
    for (let v = 0; v < 2000; v++) s.join(8615000000000 + v, 8617000000001, T, W);
    expect(s.recognise(8615000000000 + 1000, T, W)).toEqual([8617000000001]);
    expect(s.recognise(8615000000000 + 1500, T, W)).toEqual([]);
  });

  it('round-trips through its snapshot, and refuses one of another size', () => {
    const a = new InboundSwarms(1024);
    a.note(8613900000001, T, W, 7, 1, 3);
    a.join(8613900000001, 8617000000009, T, W);
    const b = new InboundSwarms(1024);
    b.importState(a.exportState());
    expect(b.recognise(8613900000001, T, W)).toEqual([8617000000009]);
    expect(load(b, b.note(8613900000001, T, W, 0, 0, 0), T)).toEqual({ attempts: 7, engaged: 1, repeaters: 3 });
    expect(() => new InboundSwarms(4096).importState(a.exportState())).toThrow(/swarm table snapshot holds 1024 entries/);
  });

  it('keeps a list restored from a snapshot without join times (4-element members) until its window ends, as the code that wrote it did; pruning then drops it', () => {
    const E = T / W;
    const legacy = (s: InboundSwarms, members: [number, number, boolean, number[]][]) => s.importState({ records: s.exportState().records, evictions: 0, members, joins: 0 });
    const s = new InboundSwarms(1024);
    legacy(s, [[8613900000001, E, false, [8617000000001, 8617000000002]], [8613900000002, E, true, [8617000000003]]]);
    // Within its window: handed out (a recognised list had been handed out already).
    expect(s.recognise(8613900000002, T + 100, W)).toEqual([]);
    const again = new InboundSwarms(1024);
    again.importState(s.exportState());
    expect(again.recognise(8613900000001, T + W - 1, W)).toEqual([8617000000001, 8617000000002]);
    // Hours later: gone.
    expect(s.recognise(8613900000001, T + 5 * W, W)).toEqual([]);
    // Old lists of callees never swarmed again do not hold their slots: a table of 4 lists, full of them, takes a new one after a prune.
    const small = new InboundSwarms(4);
    legacy(small, [1, 2, 3, 4].map((k): [number, number, boolean, number[]] => [8613900000000 + k, E, false, [8617000000000 + k]]));
    for (let n = 0; n < 4096; n++) small.join(8613900000099, 8617100000000 + (n % 50), T + 24 * W + n, W);
    expect(small.exportState().members.map((m) => m[0])).toEqual([8613900000099]);
    expect(small.recognise(8613900000099, T + 24 * W + 4100, W).length).toBeGreaterThan(0);
  });

  it('lets a member the callee talked to leave its list', () => {
    const s = new InboundSwarms(1024);
    for (const m of [8617000000001, 8617000000002, 8617000000003]) s.join(8613900000001, m, T, W);
    s.leave(8613900000001, 8617000000002);
    s.leave(8613900000009, 8617000000001); // no list: nothing
    expect(s.recognise(8613900000001, T + 10, W)).toEqual([8617000000001, 8617000000003]);
  });

  it('prunes at the same join after a restore as without one (the join count is part of the state)', () => {
    const run = (restoreAt: number | null) => {
      let s = new InboundSwarms(1024);
      for (let n = 0; n < 4096; n++) {
        if (n === restoreAt) {
          const r = new InboundSwarms(1024);
          r.importState(s.exportState());
          s = r;
        }
        // 100 callees' lists in the first window, then one callee in the next: join 4096 drops the 100 stale lists.
        if (n < 100) s.join(8613900000000 + n, 8617000000000 + n, T, W);
        else s.join(8613900009999, 8617000000000 + n, T + W, W);
      }
      return s.exportState().members.length;
    };
    expect(run(null)).toBe(1);
    expect(run(2000)).toBe(1);
  });

  it('hands recognised members over to the engine that tracks them, once, and drops hand-overs the window has passed', () => {
    const s = new InboundSwarms(1024);
    const v0 = s.handedVersion;
    s.handOver(8617000000001, 9, T, W);
    s.handOver(8617000000002, 9, T + 10, W);
    expect(s.handedVersion).toBe(v0 + 2);
    const taken: [number, number, number][] = [];
    // This engine tracks only ...002 (slot 5).
    s.takeHanded((k) => (k === 8617000000002 ? 5 : -1), (slot, size, sec) => taken.push([slot, size, sec]));
    expect(taken).toEqual([[5, 9, T + 10]]);
    s.takeHanded((k) => (k === 8617000000002 ? 5 : -1), (slot, size, sec) => taken.push([slot, size, sec]));
    expect(taken).toHaveLength(1);
    // ...001 is nobody's here; a hand-over a window later drops it.
    s.handOver(8617000000003, 7, T + W + 1, W);
    const left: number[] = [];
    s.takeHanded(() => 0, (_slot, size) => left.push(size));
    expect(left).toEqual([7]);
  });
});
