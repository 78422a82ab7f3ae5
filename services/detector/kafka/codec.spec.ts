import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { createSchemaRegistry, readAvsc } from '../../../shared/kafka/index.ts';
import { dlqReason } from '../pipeline/metrics-update.ts';
import { SchemaNotUsableError } from '../../../shared/kafka/index.ts';
import { AvroCodec, classifyFetchFailure, REFUSED_ID_RECHECK_MS, RegistryUnavailableError } from './codec.ts';

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

/** One answer of the stand-in registry. */
type Answer = (req: IncomingMessage, res: ServerResponse) => void;
const REGISTRY_JSON = 'application/vnd.schemaregistry.v1+json';
const GOOD_DOCUMENT = JSON.stringify({ schema: readAvsc('CallEvent') });
/** A status and a body as a proxy or the registry would send them. */
const answer =
  (status: number, contentType: string, body: string): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': contentType }).end(body);
/** The good document, cut after `n` characters: the connection closes there (no content-length: the body ends with it). */
const cutCloseDelimited =
  (n: number): Answer =>
  (req) =>
    req.socket.end(`HTTP/1.1 200 OK\r\ncontent-type: ${REGISTRY_JSON}\r\nconnection: close\r\n\r\n${GOOD_DOCUMENT.slice(0, n)}`);
/** The good document announced whole by content-length, cut after `n` characters (a registry or proxy restarting). */
const cutWithLength =
  (n: number): Answer =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': REGISTRY_JSON, 'content-length': Buffer.byteLength(GOOD_DOCUMENT) });
    res.write(GOOD_DOCUMENT.slice(0, n));
    setTimeout(() => res.socket?.destroy(), 20);
  };
/** Answers to give, in order, before the default one of an id (ids from 100 on: the good schema). */
const script = new Map<number, Answer[]>();

