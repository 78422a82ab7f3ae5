import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { readAvsc } from '../../../shared/kafka/index.ts';
import { AvroCodec, RegistryUnavailableError } from './codec.ts';

const type = avsc.Type.forSchema(JSON.parse(readAvsc('CallEvent')) as avsc.Schema);
const event: CallEvent = { eventId: 'e1', probeId: 'p', caller: '+8613812345678', callee: '+8613912345678', startTime: 1_700_000_000_000, answerTime: null, endTime: 1_700_000_005_000, outcome: 'NO_ANSWER', releaseCause: 480, accessProvider: null };

function wire(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

/** A registry that knows schema 7, answers 404 for 8 and fails for 9. */
const registry = {
  getSchema: async (id: number) => {
    if (id === 7) return type;
    if (id === 8) throw Object.assign(new Error('not found'), { status: 404 });
    throw new Error('connect ECONNREFUSED');
  },
} as unknown as SchemaRegistry;

describe('AvroCodec', () => {
  it('decodes a wire-format value with the cached writer schema', async () => {
    const codec = new AvroCodec(registry);
    const v = wire(7, type.toBuffer(event));
    await codec.prepare([v]);
    expect(codec.decode(v)).toEqual({ ok: true, value: event });
  });

  it('reports truncated and over-long payloads, tombstones, foreign bytes and unknown ids as errors, never throwing', async () => {
    const codec = new AvroCodec(registry);
    const v = wire(7, type.toBuffer(event));
    await codec.prepare([v, wire(8, Buffer.alloc(3))]);
    expect(codec.decode(v.subarray(0, 12))).toEqual({ ok: false, error: 'Avro decode with schema 7 failed: truncated buffer' });
    expect(codec.decode(Buffer.concat([v, Buffer.from([0, 0])]))).toEqual({ ok: false, error: 'Avro decode with schema 7 failed: trailing data (2 bytes)' });
    expect(codec.decode(null)).toEqual({ ok: false, error: 'null value (tombstone)' });
    expect(codec.decode(Buffer.from('{"json":1}'))).toMatchObject({ ok: false, error: expect.stringMatching(/^not Confluent wire format/) });
    expect(codec.decode(wire(8, Buffer.alloc(3)))).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown schema id 8/) });
    const badEnum = wire(7, Buffer.concat([type.toBuffer(event).subarray(0, -6), Buffer.from([0x7e])]));
    expect(codec.decode(badEnum)).toMatchObject({ ok: false, error: expect.stringMatching(/^Avro decode with schema 7 failed/) });
  });

  it('throws a retriable error when the registry does not answer', async () => {
    await expect(new AvroCodec(registry).prepare([wire(9, Buffer.alloc(3))])).rejects.toBeInstanceOf(RegistryUnavailableError);
  });
});
