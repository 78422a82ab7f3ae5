import { describe, expect, it } from 'vitest';
import { hashString } from './hash.ts';
import { CALL_ID, RecentIds, REPORT_ID } from './recent-ids.ts';

describe('RecentIds', () => {
  it('recognises an id seen before', () => {
    const ids = new RecentIds(1024);
    expect(ids.seen('call-1')).toBe(false);
    expect(ids.seen('call-1')).toBe(true);
    expect(ids.seen('call-1')).toBe(true);
  });

  it('keeps the two kinds apart: a reportId equal to an eventId is another id', () => {
    const ids = new RecentIds(1024);
    expect(ids.seen('r0', CALL_ID)).toBe(false);
    expect(ids.seen('r0', REPORT_ID)).toBe(false);
    expect(ids.seen('r0', REPORT_ID)).toBe(true);
    expect(ids.seen('r0')).toBe(true);
  });

  it('never takes distinct ids for duplicates', () => {
    const ids = new RecentIds(1 << 16);
    let falseDuplicates = 0;
    for (let i = 0; i < 50_000; i++) if (ids.seen(`evt-${i}`)) falseDuplicates++;
    // Ids that differ only in order or by one character.
    for (const id of ['ab', 'ba', 'abc', 'acb', 'a', '']) if (ids.seen(`x${id}`)) falseDuplicates++;
    expect(falseDuplicates).toBe(0);
  });

  it('catches every immediate redelivery and nearly all within its capacity', () => {
    const ids = new RecentIds(1 << 16);
    for (let i = 0; i < 16_384; i++) {
      ids.seen(`evt-${i}`);
      if (i % 10 === 0) expect(ids.seen(`evt-${i}`)).toBe(true);
    }
    let caught = 0;
    for (let i = 0; i < 16_384; i++) if (ids.seen(`evt-${i}`)) caught++;
    expect(caught / 16_384).toBeGreaterThan(0.99);
  });

  it('after a long stream, still remembers nearly all of the most recent ids (every way of a set is reused)', () => {
    const capacity = 1 << 14;
    const ids = new RecentIds(capacity);
    const total = 10 * capacity;
    for (let i = 0; i < total; i++) ids.seen(`evt-${i}`);
    const remembered = (k: number) => {
      // Ask about the last k ids, newest first (asking re-inserts forgotten ones; newest first keeps that from evicting the others asked about).
      let n = 0;
      for (let i = total - 1; i >= total - k; i--) if (ids.seen(`evt-${i}`)) n++;
      return n / k;
    };
    expect(remembered(capacity / 4)).toBeGreaterThan(0.95);
  });

  it('keeps its memory bounded: old ids are eventually forgotten', () => {
    const ids = new RecentIds(1024);
    const bytes = ids.bytes;
    const first = Array.from({ length: 100 }, (_, i) => `first-${i}`);
    for (const id of first) ids.seen(id);
    for (let i = 0; i < 100_000; i++) ids.seen(`evt-${i}`);
    expect(ids.bytes).toBe(bytes);
    expect(first.filter((id) => ids.seen(id)).length).toBeLessThan(5);
  });

  it('keeps its fingerprints as snapshots hold them: FNV-1a of the id, then djb2 of it backwards xor the kind', () => {
    // Snapshots carry the table: a restored engine must recognise ids remembered before an upgrade.
    const djb2Backwards = (x: string) => {
      let h = 5381;
      for (let i = x.length - 1; i >= 0; i--) h = (Math.imul(h, 33) + x.charCodeAt(i)) | 0;
      return h >>> 0;
    };
    for (const [id, kind] of [['3f2b8c1e-6a0d-4e59-9a57-0c2f3d4e5f60', CALL_ID], ['report-17', REPORT_ID]] as const) {
      const ids = new RecentIds(1024);
      ids.seen(id, kind);
      const table = ids.exportState().table;
      const at = table.indexOf(hashString(id));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(table[at + 1]).toBe((djb2Backwards(id) ^ kind) >>> 0);
    }
  });
});
