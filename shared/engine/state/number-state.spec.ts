import { describe, expect, it } from 'vitest';
import { NUM16, NUM8, NumberState, upgradeVersion4Records } from './number-state.ts';

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

describe('upgradeVersion4Records', () => {
  it('reads version 4\'s u16 runs as today\'s byte runs with no callee known, a run above 255 saturated', () => {
    const records = new Uint8Array(2 * 64);
    const u16 = new Uint16Array(records.buffer);
    u16[24] = 12; // slot 0 bombMax
    u16[25] = 300; // slot 0 rrMax
    u16[32 + 24] = 255; // slot 1 bombMax
    records[52] = 3; // slot 0 numberClass: untouched
    new Uint32Array(records.buffer)[9] = 20_424; // slot 0 groupDay, a u32 in version 4
    upgradeVersion4Records(records);
    expect([u16[18], u16[19]]).toEqual([20_424, 0]); // groupDay the u16 it is now, no refusals shared
    expect([records[48], records[49], records[50], records[51], records[52]]).toEqual([12, 0, 255, 0, 3]);
    expect([records[64 + 48], records[64 + 49], records[64 + 50], records[64 + 51]]).toEqual([255, 0, 0, 0]);
  });
});

describe('calleeFingerprint', () => {
  it('is 1–255, never 0 (none known), and tells neighbouring numbers apart', () => {
    const fps = [13_800_138_000, 13_800_138_001, 8_613_800_138_254].map((k) => NumberState.calleeFingerprint(k));
    for (const fp of fps) expect(fp).toBeGreaterThanOrEqual(1);
    for (const fp of fps) expect(fp).toBeLessThanOrEqual(255);
    expect(new Set(fps.slice(0, 2)).size).toBe(2);
    expect(NumberState.calleeFingerprint(255 * 7)).toBe(1);
  });
});

describe('NumberState fields', () => {
  it('saturate rather than wrap: a byte at 255, a u16 at 65,535', () => {
    const st = new NumberState(4);
    const slot = st.allocate(8613800000001);
    st.set8(slot, NUM8.rrMax, 300);
    st.set16(slot, NUM16.providerCount, 70_000);
    expect(st.get8(slot, NUM8.rrMax)).toBe(255);
    expect(st.get16(slot, NUM16.providerCount)).toBe(65_535);
  });
});
