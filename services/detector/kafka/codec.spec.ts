import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { createSchemaRegistry, readAvsc } from '../../../shared/kafka/index.ts';
import { dlqReason } from '../pipeline/metrics-update.ts';
import { AvroCodec, classifyFetchFailure, RegistryUnavailableError } from './codec.ts';

const type = avsc.Type.forSchema(JSON.parse(readAvsc('CallEvent')) as avsc.Schema);
const event: CallEvent = { eventId: 'e1', probeId: 'p', caller: '+8613812345678', callee: '+8613912345678', startTime: 1_700_000_000_000, answerTime: null, endTime: 1_700_000_005_000, outcome: 'NO_ANSWER', releaseCause: 480, accessProvider: null };

function wire(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

/** A registry that knows schema 7, answers 404 for 8 and cannot be reached for 9 (as the client reports a refused connection). */
const registry = {
  getSchema: async (id: number) => {
    if (id === 7) return type;
    if (id === 8) throw Object.assign(new Error('not found'), { status: 404 });
    throw Object.assign(new Error('callguard - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081'), { name: 'ResponseError', status: 400 });
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

/**
 * A stand-in registry over HTTP, for the real client's failures: schemas it
 * answers with but the client cannot use, and answers that say the
 * registry is away. Counts the requests per id.
 */
const JSON_SCHEMA_JAVATYPE = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'CallEvent', type: 'object', javaType: 'com.acme.CallEvent', properties: { eventId: { type: 'string' } } };
const JSON_SCHEMA_CONNECT = { type: 'object', title: 'CallEvent', properties: { startTime: { type: 'integer', 'connect.index': 0, 'connect.type': 'int64' } } };
const JSON_SCHEMA_PLAIN = { type: 'object', title: 'CallEvent', properties: { eventId: { type: 'string' } } };
const AVRO_BAD_DEFAULT = { type: 'record', name: 'CallEvent', fields: [{ name: 'accessProvider', type: ['string', 'null'], default: null }] };

let server: Server;
let url = '';
const seen = new Map<number, number>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = Number(/\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1]);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(body));
    if (id === 7) return json(200, { schema: readAvsc('CallEvent') });
    if (id === 2) return json(200, { schemaType: 'JSON', schema: JSON.stringify(JSON_SCHEMA_JAVATYPE) });
    if (id === 3) return json(200, { schema: JSON.stringify(AVRO_BAD_DEFAULT) });
    if (id === 5) return json(200, { schemaType: 'JSON', schema: JSON.stringify(JSON_SCHEMA_CONNECT) });
    if (id === 6) return json(200, { schemaType: 'JSON', schema: JSON.stringify(JSON_SCHEMA_PLAIN) });
    if (id === 10) return json(200, { schemaType: 'XML', schema: '<x/>' });
    if (id === 11) return json(400, { error_code: 400, message: 'Bad request' });
    if (id === 50) return json(503, { error_code: 50301, message: 'Service unavailable' });
    if (id === 51) return; // never answered: the client's timeout
    json(404, { error_code: 40403, message: 'Schema not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('AvroCodec over the registry client', () => {
  const client = () => createSchemaRegistry({ url, requestTimeoutMs: 200 });
  const some = (id: number) => wire(id, type.toBuffer(event));

  it('keeps an id whose schema the client cannot use as unusable (its records to the DLQ) instead of waiting for the registry', async () => {
    const codec = new AvroCodec(client());
    const refused = await codec.prepare([2, 3, 5, 6, 10, 11, 7].map(some));
    expect(refused.map((r) => r.id).sort((a, b) => a - b)).toEqual([2, 3, 5, 6, 10, 11]);
    const error = (id: number) => {
      const d = codec.decode(some(id));
      return d.ok ? null : d.error;
    };
    expect(error(2)).toMatch(/^unusable schema id 2 \(ConfluentSchemaRegistryArgumentError\): .*unknown keyword: "javaType"/);
    expect(error(3)).toMatch(/^unusable schema id 3 \(ConfluentSchemaRegistryArgumentError\): .*union defaults must match/);
    expect(error(5)).toMatch(/^unusable schema id 5 \(ConfluentSchemaRegistryArgumentError\): .*"connect\.index"/);
    expect(error(6)).toBe('unusable schema id 6 (JsonSchema): not an Avro schema; this topic\'s values must be Avro');
    expect(error(10)).toMatch(/^unusable schema id 10 \(ConfluentSchemaRegistryArgumentError\): invalid schemaType/);
    expect(error(11)).toBe('unusable schema id 11 (HTTP 400): callguard - Bad request');
    expect(codec.decode(some(7))).toEqual({ ok: true, value: event });
    for (const id of [2, 3, 5, 6, 10, 11]) expect(dlqReason(error(id)!), `id ${id}`).toBe('unknown-schema');
    // The answer is final: the id is not asked for again.
    const before = seen.get(2);
    expect(await codec.prepare([some(2)])).toEqual([]);
    expect(seen.get(2)).toBe(before);
  });

  it('still takes a 404 for an unknown id', async () => {
    const codec = new AvroCodec(client());
    expect(await codec.prepare([some(404)])).toEqual([{ id: 404, error: expect.stringMatching(/^unknown schema id 404 \(registry: callguard - Schema not found\)/) }]);
  });

  it('retries (throws RegistryUnavailableError) only when the registry does not answer: 5xx, timeout, connection refused', async () => {
    await expect(new AvroCodec(client()).prepare([some(50)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(new AvroCodec(client()).prepare([some(51)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    const nowhere = createSchemaRegistry({ url: 'http://127.0.0.1:1', requestTimeoutMs: 200 });
    await expect(new AvroCodec(nowhere).prepare([some(7)])).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it('sorts failures the client reports without an answer from those that came with one', () => {
    const responseError = (status: number, message: string) => Object.assign(new Error(message), { name: 'ResponseError', status });
    expect(classifyFetchFailure(responseError(400, 'callguard - Error, status 400: Timeout (15000ms)'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(400, 'callguard-detector - Error, status 400: socket hang up'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(502, 'callguard - Bad gateway'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(401, 'callguard - Unauthorized'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(429, 'callguard - Too many requests'))).toBe('unavailable');
    expect(classifyFetchFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(404, 'callguard - Schema not found'))).toBe('unknown');
    expect(classifyFetchFailure(responseError(400, 'callguard - Bad request'))).toBe('unusable');
    expect(classifyFetchFailure(responseError(415, 'callguard - Unsupported'))).toBe('unusable');
    expect(classifyFetchFailure(Object.assign(new Error('invalid schemaType'), { name: 'ConfluentSchemaRegistryArgumentError' }))).toBe('unusable');
  });
});
