import { describe, expect, it } from 'vitest';
import { isUsableKafkaClusterId, kafkaClusterIdToUse, newKafkaClusterId } from './kafka-cluster-id.ts';

describe('newKafkaClusterId', () => {
  it('draws again when the text would start with "-" (read as an option by kafka-storage format)', () => {
    // 0xf8 0x… encodes to a first base64url character '-' (index 62).
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    let n = 0;
    const id = newKafkaClusterId(() => draws[n++]);
    expect(Buffer.alloc(16, 0xf8).toString('base64url')[0]).toBe('-');
    expect(n).toBe(2);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
  });

  it('is 22 characters of base64url that decode to 16 bytes, never starting with "-"', () => {
    for (let i = 0; i < 2_000; i++) {
      const id = newKafkaClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('kafkaClusterIdToUse', () => {
  it('keeps a usable id from an earlier run', () => {
    const kept = Buffer.alloc(16, 0x01).toString('base64url');
    expect(kafkaClusterIdToUse(`${kept}\n`)).toEqual({ id: kept, fresh: false });
  });

  it('replaces a kept id that kafka-storage format would refuse (leading "-", truncated, empty, missing)', () => {
    const dash = Buffer.alloc(16, 0xf8).toString('base64url');
    for (const kept of [dash, dash.slice(0, 10), '', '   ', undefined, 'not an id at all!!!!!!']) {
      const r = kafkaClusterIdToUse(kept, () => Buffer.alloc(16, 0x02));
      expect(r).toEqual({ id: Buffer.alloc(16, 0x02).toString('base64url'), fresh: true });
      expect(isUsableKafkaClusterId(r.id)).toBe(true);
    }
  });
});
