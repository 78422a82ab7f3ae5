import { describe, expect, it } from 'vitest';
import { ConsentDlq } from './consent-dlq.ts';

const entry = (partition: number, offset: number) => ({ partition, message: { offset, key: null, value: Buffer.from([offset]) }, error: 'invalid: caller' });

describe('ConsentDlq', () => {
  it('gives an owner the records at or above its mark and the read position as the new mark', () => {
    const q = new ConsentDlq();
    q.add(entry(0, 3));
    q.add(entry(0, 9));
    q.read(0, 12);
    const due = q.due(0, 5);
    expect(due.entries.map((e) => e.message.offset)).toEqual([9]);
    expect(due.upTo).toBe(12);
    q.settle(0, due.upTo);
    expect(q.size).toBe(0);
    expect(q.heldPartitions()).toEqual([]);
  });

  it('never lowers the mark and keeps records read after the cut', () => {
    const q = new ConsentDlq();
    q.add(entry(1, 4));
    q.read(1, 5);
    expect(q.due(1, 20).upTo).toBe(20);
    const due = q.due(1, 0);
    q.add(entry(1, 7)); // read while the first records were being sent
    q.read(1, 8);
    q.settle(1, due.upTo);
    expect(q.due(1, due.upTo).entries.map((e) => e.message.offset)).toEqual([7]);
  });

  it('holds at most `limit` records, dropping the oldest and counting them', () => {
    const q = new ConsentDlq(2);
    for (const o of [1, 2, 3]) q.add(entry(0, o));
    expect(q.size).toBe(2);
    expect(q.dropped).toBe(1);
    expect(q.due(0, 0).entries.map((e) => e.message.offset)).toEqual([2, 3]);
  });

  it('gives a retry on the same mark the same due (same array) until its mark settles it; records read meanwhile come after', () => {
    const q = new ConsentDlq();
    q.add(entry(0, 1));
    q.read(0, 2);
    const first = q.due(0, 0);
    q.add(entry(0, 5));
    q.read(0, 6);
    expect(q.due(0, 0)).toBe(first);
    expect(first.entries.map((e) => e.message.offset)).toEqual([1]);
    q.settle(0, first.upTo);
    const next = q.due(0, first.upTo);
    expect(next).not.toBe(first);
    expect(next.entries.map((e) => e.message.offset)).toEqual([5]);
  });

  it('does not hold a record twice when the topic is read again from an earlier position', () => {
    const q = new ConsentDlq();
    q.add(entry(0, 3));
    q.read(0, 4);
    q.add(entry(0, 3)); // delivered again (a reader that went back)
    q.read(0, 4);
    expect(q.size).toBe(1);
    expect(q.due(0, 0).entries.map((e) => e.message.offset)).toEqual([3]);
  });
});