let server: Server;
let url = '';
const seen = new Map<number, number>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = Number(/\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1]);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const next = script.get(id)?.shift();
    if (next) return next(req, res);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': REGISTRY_JSON }).end(JSON.stringify(body));
    if (id === 7 || (id >= 100 && id < 400)) return json(200, { schema: readAvsc('CallEvent') });
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
    const refused = await codec.prepare([2, 3, 5, 6, 10, 7].map(some));
    expect(refused.map((r) => r.id).sort((a, b) => a - b)).toEqual([2, 3, 5, 6, 10]);
    const error = (id: number) => {
      const d = codec.decode(some(id));
      return d.ok ? null : d.error;
    };
    expect(error(2)).toMatch(/^unusable schema id 2 \(ConfluentSchemaRegistryArgumentError\): .*unknown keyword: "javaType"/);
    expect(error(3)).toMatch(/^unusable schema id 3 \(ConfluentSchemaRegistryArgumentError\): .*union defaults must match/);
    expect(error(5)).toMatch(/^unusable schema id 5 \(ConfluentSchemaRegistryArgumentError\): .*"connect\.index"/);
    expect(error(6)).toBe('unusable schema id 6 (JsonSchema): not an Avro schema; this topic\'s values must be Avro');
    expect(error(10)).toMatch(/^unusable schema id 10 \(ConfluentSchemaRegistryArgumentError\): invalid schemaType/);
    expect(codec.decode(some(7))).toEqual({ ok: true, value: event });
    for (const id of [2, 3, 5, 6, 10]) expect(dlqReason(error(id)!), `id ${id}`).toBe('unknown-schema');
    // The answer stands for a while: the id is not asked for again at once.
    const before = seen.get(2);
    expect(await codec.prepare([some(2)])).toEqual([]);
    expect(seen.get(2)).toBe(before);
  });

  it('still takes a 404 for an unknown id', async () => {
    const codec = new AvroCodec(client());
    expect(await codec.prepare([some(404)])).toEqual([{ id: 404, error: expect.stringMatching(/^unknown schema id 404 \(registry: callguard - Schema not found\)/) }]);
  });

  it('retries (throws RegistryUnavailableError) when the registry does not answer as a registry: 5xx, a 400 of its own, timeout, connection refused', async () => {
    await expect(new AvroCodec(client()).prepare([some(50)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(new AvroCodec(client()).prepare([some(11)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(new AvroCodec(client()).prepare([some(51)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    const nowhere = createSchemaRegistry({ url: 'http://127.0.0.1:1', requestTimeoutMs: 200 });
    await expect(new AvroCodec(nowhere).prepare([some(7)])).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it('sorts failures: unknown only on 404/422, unusable only for a document the client could not build, anything else unavailable', () => {
    const responseError = (status: number, message: string) => Object.assign(new Error(message), { name: 'ResponseError', status });
    expect(classifyFetchFailure(responseError(400, 'callguard - Error, status 400: Timeout (15000ms)'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(400, 'callguard-detector - Error, status 400: socket hang up'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(502, 'callguard - Bad gateway'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(401, 'callguard - Unauthorized'))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(429, 'callguard - Too many requests'))).toBe('unavailable');
    expect(classifyFetchFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('unavailable');
    expect(classifyFetchFailure(responseError(404, 'callguard - Schema not found'))).toBe('unknown');
    expect(classifyFetchFailure(responseError(422, 'callguard - Invalid schema id'))).toBe('unknown');
    // An answer that is not the registry's verdict on the id: a gateway's 400, a proxy's 407, 421, 425, a 415.
    expect(classifyFetchFailure(responseError(400, 'callguard - Request Header Or Cookie Too Large'))).toBe('unavailable');
    for (const status of [407, 415, 421, 425]) expect(classifyFetchFailure(responseError(status, `callguard - Error, status ${status}: x`)), `HTTP ${status}`).toBe('unavailable');
    // The client's build error alone does not say that a schema document came (a proxy's HTML page gives the same): unavailable.
    const argumentError = Object.assign(new Error("Cannot read properties of undefined (reading 'logicalType')"), { name: 'ConfluentSchemaRegistryArgumentError' });
    expect(classifyFetchFailure(argumentError)).toBe('unavailable');
    expect(classifyFetchFailure(new SchemaNotUsableError(3, 'AVRO', argumentError))).toBe('unusable');
  });

  /** Whether a good record of `id` is accepted by `codec` now. */
  const accepted = (codec: AvroCodec, id: number) => codec.decode(some(id));

  it('takes a 200 HTML page (a proxy in maintenance) for an unavailable registry, and accepts the records once it answers again', async () => {
    script.set(100, [answer(200, 'text/html', '<html><body>Registry under maintenance, back soon</body></html>')]);
    script.set(101, [answer(200, REGISTRY_JSON, '')]); // an empty body
    script.set(102, [answer(200, REGISTRY_JSON, JSON.stringify({ status: 'maintenance' }))]); // JSON, but no schema
    const codec = new AvroCodec(client());
    for (const id of [100, 101, 102]) {
      const e = await codec.prepare([some(id)]).catch((err: unknown) => err);
      expect(e, `id ${id}`).toBeInstanceOf(RegistryUnavailableError);
      expect((e as Error).message).toMatch(new RegExp(`not a schema document \\(HTTP 200`));
      expect(await codec.prepare([some(id)]), `id ${id} after recovery`).toEqual([]);
      expect(accepted(codec, id), `id ${id}`).toEqual({ ok: true, value: event });
    }
  });

  it('takes a body cut mid-way for an unavailable registry (retried), and accepts the records once it answers whole', async () => {
    script.set(110, [cutCloseDelimited(40)]); // ends with the connection: a short JSON text the client cannot parse
    const codec = new AvroCodec(client());
    await expect(codec.prepare([some(110)])).rejects.toBeInstanceOf(RegistryUnavailableError);
    expect(await codec.prepare([some(110)])).toEqual([]);
    expect(accepted(codec, 110)).toEqual({ ok: true, value: event });
    // Cut after a content-length: the client's own retry asks again at once and gets the whole answer.
    script.set(111, [cutWithLength(40)]);
    expect(await codec.prepare([some(111)])).toEqual([]);
    expect(seen.get(111)).toBe(2);
    expect(accepted(codec, 111)).toEqual({ ok: true, value: event });
  });

  it('fails (retried), within the request timeout, when every answer is cut after its content-length, instead of waiting for ever', async () => {
    script.set(112, [cutWithLength(40), cutWithLength(40), cutWithLength(40)]);
    const codec = new AvroCodec(createSchemaRegistry({ url, requestTimeoutMs: 1_000 }));
    const t0 = Date.now();
    const e = await Promise.race([codec.prepare([some(112)]).catch((err: unknown) => err), new Promise((r) => setTimeout(() => r('still pending'), 4_000))]);
    expect(e).toBeInstanceOf(RegistryUnavailableError);
    expect((e as Error).message).toMatch(/cut short/);
    expect(seen.get(112)).toBe(3); // the first try and the client's two retries
    expect(Date.now() - t0).toBeLessThan(3_000); // three cuts and two backoffs (~0.2 s, ~0.4 s), not three timeouts
    expect(await codec.prepare([some(112)])).toEqual([]); // the registry answers whole again
  });

  it('takes 407, 421, 425 and a gateway\'s 400 for an unavailable registry (retried), and accepts the records after', async () => {
    script.set(120, [answer(407, 'text/plain', 'Proxy Authentication Required')]);
    script.set(121, [answer(421, 'text/plain', 'Misdirected Request')]);
    script.set(122, [answer(425, 'text/plain', 'Too Early')]);
    script.set(123, [answer(400, 'application/json', '{"message":"Request Header Or Cookie Too Large"}')]);
    const codec = new AvroCodec(client());
    for (const id of [120, 121, 122, 123]) {
      await expect(codec.prepare([some(id)]), `id ${id}`).rejects.toBeInstanceOf(RegistryUnavailableError);
      expect(await codec.prepare([some(id)]), `id ${id} after`).toEqual([]);
      expect(accepted(codec, id), `id ${id}`).toEqual({ ok: true, value: event });
    }
  });

  it('sends the records of an unknown id to the DLQ, and asks the registry again after REFUSED_ID_RECHECK_MS (a follower that lagged)', async () => {
    let now = 1_000_000;
    const codec = new AvroCodec(client(), { now: () => now });
    script.set(130, [answer(404, REGISTRY_JSON, JSON.stringify({ error_code: 40403, message: 'Schema 130 not found' }))]);
    expect(await codec.prepare([some(130)])).toEqual([{ id: 130, error: expect.stringMatching(/^unknown schema id 130 \(registry: callguard - Schema 130 not found\)/) }]);
    expect(dlqReason((accepted(codec, 130) as { error: string }).error)).toBe('unknown-schema');
    expect(seen.get(130)).toBe(1);
    now += REFUSED_ID_RECHECK_MS - 1;
    expect(await codec.prepare([some(130)])).toEqual([]);
    expect(seen.get(130)).toBe(1); // not asked yet: its records still go to the DLQ
    expect(accepted(codec, 130)).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown schema id 130/) });
    now += 1;
    expect(await codec.prepare([some(130)])).toEqual([]);
    expect(seen.get(130)).toBe(2); // asked again: the registry knows it now
    expect(accepted(codec, 130)).toEqual({ ok: true, value: event });
  });

  it('asks again after the period for an unusable id too; a registry away then keeps the verdict instead of holding the input', async () => {
    let now = 0;
    const codec = new AvroCodec(client(), { now: () => now });
    expect((await codec.prepare([some(2)])).map((r) => r.id)).toEqual([2]);
    const asked = seen.get(2)!;
    now += REFUSED_ID_RECHECK_MS;
    script.set(2, [answer(503, REGISTRY_JSON, '{"error_code":50301,"message":"unavailable"}'), answer(503, REGISTRY_JSON, '{"error_code":50301,"message":"unavailable"}'), answer(503, REGISTRY_JSON, '{"error_code":50301,"message":"unavailable"}')]);
    expect(await codec.prepare([some(2)])).toEqual([]); // no throw: the records go on to the DLQ
    expect(seen.get(2)).toBe(asked + 3);
    expect(accepted(codec, 2)).toMatchObject({ ok: false, error: expect.stringMatching(/^unusable schema id 2 /) });
    expect(await codec.prepare([some(2)])).toEqual([]);
    expect(seen.get(2)).toBe(asked + 3); // and it is asked again only after another period
    now += REFUSED_ID_RECHECK_MS;
    expect((await codec.prepare([some(2)])).map((r) => r.id)).toEqual([2]); // still unusable: said again
    expect(seen.get(2)).toBe(asked + 4);
  });
});
