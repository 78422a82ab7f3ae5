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

async function start(timeouts?: LookupTimeouts): Promise<{ host: string; port: number }> {
  server = await startLookupServer({
    host: '127.0.0.1',
    port: 0,
    store: { lookupJson: async () => null } as never,
    metrics: createEnforcerMetrics(),
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

  it('a request head trickled in a byte at a time is closed', async () => {
    const at = await start(SHORT);
    let timer: NodeJS.Timeout | undefined;
    const closed = hold(at, 5_000, (s) => {
      s.write('GET /v1/numbers/13812345678 HTTP/1.1\r\nHost: x\r\n');
      timer = setInterval(() => s.write('X'), 100);
    });
    const r = await closed;
    clearInterval(timer);
    expect(r).not.toBe('open');
  });

  it('a request body trickled in is closed', async () => {
    const at = await start(SHORT);
    let timer: NodeJS.Timeout | undefined;
    const closed = hold(at, 5_000, (s) => {
      s.write('POST /v1/numbers/13812345678 HTTP/1.1\r\nHost: x\r\ncontent-length: 1000\r\n\r\n');
      timer = setInterval(() => s.write(' '), 100);
    });
    const r = await closed;
    clearInterval(timer);
    expect(r).not.toBe('open');
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
      s.write('GET /v1/numbers/13812345678 HTTP/1.1\r\nHost: x\r\n\r\n');
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
