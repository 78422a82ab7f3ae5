import { describe, expect, it } from 'vitest';
import { TwoWayMerge, type MergeItem, type Side } from './merge.ts';

const item = (offset: number, time: number | null): MergeItem => ({ offset, time });

function drained(m: TwoWayMerge<MergeItem, MergeItem>, now = 0): string[] {
  const out: string[] = [];
  m.drain(now, (side: Side, it: MergeItem) => out.push(`${side === 0 ? 'c' : 'k'}${it.offset}@${it.time}`));
  return out;
}

describe('TwoWayMerge', () => {
  it('releases the earlier head first and the call first on equal times, each side in offset order', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10), item(1, 20), item(2, 15), item(3, 30)], false);
    m.push(1, [item(0, 15), item(1, 25)], false);
    expect(drained(m)).toEqual(['c0@10', 'k0@15', 'c1@20', 'c2@15', 'k1@25', 'c3@30']);
  });

  it('releases at most `max` items a drain, in the same order as one drain of everything, positions following', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10), item(1, 20), item(2, 15), item(3, 30)], false);
    m.push(1, [item(0, 15), item(1, 25)], false);
    const out: string[] = [];
    const emit = (side: Side, it: MergeItem) => out.push(`${side === 0 ? 'c' : 'k'}${it.offset}@${it.time}`);
    expect(m.drain(0, emit, 4)).toBe(4);
    expect(out).toEqual(['c0@10', 'k0@15', 'c1@20', 'c2@15']);
    expect([m.firstOffset(0), m.firstOffset(1)]).toEqual([3, 1]);
    expect(m.drain(0, emit, 4)).toBe(2);
    expect(out).toEqual(['c0@10', 'k0@15', 'c1@20', 'c2@15', 'k1@25', 'c3@30']);
    expect(m.drain(0, emit, 4)).toBe(0);
  });

  it('waits for a side that has more input upstream, until it arrives', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10), item(1, 50)], false);
    m.push(1, [item(0, 20)], true);
    expect(drained(m)).toEqual(['c0@10', 'k0@20']);
    expect(m.firstOffset(0)).toBe(1);
    m.push(1, [item(1, 40)], false);
    expect(drained(m)).toEqual(['k1@40', 'c1@50']);
  });

  it('does not wait for a caught-up side', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10), item(1, 50)], true);
    expect(drained(m)).toEqual(['c0@10', 'c1@50']);
  });

  it('never releases by time alone while the partner has input upstream; says since when it waits', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10)], false);
    m.setPending(1, true);
    expect(drained(m, 1_000)).toEqual([]);
    expect(drained(m, 10_000_000)).toEqual([]);
    expect(m.blocked()).toEqual({ side: 1, since: 1_000 });
    m.setPending(1, false); // the broker said there is nothing more
    expect(drained(m, 10_000_001)).toEqual(['c0@10']);
    expect(m.blocked()).toBeNull();
  });

  it('lets items without a time through at once, keeping offsets in order', () => {
    const m = new TwoWayMerge();
    m.push(0, [item(0, 10), item(1, null), item(2, 30)], false);
    m.push(1, [item(0, null), item(1, 20)], false);
    expect(drained(m)).toEqual(['k0@null', 'c0@10', 'c1@null', 'k1@20', 'c2@30']);
  });

  it('reports the first held offset and forgets everything on clear', () => {
    const m = new TwoWayMerge();
    m.push(1, [item(7, 5)], false);
    m.setPending(0, true);
    expect(drained(m)).toEqual([]);
    expect(m.firstOffset(1)).toBe(7);
    expect(m.size(1)).toBe(1);
    m.clear();
    expect(m.firstOffset(1)).toBeNull();
  });

  it('compacts long queues without losing order', () => {
    const m = new TwoWayMerge();
    const n = 20_000;
    m.push(0, Array.from({ length: n }, (_, i) => item(i, i)), false);
    let seen = 0;
    let last = -1;
    m.drain(0, (_s, it) => {
      expect(it.offset).toBe(last + 1);
      last = it.offset;
      seen++;
    });
    expect(seen).toBe(n);
  });
});
