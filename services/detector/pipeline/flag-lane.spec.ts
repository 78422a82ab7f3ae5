import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { FlagLane, type LaneDedup } from './flag-lane.ts';
import { OutputHealth } from './output-health.ts';
import { parsePending, pendingMark, type Dismissal } from '../state/stores.ts';

function flag(id: string, number: string, windowStart: number): FlagEvent {
  return {
    flagId: id,
    number,
    severity: 'LABEL',
    score: 60,
    reasons: [{ rule: 'LOW_ANSWER_FANOUT', window: '1h', value: 0.1, threshold: 0.55 }],
    windowStart,
    windowEnd: windowStart + 3_600_000,
    detectedAt: windowStart + 3_600_000,
    emittedAt: 0,
    numberClass: 'MOBILE',
    accessProvider: null,
    evidence: {},
  };
}

/**
 * An in-memory stand-in for the Redis marks and the owner fence, with the
 * semantics of the Lua scripts (the real store is covered by the detector's
 * integration tests).
 */
function memoryDedup(dismissed: Record<string, Dismissal> = {}): LaneDedup & { marks: Map<string, string>; owner: Map<number, number> } {
  const marks = new Map<string, string>();
  const owner = new Map<number, number>();
  const fenced = (p: number, gen: number | undefined) => gen !== undefined && owner.get(p) !== gen;
  return {
    marks,
    owner,
    async peek(ids) {
      return new Map(ids.map((id) => [id, marks.get(id) ?? null]));
    },
    async claim(p, gen, ids, value) {
      if (fenced(p, gen)) return 'fenced';
      const claimed: string[] = [];
      const found = new Map<string, string>();
      for (const id of ids) {
        const v = marks.get(id);
        if (v === undefined) {
          marks.set(id, value);
          claimed.push(id);
        } else found.set(id, v);
      }
      return { claimed, found };
    },
    async takeOver(p, gen, expected, value) {
      if (fenced(p, gen)) return 'fenced';
      const claimed: string[] = [];
      const found = new Map<string, string>();
      for (const [id, old] of expected) {
        const v = marks.get(id) ?? '-';
        if (v === old) {
          marks.set(id, value);
          claimed.push(id);
        } else found.set(id, v);
      }
      return { claimed, found };
    },
    async refresh(p, gen, ids, from, to) {
      if (fenced(p, gen)) return 'fenced';
      let n = 0;
      for (const id of ids) {
        if (marks.get(id) === from) {
          marks.set(id, to);
          n++;
        }
      }
      return n;
    },
    async mark(ids) {
      for (const id of ids) marks.set(id, 'e');
      return true;
    },
    async dismiss(p, gen, ids) {
      if (fenced(p, gen)) return 'fenced';
      let n = 0;
      for (const id of ids) {
        if (marks.get(id) !== 'e') {
          marks.set(id, 'd');
          n++;
        }
      }
      return n;
    },
    async dismissedUntil(numbers) {
      return new Map(numbers.filter((n) => n in dismissed).map((n) => [n, dismissed[n]]));
    },
  };
}

interface LaneOptions {
  /** Owner generation per partition as the lane sees it (default: 1 for every partition). */
  generation?: (p: number) => number | undefined | null;
  /** What the flags topic holds. */
  onTopic?: Set<string>;
  graceMs?: number;
  /** Replaces the sink's send. */
  send?: (ids: string[]) => Promise<void>;
  /** The lane's clock (default: Date.now). */
  now?: () => number;
  /** Where the produce's failures are recorded (default: a tracker nobody reads). */
  outputs?: OutputHealth;
}

