/**
 * Unusable consent records (undecodable bytes, an unknown schema id,
 * invalid fields, a tombstone whose key is not caller|callee) land in the
 * DLQ with the original key and bytes and the contract headers, once, even
 * though every instance reads the whole consents topic at each start; other
 * tombstones are not errors. The good consents still apply: the flags are
 * exactly replay's.
 */
import { describe, expect, it } from 'vitest';
import type { ConsentRecord } from '../../shared/contracts/records.ts';
import { byId, metric, ops, PER_PARTITION_ENV, produce, readFlags, readTopic, waitForCommitted, wireFormat } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 2;

// Nothing produced here: the test puts unusable consents between the good ones.
const sc = scenarioSuite({ partitions: PARTITIONS, seed: 7, scale: 0.05, hours: 4, partitioned: true, produce: false }, { timeoutMs: 180_000 });

interface Bad {
  key: string;
  value: Buffer | null;
  partition: number;
  error: RegExp;
  reason: string;
}

describe('unusable consent records', () => {
  it('go to the DLQ once, with their bytes and the contract headers, across a restart', async () => {
    const { f, s, expected } = sc;
    const good: ConsentRecord = s.consents[0] ?? { caller: '+869501234567', callee: '+8613900000001', grantedAt: Date.UTC(2025, 0, 1), revokedAt: null };
    const enc = (v: unknown) => f.registry.encode(f.ids.consents, v);
    const valid = await enc(good);
    const bad: Bad[] = [
      { key: 'junk|1', value: Buffer.from('{"not":"avro"}'), partition: 0, error: /^not Confluent wire format/, reason: 'undecodable' },
      { key: 'junk|2', value: wireFormat(987_653, valid.subarray(5)), partition: 1, error: /^unknown schema id 987653/, reason: 'unknown-schema' },
      { key: 'x|y', value: await enc({ ...good, caller: 'not a number' }), partition: 1, error: /^invalid: caller/, reason: 'invalid' },
      { key: 'x|z', value: valid.subarray(0, 8), partition: 0, error: /^Avro decode with schema/, reason: 'undecodable' },
      { key: 'gone|gone', value: null, partition: 0, error: /^invalid: tombstone key "gone\|gone" is not caller\|callee/, reason: 'invalid' },
    ];
    await produce(f, { consents: s.consents.slice(0, Math.floor(s.consents.length / 2)) });
    const sent: Array<{ bad: Bad; offset: number }> = [];
    for (const b of bad) {
      const [md] = await f.producer.send({ topic: f.topics.consents, acks: -1, messages: [{ key: b.key, value: b.value, partition: b.partition }] });
      sent.push({ bad: b, offset: Number(md.baseOffset) });
    }
    // A tombstone of a pair (numbers in any form) is not an error, even without a grant to revoke.
    await f.producer.send({ topic: f.topics.consents, acks: -1, messages: [{ key: '13800000001|+8613900000002', value: null, partition: 0 }] });
    await produce(f, { consents: s.consents.slice(Math.floor(s.consents.length / 2)), calls: s.calls, complaints: s.complaints });

    const first = sc.start(PER_PARTITION_ENV);
    const port = await first.port();
    await waitForCommitted(f);
    const dlqOf = async () => (await readTopic(f, f.topics.dlq)).filter((r) => r.headers['x-source-topic'] === f.topics.consents);
    await waitFor(async () => (await dlqOf()).length >= sent.length, { what: 'the unusable consents in the DLQ', timeoutMs: 30_000, intervalMs: 250 });
    const dlq = await dlqOf();
    expect(dlq).toHaveLength(sent.length);
    for (const { bad: b, offset } of sent) {
      const d = dlq.find((r) => r.headers['x-source-partition'] === String(b.partition) && r.headers['x-source-offset'] === String(offset));
      expect(d, `DLQ record for consents ${b.partition}@${offset}`).toBeDefined();
      expect(d!.headers['x-error']).toMatch(b.error);
      expect(d!.key).toBe(b.key);
      expect(d!.value === null ? null : Buffer.from(d!.value)).toEqual(b.value);
    }
    const m = (await ops(port, '/metrics')).body;
    for (const reason of ['undecodable', 'unknown-schema', 'invalid']) {
      expect(metric(m, 'callguard_detector_dlq_total', { topic: f.topics.consents, reason }), reason).toBe(sent.filter((x) => x.bad.reason === reason).length);
    }
    expect(metric(m, 'callguard_detector_consents_total', { result: 'invalid' })).toBe(sent.length);
    expect(byId(await readFlags(f))).toEqual(byId(expected)); // the good consents still apply

    // A restart reads the whole consents topic again: nothing is sent twice.
    expect(await first.stop()).toBe(0);
    const second = sc.start(PER_PARTITION_ENV);
    const port2 = await second.port();
    const checkpoints = async () => metric((await ops(port2, '/metrics')).body, 'callguard_detector_checkpoint_seconds_count');
    await waitFor(async () => metric((await ops(port2, '/metrics')).body, 'callguard_detector_consents_total', { result: 'invalid' }) === sent.length, {
      what: 'the restarted detector to read the consents',
      timeoutMs: 60_000,
    });
    const at = await checkpoints();
    await waitFor(async () => (await checkpoints()) >= at + 5, { what: 'five checkpoints of the restarted detector', timeoutMs: 60_000 });
    expect(await dlqOf()).toHaveLength(sent.length);
    expect(metric((await ops(port2, '/metrics')).body, 'callguard_detector_dlq_total', { topic: f.topics.consents })).toBe(0);
  });
});
