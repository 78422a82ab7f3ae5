/**
 * Input the detector cannot use for reasons beyond its bytes, against the
 * real stack (a 4-partition topic, the real registry and partitioner):
 *
 * - a schema id the registry answers for with a schema the client cannot
 *   build (a JSON Schema with `javaType`, as Confluent's JSON serializer
 *   registers it): its records go to the DLQ (`unusable schema id …`,
 *   reason unknown-schema) and everything else goes on — before, the fetch
 *   was retried without end and every partition froze;
 * - calls and complaints keyed otherwise than by their normalised number,
 *   on a partition their number does not belong to: DLQ, reason misrouted;
 *   those keyed in another form that landed on the right partition are
 *   accepted and counted (`_key_other_form_total`).
 *
 * The good traffic around them gives exactly the per-partition oracle's flags.
 */
import { describe, expect, it } from 'vitest';
import type { CallEvent, ComplaintReport } from '../../shared/contracts/records.ts';
import { schemaRegistryUrlFromEnv } from '../../shared/kafka/index.ts';
import { partitionOf } from '../../services/detector/kafka/partitioner.ts';
import { byId, metric, ops, PER_PARTITION_ENV, produce, readFlags, readTopic, waitForCommitted, waitForLog, wireFormat, type Fixture } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { key } from './helpers/scenario.ts';

const PARTITIONS = 4;

// Nothing produced here: the test keys part of the traffic itself and puts the unusable records between.
const sc = scenarioSuite({ partitions: PARTITIONS, seed: 5, scale: 0.1, hours: 6, partitioned: true, produce: false }, { timeoutMs: 180_000 });