function lane(dedup: LaneDedup, opts: LaneOptions = {}) {
  const sent: string[] = [];
  const counts = { dismissed: 0, fenced: 0, waited: 0, scans: 0, since: [] as number[], decided: [] as { p: number; kept: string[]; dismissed: string[] }[] };
  const l = new FlagLane({
    sink: {
      send: async (ms: { value: Buffer }[]) => {
        const ids = ms.map((m) => m.value.toString());
        if (opts.send) await opts.send(ids);
        sent.push(...ids);
        for (const id of ids) opts.onTopic?.add(id);
      },
    } as never,
    topic: 'flags',
    encodeFlag: (f) => Buffer.from(f.flagId),
    dedup,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    onSinkError: () => {},
    outputs: opts.outputs ?? new OutputHealth(10_000),
    onEmitted: () => {},
    onDeduplicated: () => {},
    onDismissed: (n) => (counts.dismissed += n),
    onFenced: (_p, n) => (counts.fenced += n),
    onWaited: (n) => (counts.waited += n),
    onDecided: (p, kept, dismissed) => void counts.decided.push({ p, kept, dismissed }),
    generation: async (p) => (opts.generation ? opts.generation(p) : 1),
    findOnTopic: async (ids, since) => {
      counts.scans++;
      counts.since.push(since);
      return new Set([...ids].filter((id) => opts.onTopic?.has(id)));
    },
    graceMs: opts.graceMs ?? 60_000,
    pollMs: 10,
    now: opts.now,
  });
  return { l, sent, counts, dismissed: () => counts.dismissed };
}

