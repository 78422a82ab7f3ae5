import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import pino from 'pino';
import type { ConsentRecord } from '../../../shared/contracts/records.ts';
import { readAvsc } from '../../../shared/kafka/index.ts';
import { loadDetectorConfig } from '../config.ts';
import { AvroCodec } from '../kafka/codec.ts';
import type { SourceBatch } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { onConsents } from './consents-control.ts';
import { DetectorState, type DetectorDeps } from './detector-state.ts';
import { dlqReason } from './metrics-update.ts';
import type { PartitionTask } from './partition-task.ts';

const type = avsc.Type.forSchema(JSON.parse(readAvsc('ConsentRecord')) as avsc.Schema);
const SCHEMA_ID = 5;
const registry = { getSchema: async () => type } as unknown as SchemaRegistry;
const wire = (v: ConsentRecord) => {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(SCHEMA_ID, 1);
  return Buffer.concat([h, type.toBuffer(v)]);
};
const GRANTED = Date.UTC(2025, 0, 1);

/** A detector state over fakes, with one engine that records the consents it is given. */
function harness() {
  const loaded = loadDetectorConfig({});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const metrics = new DetectorMetrics();
  const st = new DetectorState({ config: loaded.config, codec: new AvroCodec(registry), metrics, log: pino({ level: 'silent' }) } as unknown as DetectorDeps);
  const given: ConsentRecord[] = [];
  st.tasks.set(0, { engine: { onConsent: (c: ConsentRecord) => void given.push(c) } } as unknown as PartitionTask);
  let next = 0;
  /** One batch of consents partition 0: (key, value) records, null value = tombstone. */
  const batch = (records: Array<{ key: string | null; value: Buffer | null }>) => {
    const messages = records.map((r) => ({ offset: next++, key: r.key === null ? null : Buffer.from(r.key), value: r.value }));
    const b: SourceBatch = { topic: loaded.config.topics.consents, partition: 0, messages, highWatermark: next, fetchedOffset: messages[0].offset, lastOffset: next - 1 };
    return onConsents(st, b);
  };
  const counts = async () => Object.fromEntries((await metrics.consents.get()).values.map((v) => [v.labels.result, v.value]));
  return { st, given, batch, counts };
}

describe('onConsents: tombstones', () => {
  const grant: ConsentRecord = { caller: '95588123', callee: '13812345678', grantedAt: GRANTED, revokedAt: null };

  it.each([
    ['normalised', '+8695588123|+8613812345678'],
    ['as the consent system wrote the record', '95588123|13812345678'],
    ['in the 0086 form', '008695588123|008613812345678'],
    ['with spaces', '95588 123|138 1234 5678'],
  ])('revokes the grant whatever form its key has (%s)', async (_, key) => {
    const h = harness();
    await h.batch([
      { key, value: wire(grant) },
      { key, value: null },
    ]);
    expect(h.given.map((c) => c.revokedAt)).toEqual([null, GRANTED]); // granted, then revoked from its grantedAt
    expect([...h.st.consents.all()]).toEqual([{ caller: '+8695588123', callee: '+8613812345678', grantedAt: GRANTED, revokedAt: GRANTED }]);
    expect(await h.counts()).toEqual({ valid: 1, tombstone: 1 });
    expect(h.st.consentDlq.size).toBe(0);
  });

  it('a tombstone of a pair without a grant does nothing, and is no error', async () => {
    const h = harness();
    await h.batch([{ key: '+8613800000001|+8613900000002', value: null }]);
    expect(h.given).toEqual([]);
    expect(await h.counts()).toEqual({ tombstone: 1 });
    expect(h.st.consentDlq.size).toBe(0);
  });

  it('a tombstone whose key is not caller|callee goes to the consent DLQ as invalid', async () => {
    const h = harness();
    await h.batch([
      { key: '95588123|13812345678', value: wire(grant) },
      { key: 'gone|gone', value: null },
      { key: null, value: null },
      { key: '95588123', value: null },
      { key: '95588123|13812345678|x', value: null },
    ]);
    expect(h.given).toHaveLength(1); // the grant only: nothing revoked
    expect(await h.counts()).toEqual({ valid: 1, invalid: 4 });
    const errors = h.st.consentDlq.due(0, 0).entries.map((e) => [e.message.offset, e.error]);
    expect(errors).toEqual([
      [1, 'invalid: tombstone key "gone|gone" is not caller|callee (caller: unexpected character "g")'],
      [2, 'invalid: tombstone key null is not caller|callee (no key)'],
      [3, 'invalid: tombstone key "95588123" is not caller|callee (no |)'],
      [4, 'invalid: tombstone key "95588123|13812345678|x" is not caller|callee (3 parts separated by |, not 2)'],
    ]);
    for (const [, e] of errors) expect(dlqReason(e as string)).toBe('invalid');
  });
});
