import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DLQ_VALUE_MAX_BYTES, dlqRecord } from './dlq-record.ts';

const src = { topic: 'callguard.calls.v1', partition: 3, offset: '42', error: 'undecodable: bad magic byte' };

describe('dlqRecord', () => {
  it('carries the original key and bytes with the contract headers', () => {
    const m = dlqRecord('callguard.dlq.v1', { key: '+8613800138000', value: Buffer.from([1, 2, 3]) }, src);
    expect(m).toEqual({
      topic: 'callguard.dlq.v1',
      key: '+8613800138000',
      value: Buffer.from([1, 2, 3]),
      headers: { 'x-error': src.error, 'x-source-topic': src.topic, 'x-source-partition': '3', 'x-source-offset': '42' },
    });
  });

  it('keeps a large value whole when it fits once compressed (the DLQ is sent gzip-compressed)', () => {
    const value = Buffer.alloc(3 * 1024 * 1024, 'junk ');
    const m = dlqRecord('dlq', { key: null, value }, src);
    expect(m.value).toBe(value);
    expect(m.headers?.['x-value-truncated']).toBeUndefined();
  });

  it('cuts a value that fits no Kafka message even compressed, and says how long it was (the broker would refuse it at every retry)', () => {
    const value = randomBytes(3 * 1024 * 1024);
    const m = dlqRecord('dlq', { key: 'k', value }, src);
    expect(m.value?.length).toBe(DLQ_VALUE_MAX_BYTES);
    expect(m.value?.equals(value.subarray(0, DLQ_VALUE_MAX_BYTES))).toBe(true);
    expect(m.headers).toMatchObject({ 'x-value-truncated': String(3 * 1024 * 1024), 'x-source-offset': '42', 'x-error': src.error });
  });
});
