import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildLookupServer, LOOKUP_TIMEOUTS, startLookupServer, type LookupServer, type LookupTimeouts } from './lookup.ts';
import { createEnforcerMetrics } from './metrics.ts';

const SHORT: LookupTimeouts = { keepAliveMs: 5_000, requestMs: 600, checkIntervalMs: 100 };
let server: LookupServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

async function start(timeouts?: LookupTimeouts, metrics = createEnforcerMetrics()): Promise<{ host: string; port: number }> {
  server = await startLookupServer({
    host: '127.0.0.1',
    port: 0,
    store: { lookupJson: async () => null } as never,
    metrics,
    health: async () => ({ redis: true, consumer: 'running' }),
    timeouts,
  });
  const u = new URL(server.url);
  return { host: u.hostname, port: Number(u.port) };
}

/** A raw connection, and a promise of the ms until the server closed it (or 'open' after `waitMs`). */
function hold(at: { host: string; port: number }, waitMs: number, onConnect?: (s: Socket) => void) {
  const t0 = Date.now();
  const s = connect(at.port, at.host, () => onConnect?.(s));
  sockets.push(s);
  s.on('error', () => {});
  s.resume(); // read what the server sends (a 408, its FIN): a paused socket never sees the close
  return new Promise<number | 'open'>((resolve) => {
    const timer = setTimeout(() => resolve('open'), waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

describe('lookup API: clients cannot hold connections without sending requests', () => {
  it('the defaults bound slow requests (by default Fastify sets no limit)', () => {
    const app = buildLookupServer({ store: {} as never, metrics: createEnforcerMetrics(), health: async () => ({ redis: true, consumer: 'running' }) });
    const s = app.server;
    expect(s.keepAliveTimeout).toBe(72_000);
    expect(s.requestTimeout).toBe(LOOKUP_TIMEOUTS.requestMs);
    expect(s.headersTimeout).toBe(LOOKUP_TIMEOUTS.requestMs);
    expect(LOOKUP_TIMEOUTS.requestMs).toBeGreaterThan(0);
  });

  it('a connection that never sends a byte is closed after the request limit', async () => {
    const at = await start(SHORT);
    expect(await hold(at, 5_000)).not.toBe('open');
  });

  /** Sends `head`, then one `byte` every 100 ms: how the connection ends within 5 s. */
  async function trickle(head: string, byte: string) {
    const at = await start(SHORT);
    let timer: NodeJS.Timeout | undefined;
    const r = await hold(at, 5_000, (s) => {
      s.write(head);
      timer = setInterval(() => s.write(byte), 100);
    });
    clearInterval(timer);
    return r;
  }

  it('a request head trickled in a byte at a time is closed', async () => {
    expect(await trickle('GET /v1/numbers/13812345678 HTTP/1.1\r\nHost: x\r\n', 'X')).not.toBe('open');
  });

  it('a request body trickled in is closed', async () => {
    expect(await trickle('POST /v1/numbers/13812345678 HTTP/1.1\r\nHost: localhost\r\ncontent-length: 1000\r\n\r\n', ' ')).not.toBe('open');
  });

  it('lookups on a keep-alive connection are still answered, also after a pause longer than the first-request limit', async () => {
    const at = await start(SHORT);
    const s = connect(at.port, at.host);
    sockets.push(s);
    let data = '';
    s.on('data', (b) => (data += String(b)));
    await new Promise<void>((r) => s.once('connect', () => r()));
    const ask = async () => {
      const before = (data.match(/HTTP\/1\.1 200/g) ?? []).length;
      s.write('GET /v1/numbers/13812345678 HTTP/1.1\r\nHost: localhost\r\n\r\n');
      for (let i = 0; i < 100 && (data.match(/HTTP\/1\.1 200/g) ?? []).length === before; i++) await new Promise((r) => setTimeout(r, 20));
      return (data.match(/HTTP\/1\.1 200/g) ?? []).length - before;
    };
    expect(await ask()).toBe(1);
    await new Promise((r) => setTimeout(r, 1_000)); // longer than requestMs, shorter than keepAliveMs
    expect(s.destroyed).toBe(false);
    expect(await ask()).toBe(1);
    expect(data).toContain('"status":"CLEAR"');
  });
});

/** One raw HTTP exchange on a fresh connection: the status and body of the answer. */
async function exchange(at: { host: string; port: number }, head: string): Promise<{ status: number; body: string }> {
  const s = connect(at.port, at.host);
  sockets.push(s);
  let data = '';
  s.on('data', (b) => (data += String(b)));
  s.write(head);
  for (let i = 0; i < 150 && !/\r\n\r\n[\s\S]*[}\n]$/.test(data); i++) await new Promise((r) => setTimeout(r, 20));
  return { status: Number(/^HTTP\/1\.[01] (\d+)/.exec(data)?.[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) };
}

describe('lookup API: the Host check (DNS rebinding)', () => {
  it('answers the loopback names, and refuses any other Host with 421 on the hot path, the routes and /metrics, but not on /healthz', async () => {
    const metrics = createEnforcerMetrics();
    const at = await start(undefined, metrics);
    const get = (path: string, host: string | null, version = '1.1') => exchange(at, `GET ${path} HTTP/${version}\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);
    for (const host of [`127.0.0.1:${at.port}`, `localhost:${at.port}`, `[::1]:${at.port}`, 'LOCALHOST']) {
      expect((await get('/v1/numbers/13812345678', host)).status, host).toBe(200);
    }
    for (const path of ['/v1/numbers/13812345678', '/v1/numbers/12', '/metrics', '/nowhere']) {
      const r = await get(path, `rebind.attacker.example:${at.port}`);
      expect(r.status, path).toBe(421);
      expect(JSON.parse(r.body)).toEqual({ error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_ENFORCER_ALLOWED_HOSTS)' });
    }
    expect((await get('/v1/numbers/13812345678', null, '1.0')).status).toBe(421); // no Host at all (HTTP/1.0)
    expect((await get('/healthz', '10.1.2.3:8089')).status).toBe(200); // a Kubernetes probe's Host
    expect((await metrics.misdirected.get()).values[0].value).toBe(5);
  });

  it('refuses a request in absolute form whose target names another host, whatever the Host header says', async () => {
    const at = await start();
    const ask = (target: string, host: string) => exchange(at, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    // Fastify routes `http://evil.example/v1/numbers/…` by its path; RFC 9112 makes evil.example the request's authority.
    expect((await ask('http://rebind.attacker.example/v1/numbers/13812345678', `localhost:${at.port}`)).status).toBe(421);
    expect((await ask('http://rebind.attacker.example/healthz', `localhost:${at.port}`)).status).toBe(421);
    expect((await ask(`http://localhost:${at.port}/v1/numbers/13812345678`, `localhost:${at.port}`)).status).toBe(200);
  });
});

describe('lookup API: number forms', () => {
  const app = () => buildLookupServer({ store: { lookupJson: async () => null } as never, metrics: createEnforcerMetrics(), health: async () => ({ redis: true, consumer: 'running' }) });
  const get = (a: ReturnType<typeof app>, n: string) => a.inject({ method: 'GET', url: '/v1/numbers/' + encodeURIComponent(n), headers: { host: '127.0.0.1' } });

  it('answers every form shared/numbers normalises (full-width digits and "＋", brackets, a tab), as the number it normalises to', async () => {
    const a = app();
    const forms: Array<[string, string]> = [
      ['13812345678', '+8613812345678'],
      ['１３８１２３４５６７８', '+8613812345678'],
      ['＋８６１３８１２３４５６７８', '+8613812345678'],
      ['(010) 8888 6666', '+861088886666'],
      ['（010）88886666', '+861088886666'],
      ['138\t1234\t5678', '+8613812345678'],
    ];
    for (const [n, e164] of forms) {
      const r = await get(a, n);
      expect(r.statusCode, JSON.stringify(n)).toBe(200);
      expect(r.json(), JSON.stringify(n)).toMatchObject({ number: e164, status: 'CLEAR' });
    }
    await a.close();
  });

  it('answers 400 invalid_number for what does not normalise, saying why, and for what is too long', async () => {
    const a = app();
    const cases: Array<[string, string]> = [
      ['abc', 'unexpected character "a" at position 1'],
      ['138 0000 0001x', 'unexpected character "x" at position 14'],
      ['12', 'too short (2 digits)'],
      ['1'.repeat(65), 'too long (65 characters, at most 64)'],
    ];
    for (const [n, why] of cases) {
      const r = await get(a, n);
      expect(r.statusCode, n).toBe(400);
      expect(r.json(), n).toEqual({ error: 'invalid_number', message: `number ${JSON.stringify(n)} is not a phone number: ${why}` });
    }
    await a.close();
  });
});
