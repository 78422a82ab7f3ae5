import { describe, expect, it } from 'vitest';
import { coPartitionedAssignment } from './assigner.ts';

describe('coPartitionedAssignment', () => {
  it('gives partition p of every topic to the same member, dealt round-robin', () => {
    const a = coPartitionedAssignment(['m-b', 'm-a'], { calls: [0, 1, 2, 3], complaints: [3, 2, 1, 0] });
    expect(a).toEqual({
      'm-a': { calls: [0, 2], complaints: [0, 2] },
      'm-b': { calls: [1, 3], complaints: [1, 3] },
    });
  });

  it('leaves extra members idle and gives one member everything', () => {
    expect(coPartitionedAssignment(['x'], { t: [1, 0] })).toEqual({ x: { t: [0, 1] } });
    const a = coPartitionedAssignment(['a', 'b', 'c'], { t: [0, 1] });
    expect(a).toEqual({ a: { t: [0] }, b: { t: [1] }, c: {} });
  });

  it('is the same whatever order members join in', () => {
    const p = { calls: [0, 1, 2, 3, 4, 5], complaints: [0, 1, 2, 3, 4, 5] };
    expect(coPartitionedAssignment(['a', 'b', 'c'], p)).toEqual(coPartitionedAssignment(['c', 'a', 'b'], p));
  });
});