describe('FlagLane', () => {
  it('produces new flags once, and a redelivered flag id not again', async () => {
    const d = memoryDedup();
    d.owner.set(0, 1);
    const { l, sent } = lane(d);
    l.push([flag('a', '+8613900000001', 1000)], 0);
    expect((await l.drain()).map((f) => f.flagId)).toEqual(['a']);
    l.push([flag('a', '+8613900000001', 1000)], 0);
    await l.drain();
    expect(sent).toEqual(['a']);
  });

  it("flags pushed while the lane is busy join their partition's step of the round that has not started (one produce for them, in order, duplicates once); rounds take turns", async () => {
    const d = memoryDedup();
    d.owner.set(0, 1);
    d.owner.set(1, 1);
    const sends: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { l } = lane(d, {
      send: async (ids) => {
        sends.push(ids);
        if (sends.length === 1) await gate; // the first produce is slow
      },
    });
    l.push([flag('a', '+8613900000001', 1000)], 0);
    await new Promise((r) => setTimeout(r, 20)); // the first step is producing
    l.push([flag('b', '+8613900000002', 1000)], 0);
    l.push([flag('x', '+8613900000009', 1000)], 1);
    l.push([flag('c', '+8613900000003', 1000), flag('b', '+8613900000002', 1000)], 0);
    l.push([flag('d', '+8613900000004', 1000)], 0);
    l.push([flag('y', '+8613900000010', 1000)], 1);
    expect(l.pending).toBe(7);
    await new Promise((r) => setTimeout(r, 20));
    expect(sends).toEqual([['a']]); // serial: the next round does not start while one is producing
    release();
    const out = await l.drain();
    expect(sends).toHaveLength(3);
    expect(sends.slice(1)).toEqual(expect.arrayContaining([['b', 'c', 'd'], ['x', 'y']]));
    expect(out.map((f) => f.flagId).filter((id) => 'abcd'.includes(id))).toEqual(['a', 'b', 'c', 'd']);
    expect(out.map((f) => f.flagId).filter((id) => 'xy'.includes(id))).toEqual(['x', 'y']);
    expect(l.pending).toBe(0);
  });

  it("within a round a partition's step does not wait for another's: their Redis round trips overlap", async () => {
    const base = memoryDedup();
    base.owner.set(0, 1);
    base.owner.set(1, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const claims: number[] = [];
    const d: LaneDedup = {
      ...base,
      async claim(p, gen, ids, value) {
        claims.push(p);
        if (p === 0) await gate; // partition 0's claim is slow (a busy Redis, a long reply)
        return base.claim(p, gen, ids, value);
      },
    };
    const { l, sent } = lane(d);
    l.push([flag('a', '+8613900000001', 1000)], 0);
    l.push([flag('x', '+8613900000009', 1000)], 1);
    await new Promise((r) => setTimeout(r, 30));
    // Partition 1's step went through while partition 0's claim was still out.
    expect(claims.sort()).toEqual([0, 1]);
    expect(sent).toEqual(['x']);
    release();
    const out = await l.drain();
    expect(sent).toEqual(['x', 'a']);
    expect(out.map((f) => f.flagId).sort()).toEqual(['a', 'x']);
  });

  it("a partition's steps still run one at a time, in order, however the rounds fall", async () => {
    const d = memoryDedup();
    d.owner.set(0, 1);
    d.owner.set(1, 1);
    const order: string[] = [];
    const { l } = lane(d, {
      send: async (ids) => {
        order.push(...ids);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    for (let i = 0; i < 30; i++) {
      l.push([flag(`p0-${i}`, '+8613900000001', 1000 + i)], 0);
      l.push([flag(`p1-${i}`, '+8613900000002', 1000 + i)], 1);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    await l.drain();
    const expected = (p: string) => Array.from({ length: 30 }, (_, i) => `${p}-${i}`);
    expect(order.filter((id) => id.startsWith('p0-'))).toEqual(expected('p0'));
    expect(order.filter((id) => id.startsWith('p1-'))).toEqual(expected('p1'));
  });

  it('does not emit a flag on evidence an investigator dismissed, but does on later evidence', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    d.owner.set(0, 1);
    const { l, sent, dismissed } = lane(d);
    l.push([flag('same-evidence', '+8613900000002', 40_000), flag('other-number', '+8613900000003', 40_000)], 0);
    const out = await l.drain();
    expect(out.map((f) => f.flagId)).toEqual(['other-number']);
    l.push([flag('new-evidence', '+8613900000002', 3_660_000)], 0);
    await l.drain();
    expect(sent).toEqual(['other-number', 'new-evidence']);
    expect(dismissed()).toBe(1);
  });

  it('emits a stronger flag overlapping dismissed evidence, and not a weaker or equal one (the enforcer rule)', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    d.owner.set(0, 1);
    const { l, sent, dismissed } = lane(d);
    l.push([
      { ...flag('watch-overlap', '+8613900000002', 1_000_000), severity: 'WATCH' },
      { ...flag('label-overlap', '+8613900000002', 1_000_000), severity: 'LABEL' },
      { ...flag('block-overlap', '+8613900000002', 1_000_000), severity: 'BLOCK_RECOMMENDED' },
      // Evidence ending within the dismissed window: covered whatever the severity.
      { ...flag('block-inside', '+8613900000002', 0), severity: 'BLOCK_RECOMMENDED', windowEnd: 3_600_000 },
    ], 0);
    await l.drain();
    expect(sent).toEqual(['block-overlap']);
    expect(dismissed()).toBe(3);
  });

  it("tells each flag's partition what became of it: kept (going out, or on the topic already) or dismissed (dropped as dismissed evidence)", async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    d.owner.set(0, 1);
    d.marks.set('out-before', 'e'); // emitted before the investigator dismissed that evidence
    const { l, sent, counts } = lane(d);
    l.push([flag('same-evidence', '+8613900000002', 40_000), flag('out-before', '+8613900000002', 30_000), flag('other-number', '+8613900000003', 40_000)], 0);
    const out = await l.drain();
    expect(sent).toEqual(['other-number']);
    expect(out.map((f) => f.flagId).sort()).toEqual(['other-number', 'out-before']); // both in the `flags` table
    expect(counts.decided).toEqual([{ p: 0, kept: ['out-before', 'other-number'], dismissed: ['same-evidence'] }]);
  });

  it('records a flag it drops as dismissed evidence with a `d` mark (the decision itself), never over an `e` one', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    d.owner.set(0, 1);
    d.marks.set('out-before', 'e');
    const { l, sent } = lane(d);
    l.push([flag('same-evidence', '+8613900000002', 40_000), flag('out-before', '+8613900000002', 30_000), flag('other-number', '+8613900000003', 40_000)], 0);
    await l.drain();
    expect(sent).toEqual(['other-number']);
    expect(Object.fromEntries(d.marks)).toEqual({ 'same-evidence': 'd', 'out-before': 'e', 'other-number': 'e' });
  });

  it('looks up flags it is not to emit (recomputed below the committed offset, or undecided in a snapshot): nothing claimed or produced; dismissed only when marked `d`, whatever the dismissal record says now', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    d.owner.set(0, 1);
    d.marks.set('dropped', 'd'); // dropped as dismissed evidence when it was raised
    d.marks.set('out-before', 'e');
    d.marks.set('elsewhere', 'e');
    d.marks.set('dropped-since-expired', 'd'); // its number's dismissal record has expired since
    const { l, sent, counts } = lane(d);
    l.push([], 3, [
      flag('dropped', '+8613900000002', 40_000),
      flag('out-before', '+8613900000002', 30_000),
      // Covered by the dismissal but without a mark: it went out while Redis was away (no `e` then), and the
      // investigator dismissed it afterwards. It is on the topic and in `flags`: kept.
      flag('out-unmarked', '+8613900000002', 35_000),
      flag('elsewhere', '+8613900000003', 40_000),
      flag('unmarked', '+8613900000004', 40_000),
      flag('dropped-since-expired', '+8613900000005', 40_000),
    ]);
    expect(l.pending).toBe(6);
    expect(await l.drain()).toEqual([]);
    expect(sent).toEqual([]);
    expect(Object.fromEntries(d.marks)).toEqual({ dropped: 'd', 'out-before': 'e', elsewhere: 'e', 'dropped-since-expired': 'd' }); // nothing written
    expect(counts.decided).toEqual([{ p: 3, kept: ['out-before', 'out-unmarked', 'elsewhere', 'unmarked'], dismissed: ['dropped', 'dropped-since-expired'] }]);
    expect(counts.dismissed).toBe(0); // not counted again as dropped: they were counted when they were
    expect(l.pending).toBe(0);

    // Without Redis nothing is dismissed.
    const away: LaneDedup = { ...d, peek: async () => undefined };
    const degraded = lane(away);
    degraded.l.push([], 3, [flag('dropped', '+8613900000002', 40_000)]);
    await degraded.l.drain();
    expect(degraded.counts.decided).toEqual([{ p: 3, kept: ['dropped'], dismissed: [] }]);
  });

  it('drops again a flag marked `d` when it is raised again above the committed offset, though the dismissal no longer covers it: decided as it was', async () => {
    const d = memoryDedup(); // the dismissal record has expired
    d.owner.set(0, 1);
    d.marks.set('dropped', 'd');
    const { l, sent, counts } = lane(d);
    l.push([flag('dropped', '+8613900000002', 40_000), flag('new', '+8613900000003', 40_000)], 0);
    expect((await l.drain()).map((f) => f.flagId)).toEqual(['new']);
    expect(sent).toEqual(['new']);
    expect(counts.scans).toBe(0); // a `d` mark is not a pending attempt: no search of the topic
    expect(counts.decided).toEqual([{ p: 0, kept: ['new'], dismissed: ['dropped'] }]);
    expect(d.marks.get('dropped')).toBe('d');
  });

  it('tells the flags of a partition not owned here any more as kept, so that nothing of its task waits for them (the new owner recomputes and decides them)', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    const { l, counts, sent } = lane(d, { generation: () => null });
    l.push([flag('a', '+8613900000001', 1000), flag('covered', '+8613900000002', 40_000)], 0);
    await l.drain();
    expect(sent).toEqual([]);
    expect(counts.fenced).toBe(2);
    expect(counts.decided).toEqual([{ p: 0, kept: ['a', 'covered'], dismissed: [] }]);
    expect(d.marks.size).toBe(0); // no `d` mark either: not this instance's decision

    // Fenced at the claim (the owner generation moved on): kept too.
    const f = memoryDedup();
    f.owner.set(0, 2);
    const stale = lane(f, { generation: () => 1 });
    stale.l.push([flag('b', '+8613900000001', 1000)], 0);
    await stale.l.drain();
    expect(stale.counts.decided).toEqual([{ p: 0, kept: ['b'], dismissed: [] }]);
  });

  it('drops the flags of a partition another instance took (fenced), and stops retrying a produce once fenced', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2); // a new owner took partition 0 (generation 2); this lane still holds generation 1
    d.owner.set(1, 1);
    const { l, sent, counts } = lane(d);
    l.push([flag('p0-a', '+8613900000001', 1000), flag('p0-b', '+8613900000004', 1000)], 0);
    l.push([flag('p1-a', '+8613900000005', 1000)], 1);
    expect((await l.drain()).map((f) => f.flagId)).toEqual(['p1-a']);
    expect(sent).toEqual(['p1-a']);
    expect(counts.fenced).toBe(2);
    expect(d.marks.has('p0-a')).toBe(false); // nothing claimed for the new owner to wait for

    // A produce that fails, and the partition taken meanwhile: the retry checks the fence and gives up.
    let attempts = 0;
    const failing = lane(d, {
      send: async () => {
        attempts++;
        d.owner.set(1, 3);
        throw new Error('broker away');
      },
    });
    failing.l.push([flag('p1-b', '+8613900000005', 2000)], 1);
    expect(await failing.l.drain()).toEqual([]);
    expect(attempts).toBe(1);
    expect(failing.counts.fenced).toBe(1);
    expect(d.marks.get('p1-b')).toMatch(/^p:\d+:1$/); // left pending: the new owner settles it
  });

  it('a flag not owned here any more (partition revoked) is dropped without touching Redis', async () => {
    const d = memoryDedup();
    const { l, sent, counts } = lane(d, { generation: () => null });
    l.push([flag('a', '+8613900000001', 1000)], 0);
    await l.drain();
    expect(sent).toEqual([]);
    expect(counts.fenced).toBe(1);
    expect(d.marks.size).toBe(0);
  });

  it('waits for a young pending mark of another attempt and then sees it emitted (no second produce)', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2);
    d.marks.set('a', `p:${Date.now()}:1`); // the old owner (generation 1) is producing it right now
    const onTopic = new Set<string>();
    const { l, sent, counts } = lane(d, { generation: () => 2, onTopic, graceMs: 5_000 });
    setTimeout(() => {
      onTopic.add('a'); // its produce lands ...
      d.marks.set('a', 'e'); // ... and it marks it emitted
    }, 150);
    const t0 = Date.now();
    l.push([flag('a', '+8613900000001', 1000), flag('b', '+8613900000001', 2000)], 0);
    const out = await l.drain();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(Date.now() - t0).toBeLessThan(5_000); // not the whole grace
    expect(sent).toEqual(['b']);
    expect(out.map((f) => f.flagId).sort()).toEqual(['a', 'b']); // both become rows
    expect(counts.waited).toBe(1);
    expect(counts.scans).toBe(0);
  });

  it('a young pending mark that never turns emitted is settled by the topic once the grace has passed', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2);
    d.marks.set('landed', `p:${Date.now()}:1`); // produced, but its owner died before marking it
    d.marks.set('lost', `p:${Date.now()}:1`); // never reached the topic
    const onTopic = new Set(['landed']);
    const { l, sent, counts } = lane(d, { generation: () => 2, onTopic, graceMs: 300 });
    const t0 = Date.now();
    l.push([flag('landed', '+8613900000001', 1000), flag('lost', '+8613900000001', 2000)], 0);
    await l.drain();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(sent).toEqual(['lost']);
    expect(counts.scans).toBe(1);
    expect(d.marks.get('landed')).toBe('e');
    expect(d.marks.get('lost')).toBe('e');
  });

  it('an old pending mark is settled by reading the topic at once: produced only if not there', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2);
    const old = Date.now() - 120_000;
    d.marks.set('there', `p:${old}:1`);
    d.marks.set('missing', `p:${old}`); // a mark written before the fence existed
    const onTopic = new Set(['there']);
    const { l, sent, counts } = lane(d, { generation: () => 2, onTopic, graceMs: 60_000 });
    const t0 = Date.now();
    l.push([flag('there', '+8613900000001', 1000), flag('missing', '+8613900000001', 2000)], 0);
    await l.drain();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(sent).toEqual(['missing']);
    expect(counts.waited).toBe(0);
    expect(counts.scans).toBe(1);
  });

  it('does not wait for its own generation\'s pending marks (nothing of its own is in flight: a partition\'s steps are serial)', async () => {
    const d = memoryDedup();
    d.owner.set(0, 4);
    d.marks.set('mine', `p:${Date.now()}:4`);
    const { l, sent, counts } = lane(d, { generation: () => 4, onTopic: new Set(), graceMs: 60_000 });
    l.push([flag('mine', '+8613900000001', 1000)], 0);
    await l.drain();
    expect(sent).toEqual(['mine']);
    expect(counts.waited).toBe(0);
  });

  it('two owners racing for one pending flag: only the one holding the current generation produces it', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2);
    const old = `p:${Date.now() - 120_000}:1`;
    d.marks.set('x', old);
    const onTopic = new Set<string>();
    const stale = lane(d, { generation: () => 1, onTopic, graceMs: 60_000 });
    const current = lane(d, { generation: () => 2, onTopic, graceMs: 60_000 });
    stale.l.push([flag('x', '+8613900000001', 1000)], 0);
    current.l.push([flag('x', '+8613900000001', 1000)], 0);
    await Promise.all([stale.l.drain(), current.l.drain()]);
    expect([...stale.sent, ...current.sent]).toEqual(['x']);
    expect(current.sent).toEqual(['x']);
  });

  it('a pending mark written as "p:<ms>:<gen>", and after a retry with the first attempt\'s time kept', () => {
    expect(pendingMark(5000, 3)).toBe('p:5000:3');
    expect(parsePending('p:5000:3')).toEqual({ at: 5000, gen: 3, first: 5000 });
    expect(parsePending(pendingMark(9000, 3, 5000))).toEqual({ at: 9000, gen: 3, first: 5000 });
    expect(parsePending(pendingMark(9000, undefined, 5000))).toEqual({ at: 9000, gen: undefined, first: 5000 });
    expect(parsePending('p:5000')).toEqual({ at: 5000, gen: undefined, first: 5000 });
  });

  it('a produce retry moves the pending mark to its own time but keeps the first attempt\'s, which a new owner searches the topic from', async () => {
    const d = memoryDedup();
    d.owner.set(0, 1);
    const seen: string[] = [];
    const { l, sent } = lane(d, {
      send: async (ids) => {
        seen.push(d.marks.get(ids[0])!);
        if (seen.length === 1) throw new Error('request timed out (but it may have landed)');
      },
    });
    l.push([flag('a', '+8613900000001', 1000)], 0);
    await l.drain();
    expect(sent).toEqual(['a']);
    const [first, second] = seen.map(parsePending);
    expect(second.at).toBeGreaterThan(first.at);
    expect(second.first).toBe(first.at);

    // A new owner finding such a mark, old, searches the topic from the first attempt.
    const d2 = memoryDedup();
    d2.owner.set(0, 2);
    const now = Date.now();
    d2.marks.set('b', pendingMark(now - 100_000, 1, now - 130_000));
    const next = lane(d2, { generation: () => 2, onTopic: new Set(['b']), graceMs: 60_000 });
    next.l.push([flag('b', '+8613900000001', 1000)], 0);
    await next.l.drain();
    expect(next.sent).toEqual([]);
    expect(next.counts.since).toEqual([now - 130_000]);
  });

  it('flags claimed with one mark and flags taken over with another are sent under one mark, so a retry moves them all', async () => {
    const d = memoryDedup();
    d.owner.set(0, 2);
    d.marks.set('old', `p:${Date.now() - 120_000}:1`); // left by a dead owner, not on the topic
    const marksAtRetry: (string | undefined)[] = [];
    let attempts = 0;
    let clock = Date.now();
    const { l, sent } = lane(d, {
      now: () => (clock += 1000), // every reading a second later: the take-over's mark differs from the claim's
      generation: () => 2,
      onTopic: new Set(),
      send: async () => {
        if (attempts++ === 0) throw new Error('broker away');
        marksAtRetry.push(d.marks.get('new'), d.marks.get('old'));
      },
    });
    l.push([flag('new', '+8613900000001', 1000), flag('old', '+8613900000001', 2000)], 0);
    await l.drain();
    expect(sent.sort()).toEqual(['new', 'old']);
    expect(marksAtRetry[0]).toBe(marksAtRetry[1]);
    expect(parsePending(marksAtRetry[0]!).gen).toBe(2);
  });

  it('records a produce that keeps failing as a failing Kafka write until it goes through, or until the fence gives it up', async () => {
    const d = memoryDedup();
    d.owner.set(0, 1);
    let clock = 1_000_000;
    const outputs = new OutputHealth(500, undefined, () => clock);
    let failures = 0;
    let during: ReturnType<OutputHealth['overdue']> = null;
    const { l, sent } = lane(d, {
      outputs,
      send: async () => {
        if (failures < 3) {
          failures++;
          clock += 400;
          if (failures === 3) during = outputs.overdue('kafka');
          throw new Error('Broker: not enough replicas');
        }
      },
    });
    l.push([flag('a', '+8613900000001', 1000)], 0);
    await l.drain();
    expect(sent).toEqual(['a']);
    expect(during).toMatchObject({ output: 'kafka', what: 'produce flags', error: 'Broker: not enough replicas' });
    expect(outputs.overdue('kafka')).toBeNull(); // went through

    // Failing, then fenced off the partition before the next attempt: given up, no longer a failing write.
    const fenced = lane(d, {
      outputs,
      send: async () => {
        clock += 1_000;
        d.owner.set(0, 2);
        throw new Error('broker away');
      },
    });
    fenced.l.push([flag('b', '+8613900000001', 2000)], 0);
    await fenced.l.drain();
    expect(fenced.counts.fenced).toBe(1);
    expect(outputs.overdue('kafka')).toBeNull();
  });
});
