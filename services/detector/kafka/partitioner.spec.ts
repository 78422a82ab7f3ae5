import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { partitionOf } from './partitioner.ts';

describe('partitionOf', () => {
  it('agrees with kafkajs DefaultPartitioner for phone numbers and other keys', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = ['', 'a', 'ab', 'abc', 'abcd', '+8613812345678', '+869501234567|+8613900000001', '房间-ü'];
    for (let i = 0; i < 2_000; i++) keys.push(`+86138${String(i * 7919).padStart(8, '0')}`);
    for (const n of [1, 3, 4, 12]) {
      const meta = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      for (const key of keys) {
        expect(partitionOf(key, n), `${key} / ${n}`).toBe(kafkajs({ topic: 't', partitionMetadata: meta, message: { key, value: null } }));
      }
    }
  });
});
