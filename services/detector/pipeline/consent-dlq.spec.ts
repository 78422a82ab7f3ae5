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
});
