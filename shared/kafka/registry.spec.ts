import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchemaRegistry } from './registry.ts';
import { registerValueSchema } from './schemas.ts';

/**
 * A stand-in HTTP server for the client's own behaviour (timeouts and
 * retries): it answers the ccompat calls `register` makes, but leaves
 * unanswered the requests `hang` picks. The real registry is covered by the
 * integration tests.
 */
function stub(hang: (method: string, path: string, n: number) => boolean): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const call = `${req.method} ${req.url}`;
    seen.push(call);
    req.resume();
    if (hang(req.method!, req.url!, seen.filter((c) => c === call).length)) return; // never answered
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url!.startsWith('/config/')) return json(404, { error_code: 40401, message: 'Subject not found' });
    if (req.method === 'POST' && req.url!.endsWith('/versions')) return json(200, { id: 7 });
    if (req.method === 'PUT' && req.url!.startsWith('/config/')) return json(200, { compatibility: 'BACKWARD' });
    json(404, { error_code: 404, message: 'no such call' });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen })));
}

let open: Server | undefined;
afterEach(() => {
  open?.closeAllConnections();
  open?.close();
  open = undefined;
});

describe('createSchemaRegistry', () => {
  it('abandons a request that gets no answer and tries it again', async () => {
    const s = await stub((method, path, n) => method === 'PUT' && n === 1); // the first compatibility update is lost
    open = s.server;
    const registry = createSchemaRegistry({ url: s.url, requestTimeoutMs: 300 });
    await expect(registerValueSchema(registry, 'callguard.calls.v1', 'CallEvent')).resolves.toBe(7);
    expect(s.seen.filter((c) => c.startsWith('PUT /config/callguard.calls.v1-value'))).toHaveLength(2);
  });

  it('bounds the whole answer, not only the silences: a body trickling in past the timeout is abandoned and tried again', async () => {
    // GET /schemas/ids/1: headers, then one byte of the body every 50 ms (the socket is never idle for 300 ms), the first time only.
    const document = JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) });
    let asked = 0;
    const server = createServer((req, res) => {
      req.resume();
      asked++;
      res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json', 'content-length': Buffer.byteLength(document) });
      if (asked > 1) return res.end(document);
      let i = 0;
      const drip = setInterval(() => (i < document.length && !res.destroyed ? res.write(document[i++]) : clearInterval(drip)), 50);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open = server;
    const registry = createSchemaRegistry({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requestTimeoutMs: 300 });
    const t0 = Date.now();
    const schema = await registry.getSchema(1);
    expect(JSON.parse(JSON.stringify(schema))).toMatchObject({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });
    expect(asked).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2_000); // the trickle alone would take ~4.5 s
  });

  it('fails, instead of waiting for ever, when no attempt is answered', async () => {
    const s = await stub((method) => method === 'POST');
    open = s.server;
    const registry = createSchemaRegistry({ url: s.url, requestTimeoutMs: 200 });
    const t0 = Date.now();
    await expect(registerValueSchema(registry, 'callguard.calls.v1', 'CallEvent')).rejects.toThrow(/Timeout/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(s.seen.filter((c) => c.startsWith('POST')).length).toBe(3); // the first try and two retries
  });
});
