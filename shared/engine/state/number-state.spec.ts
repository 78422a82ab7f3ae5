import { describe, expect, it } from 'vitest';
import { NumberState } from './number-state.ts';

describe('NumberState', () => {
  it('restores a free list of 200,000 slots (idle numbers evicted) and reuses those slots first', () => {
    const st = new NumberState(1 << 10);
    const n = 200_000;
    const slots = Array.from({ length: n }, (_, i) => st.allocate(8613800000000 + i));
    for (const s of slots) st.release(s);
    expect(st.size).toBe(0);
    const copy = new NumberState(1 << 10);
    copy.importState(st.exportState());
    expect(copy.size).toBe(0);
    const again = copy.allocate(8613900000001);
    expect(again).toBeLessThan(n);
    expect(copy.size).toBe(1);
  });
});
