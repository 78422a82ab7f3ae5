import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { parseHead, startLookupHttp, type LookupHttp } from './lookup-http.ts';

let server: LookupHttp;
let port: number;
let slowCalls = 0;

beforeAll(async () => {
  const app = Fastify();
  app.get('/slow/:ms', async (req) => {
    slowCalls++;
    await new Promise((r) => setTimeout(r, Number((req.params as { ms: string }).ms)));
    return { slow: (req.params as { ms: string }).ms };
  });
  app.post('/echo', async (req) => ({ got: req.body }));
  server = await startLookupHttp({
    app,
    host: '127.0.0.1',
    port: 0,
    hot: (method, target) => {
      const answer = (v: string) => ({ headers: `content-type: application/json; charset=utf-8\r\ncontent-length: ${v.length + 10}\r\n`, body: `{"hot":"${v}"}`.padEnd(v.length + 10) });
      if (method !== 'GET') return null;
      if (target.startsWith('/hot/')) return answer(target.slice(5));
      // Answered later (as a Redis read), or left to Fastify after all (a failed read).
      if (target.startsWith('/later/')) return new Promise((r) => setTimeout(() => r(answer(target.slice(7))), 40));
      if (target === '/later-null') return Promise.resolve(null);
      return null;
    },
  });
  port = Number(new URL(server.url).port);
});

afterAll(() => server.close());

/** Writes `raw` on a new connection and reads until the server closes it or `until` matches. */
function exchange(raw: string | Buffer, until?: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(raw));
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, 1500);
    s.on('data', (d) => {
      text += d.toString('utf8');
      if (until?.(text)) {
        clearTimeout(timer);
        s.destroy();
        resolve({ text, closed: false });
      }
    });
    s.on('end', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    s.on('error', reject);
  });
}

const bodies = (text: string) => [...text.matchAll(/\r\n\r\n(\{[^}]*\})/g)].map((m) => m[1].trim());

describe('lookup HTTP server', () => {
  it('parses request heads and refuses malformed ones', () => {
    expect(parseHead('GET /v1/numbers/1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2')).toEqual({ method: 'GET', target: '/v1/numbers/1', http10: false, headers: { host: 'x', 'x-a': '1, 2' } });
    expect(parseHead('GET / HTTP/1.0')).toMatchObject({ http10: true, headers: {} });
    expect(parseHead('GET  / HTTP/1.1')).toBe('malformed request line');
    expect(parseHead('GET / HTTP/2.0')).toBe('unsupported HTTP version');
    expect(parseHead('get / HTTP/1.1')).toBe('malformed method');
    expect(parseHead('GET / HTTP/1.1\r\nno colon')).toBe('malformed header');
    expect(parseHead('GET / HTTP/1.1\r\nba d: 1')).toBe('malformed header name');
  });

  it('answers fetch() on both paths, keep-alive', async () => {
    const hot = await fetch(`${server.url}/hot/abc`);
    expect(hot.status).toBe(200);
    expect(hot.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(hot.headers.get('date')).toBeTruthy();
    expect(await hot.json()).toEqual({ hot: 'abc' });
    const slow = await fetch(`${server.url}/slow/1`);
    expect(await slow.json()).toEqual({ slow: '1' });
    const missing = await fetch(`${server.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/not found/i);
    const echo = await fetch(`${server.url}/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
    expect(await echo.json()).toEqual({ got: { a: 1 } });
  });

  it('keeps pipelined responses in request order when a Fastify answer is pending', async () => {
    const req = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { text } = await exchange(req('/hot/1') + req('/slow/80') + req('/hot/2') + req('/slow/5') + req('/hot/3'), (t) => bodies(t).length === 5);
    expect(bodies(text)).toEqual(['{"hot":"1"}', '{"slow":"80"}', '{"hot":"2"}', '{"slow":"5"}', '{"hot":"3"}']);
    expect(text.match(/connection: keep-alive/g)).toHaveLength(5);
  });

  it('keeps order with hot answers that come later, and hands a later null to Fastify', async () => {
    const req = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { text } = await exchange(req('/later/a') + req('/hot/b') + req('/later-null') + req('/hot/c'), (t) => (t.match(/HTTP\/1.1 /g) ?? []).length === 4);
    const statuses = [...text.matchAll(/HTTP\/1.1 (\d+)/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '404', '200']);
    expect(bodies(text).filter((b) => b.includes('hot'))).toEqual(['{"hot":"a"}', '{"hot":"b"}', '{"hot":"c"}']);
  });

  it('closes after Connection: close and after an HTTP/1.0 request without keep-alive, ignoring what follows', async () => {
    const before = slowCalls;
    const closed = await exchange('GET /hot/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(closed.closed).toBe(true);
    expect(bodies(closed.text)).toEqual(['{"hot":"a"}']);
    expect(closed.text).toMatch(/connection: close/);
    expect(slowCalls).toBe(before);
    const old = await exchange('GET /slow/1 HTTP/1.0\r\n\r\n');
    expect(old.closed).toBe(true);
    expect(bodies(old.text)).toEqual(['{"slow":"1"}']);
    const oldKeep = await exchange('GET /hot/k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', (t) => bodies(t).length === 1);
    expect(oldKeep.closed).toBe(false);
    expect(oldKeep.text).toMatch(/keep-alive: timeout=72/);
  });

  it('reassembles requests split across packets', async () => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    s.on('data', (d) => (text += d));
    for (const part of ['GE', 'T /hot/sp', 'lit HTTP/1.1\r\nHo', 'st: x\r\n', '\r\n']) {
      s.write(part);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    expect(bodies(text)).toEqual(['{"hot":"split"}']);
  });

  it('refuses malformed requests, huge heads, chunked and oversized bodies with a clear status, and closes', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['BROKEN\r\n\r\n', 400, /malformed request line/],
      [`GET /hot/x HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 431, /too large/],
      ['POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 411, /Content-Length/],
      ['POST /echo HTTP/1.1\r\nContent-Length: 999999\r\n\r\n', 413, /too large/],
      ['GET /hot/x HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400, /content-length/],
    ];
    for (const [raw, status, message] of cases) {
      const r = await exchange(raw);
      expect(r.text.startsWith(`HTTP/1.1 ${status} `), raw.slice(0, 40)).toBe(true);
      expect(r.text).toMatch(message);
      expect(r.closed).toBe(true);
    }
  });

  it('answers HEAD through Fastify without a body', async () => {
    const { text } = await exchange('HEAD /slow/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hot/after HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.includes('{"hot":"after"}'));
    const [head] = text.split('HTTP/1.1 200 OK').filter(Boolean);
    expect(head).toMatch(/content-length: \d+/);
    expect(head).not.toMatch(/\{"slow"/);
  });
});
