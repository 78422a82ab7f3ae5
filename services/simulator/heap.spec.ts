import { describe, expect, it } from 'vitest';
import { TimeHeap } from './heap.ts';
import { Rng } from './prng.ts';

describe('TimeHeap', () => {
  it('pops by time, and in insertion order among equal times', () => {
    const h = new TimeHeap<{ t: number; seq: number; id: number }>();
    const r = new Rng(3);
    const items = Array.from({ length: 2000 }, (_, id) => ({ t: r.int(0, 50), seq: 0, id }));
    for (const it of items) h.push(it);
    const out: { t: number; id: number }[] = [];
    while (h.size) out.push(h.pop()!);
    const expected = [...items].sort((a, b) => a.t - b.t || a.id - b.id).map((x) => x.id);
    expect(out.map((x) => x.id)).toEqual(expected);
  });
});