/** Registers, by plain HTTP (the client would refuse it), a JSON Schema that Ajv's strict mode cannot compile. */
async function registerUnbuildableSchema(f: Fixture): Promise<number> {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'CallEvent',
    type: 'object',
    javaType: 'com.acme.CallEvent',
    properties: { eventId: { type: 'string' } },
  };
  const res = await fetch(`${schemaRegistryUrlFromEnv()}/subjects/${encodeURIComponent(`${f.id}-json-value`)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(schema) }),
  });
  const body = (await res.json()) as { id?: number };
  if (!res.ok || typeof body.id !== 'number') throw new Error(`registering the JSON Schema failed: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** One unusable record, where it goes and the x-error it must get. */
interface Bad {
  topic: 'calls' | 'complaints';
  key: string | null;
  value: Buffer;
  partition: number;
  error: RegExp;
  reason: 'misrouted' | 'unknown-schema';
}

describe('input the detector cannot use', () => {
  it('goes to the DLQ without holding anything back; keys in another form on the right partition are accepted and counted', async () => {
    const { f, s, expected } = sc;
    const jsonId = await registerUnbuildableSchema(f);

    // The traffic, keyed as the contract says except where the number as signalled lands on the same partition:
    // those are keyed as signalled (a producer keying by the raw number, lucky there) and must be accepted.
    const otherForm = new Map<string, number>();
    const send = async <T>(topic: 'calls' | 'complaints', list: T[], numberOf: (r: T) => string) => {
      const id = topic === 'calls' ? f.ids.calls : f.ids.complaints;
      for (let i = 0; i < list.length; i += 2_000) {
        const messages = await Promise.all(
          list.slice(i, i + 2_000).map(async (r) => {
            const raw = numberOf(r);
            const normalised = key(raw);
            let k = normalised;
            if (raw !== normalised && partitionOf(raw, PARTITIONS) === partitionOf(normalised, PARTITIONS)) {
              k = raw;
              const at = `${f.topics[topic]}/${partitionOf(normalised, PARTITIONS)}`;
              otherForm.set(at, (otherForm.get(at) ?? 0) + 1);
            }
            return { key: k, value: await f.registry.encode(id, r) };
          }),
        );
        await f.producer.send({ topic: f.topics[topic], acks: -1, messages });
      }
    };

    // Misrouted records: copies (new ids) of real ones, so that the good traffic is unchanged if they are refused.
    const owner = (n: string) => partitionOf(key(n), PARTITIONS);
    const elsewhere = (n: string) => (owner(n) + 1) % PARTITIONS;
    const signalled = s.calls.find((c) => c.caller !== key(c.caller) && partitionOf(c.caller, PARTITIONS) !== owner(c.caller));
    expect(signalled, 'a call whose caller as signalled hashes to another partition').toBeDefined();
    const first = s.calls[0];
    const complaint = s.complaints[0];
    expect(complaint, 'a complaint in the scenario').toBeDefined();
    const encCall = (c: CallEvent) => f.registry.encode(f.ids.calls, c);
    const encComplaint = (c: ComplaintReport) => f.registry.encode(f.ids.complaints, c);
    const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const misrouted = (k: string | null, what: string, n: string) =>
      exactly(`misrouted: key ${k === null ? 'null' : JSON.stringify(k)} is not the normalised ${what} ${key(n)} (it belongs to partition ${owner(n)})`);
    const bad: Bad[] = [
      {
        topic: 'calls',
        key: signalled!.caller,
        value: await encCall({ ...signalled!, eventId: 'misrouted-1' }),
        partition: partitionOf(signalled!.caller, PARTITIONS),
        error: misrouted(signalled!.caller, 'caller', signalled!.caller),
        reason: 'misrouted',
      },
      { topic: 'calls', key: null, value: await encCall({ ...first, eventId: 'misrouted-2' }), partition: elsewhere(first.caller), error: misrouted(null, 'caller', first.caller), reason: 'misrouted' },
      {
        topic: 'complaints',
        key: key(complaint.reporter),
        value: await encComplaint({ ...complaint, reportId: 'misrouted-3' }),
        partition: elsewhere(complaint.reported),
        error: misrouted(key(complaint.reporter), 'reported number', complaint.reported),
        reason: 'misrouted',
      },
      { topic: 'calls', key: key(first.caller), value: wireFormat(jsonId, Buffer.from('{"eventId":"j1"}')), partition: owner(first.caller), error: new RegExp(`^unusable schema id ${jsonId} \\(`), reason: 'unknown-schema' },
      { topic: 'complaints', key: 'json', value: wireFormat(jsonId, Buffer.from('{"reportId":"j2"}')), partition: 0, error: new RegExp(`^unusable schema id ${jsonId} \\(`), reason: 'unknown-schema' },
    ];

    await produce(f, { consents: s.consents });
    const half = Math.floor(s.calls.length / 2);
    await send('calls', s.calls.slice(0, half), (c) => c.caller);
    const sent: Array<{ bad: Bad; offset: number }> = [];
    for (const b of bad) {
      const [md] = await f.producer.send({ topic: f.topics[b.topic], acks: -1, messages: [{ key: b.key, value: b.value, partition: b.partition }] });
      sent.push({ bad: b, offset: Number(md.baseOffset) });
    }
    await send('calls', s.calls.slice(half), (c) => c.caller);
    await send('complaints', s.complaints, (c) => c.reported);
    expect(otherForm.size, 'some records keyed in another form on their number\'s partition').toBeGreaterThan(0);

    const det = sc.start(PER_PARTITION_ENV);
    const port = await det.port();
    await waitForCommitted(f); // before the fix: never, the schema fetch was retried without end

    const dlq = await readTopic(f, f.topics.dlq);
    expect(dlq).toHaveLength(sent.length);
    for (const { bad: b, offset } of sent) {
      const d = dlq.find((r) => r.headers['x-source-topic'] === f.topics[b.topic] && r.headers['x-source-partition'] === String(b.partition) && r.headers['x-source-offset'] === String(offset));
      expect(d, `DLQ record for ${b.topic} ${b.partition}@${offset}`).toBeDefined();
      expect(d!.headers['x-error']).toMatch(b.error);
      expect(d!.key).toBe(b.key);
      expect(Buffer.from(d!.value!)).toEqual(b.value);
    }

    const m = (await ops(port, '/metrics')).body;
    for (const reason of ['misrouted', 'unknown-schema'] as const) {
      expect(metric(m, 'callguard_detector_dlq_total', { reason }), reason).toBe(sent.filter((x) => x.bad.reason === reason).length);
    }
    for (const [at, n] of otherForm) {
      const [topic, partition] = [at.slice(0, at.lastIndexOf('/')), at.slice(at.lastIndexOf('/') + 1)];
      expect(metric(m, 'callguard_detector_key_other_form_total', { topic, partition }), at).toBe(n);
    }
    // The good traffic, those keyed in another form included: exactly the oracle's flags.
    expect(byId(await readFlags(f))).toEqual(byId(expected));
    expect((await ops(port, '/readyz')).status).toBe(200);
    await waitForLog(det, (l) => l.msg === 'schema id cannot be used: its records go to the DLQ' && l.schemaId === jsonId, 'the unusable schema id');
    expect(det.logs.filter((l) => l.msg === 'schema id cannot be used: its records go to the DLQ')).toHaveLength(1);
    expect(det.logs.filter((l) => l.what === 'fetch schemas from the registry')).toEqual([]);
    expect(det.proc.exitCode).toBeNull(); // still running
  });
});
