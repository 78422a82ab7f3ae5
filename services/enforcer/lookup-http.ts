/**
 * The lookup API's HTTP/1.1 server: a lean connection handler on a plain
 * TCP server that answers `GET /v1/numbers/{n}` from the label replica
 * itself (one read, one response string, one write per lookup: no
 * IncomingMessage, ServerResponse or stream machinery, which cost about
 * 7.5 KB of garbage and most of the JavaScript time per lookup on Node's
 * HTTP server), and hands every other request — other paths, errors, the
 * Redis fallback, /healthz, /metrics — to the Fastify app through
 * `inject`, so their answers are Fastify's.
 *
 * HTTP handled: keep-alive (HTTP/1.1 default, HTTP/1.0 with
 * `Connection: keep-alive`), `Connection: close`, pipelining (responses in
 * request order, also when a Fastify answer is still pending), request
 * bodies with Content-Length (up to 64 KiB, passed to Fastify). Refused with
 * a clear status and the connection closed: a malformed request line or
 * header (400), a head over 16 KiB (431), chunked request bodies (411),
 * larger bodies (413). Idle connections close after 72 s (as Fastify's).
 */
import net from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Answers a hot-path request (now or later), or null to hand it to Fastify. */
export type HotPath = (method: string, target: string) => HotAnswer | Promise<HotAnswer | null> | null;

/** A hot-path answer: status 200, JSON body. */
export interface HotAnswer {
  /** Header lines (each ending in CRLF) after the status line, without Date/Connection. */
  headers: string;
  body: string;
}

/** Options of {@link startLookupHttp}. */
export interface LookupHttpOptions {
  app: FastifyInstance;
  hot?: HotPath;
  host: string;
  port: number;
}

/** A listening lookup server. */
export interface LookupHttp {
  /** Base URL, e.g. http://127.0.0.1:8089. */
  url: string;
  /** Stops accepting, closes connections once their responses are written, closes the app. */
  close(): Promise<void>;
}

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 64 * 1024;
const KEEP_ALIVE_MS = 72_000;
const CRLF2 = Buffer.from('\r\n\r\n');
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/** A parsed request head. */
export interface RequestHead {
  method: string;
  target: string;
  http10: boolean;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
}

/** Parses a request head (without its final CRLFCRLF); a string is the reason it is malformed. */
export function parseHead(text: string): RequestHead | string {
  const eol = text.indexOf('\r\n');
  const line = eol < 0 ? text : text.slice(0, eol);
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || line.indexOf(' ', sp2 + 1) >= 0) return 'malformed request line';
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!/^[A-Z]+$/.test(method)) return 'malformed method';
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return 'unsupported HTTP version';
  const headers: Record<string, string> = {};
  let at = eol < 0 ? text.length : eol + 2;
  while (at < text.length) {
    let end = text.indexOf('\r\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > end) return 'malformed header';
    const name = text.slice(at, colon).toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return 'malformed header name';
    const value = text.slice(colon + 1, end).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    at = end + 2;
  }
  return { method, target, http10: version === 'HTTP/1.0', headers };
}

/** Whether the connection stays open after this request. */
function keepAlive(h: RequestHead): boolean {
  const c = (h.headers.connection ?? '').toLowerCase();
  return h.http10 ? c.includes('keep-alive') : !c.includes('close');
}

let dateSecond = 0;
let dateLine = '';
/** `Date: …\r\n`, formatted once a second. */
function date(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateLine = `date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

const KEEP = 'connection: keep-alive\r\nkeep-alive: timeout=72\r\n';
const CLOSE = 'connection: close\r\n';

function hotResponse(a: HotAnswer, keep: boolean): string {
  return `HTTP/1.1 200 OK\r\n${a.headers}${date()}${keep ? KEEP : CLOSE}\r\n${a.body}`;
}

function errorResponse(status: number, message: string, keep = false): string {
  const body = JSON.stringify({ error: status >= 500 ? 'unavailable' : 'bad_request', message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${date()}${keep ? KEEP : CLOSE}\r\n${body}`;
}

/** Fastify's answer to a request, as response text. */
async function viaFastify(app: FastifyInstance, h: RequestHead, body: Buffer | undefined, remoteAddress: string | undefined, keep: boolean): Promise<string | Buffer> {
  let res;
  try {
    res = await app.inject({ method: h.method as 'GET', url: h.target, headers: h.headers, payload: body, remoteAddress });
  } catch {
    return errorResponse(500, 'request failed', keep);
  }
  let head = `HTTP/1.1 ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? 'Unknown'}\r\n`;
  for (const [name, value] of Object.entries(res.headers)) {
    if (HOP_BY_HOP.has(name.toLowerCase()) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
  }
  const payload = res.rawPayload;
  const length = h.method === 'HEAD' ? (res.headers['content-length'] ?? payload.length) : payload.length;
  head += `content-length: ${length}\r\n${date()}${keep ? KEEP : CLOSE}\r\n`;
  return h.method === 'HEAD' || payload.length === 0 ? head : Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** Serves one connection: requests in, responses out in request order. */
function serveConnection(socket: net.Socket, app: FastifyInstance, hot: HotPath | undefined): void {
  socket.setNoDelay(true);
  socket.setTimeout(KEEP_ALIVE_MS, () => socket.destroy());
  let buf: Buffer | null = null;
  let closing = false;
  /** Responses waiting for an earlier Fastify answer, in order. */
  const queue: Array<Promise<string | Buffer> | string | Buffer> = [];
  let flushing = false;

  const send = (r: string | Buffer, close: boolean) => {
    socket.write(r);
    if (close) {
      closing = true;
      socket.end();
    }
  };
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    while (queue.length > 0 && !socket.destroyed) {
      const r = await queue[0];
      queue.shift();
      socket.write(r);
    }
    flushing = false;
    if (closing) socket.end();
  };
  /** Writes `r` now, or after the answers before it when one of them is still pending. */
  const respond = (r: Promise<string | Buffer> | string | Buffer, close: boolean) => {
    if (queue.length === 0 && !(r instanceof Promise)) return send(r, close);
    queue.push(r instanceof Promise ? r.catch(() => errorResponse(500, 'request failed', !close)) : r);
    if (close) closing = true;
    void flush();
  };
  const fail = (status: number, message: string) => {
    buf = null;
    respond(errorResponse(status, message), true);
  };

  const drain = () => {
    while (buf !== null && !closing) {
      // A client that sends without reading: stop reading until it catches up.
      if (socket.writableLength > 1 << 20) {
        socket.pause();
        socket.once('drain', () => {
          socket.resume();
          drain();
        });
        return;
      }
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        if (buf.length > MAX_HEAD) fail(431, 'request head too large');
        return;
      }
      if (end > MAX_HEAD) return fail(431, 'request head too large');
      const h = parseHead(buf.toString('latin1', 0, end));
      if (typeof h === 'string') return fail(400, h);
      let size = end + 4;
      let body: Buffer | undefined;
      if (h.headers['transfer-encoding'] !== undefined) return fail(411, 'chunked request bodies are not supported; send Content-Length');
      const cl = h.headers['content-length'];
      if (cl !== undefined) {
        if (!/^\d+$/.test(cl)) return fail(400, 'bad content-length');
        const n = Number(cl);
        if (n > MAX_BODY) return fail(413, 'request body too large');
        if (buf.length < size + n) return;
        if (n > 0) body = Buffer.from(buf.subarray(size, size + n));
        size += n;
      }
      buf = size === buf.length ? null : buf.subarray(size);
      const keep = keepAlive(h);
      const answer = body === undefined ? hot?.(h.method, h.target) : null;
      if (answer instanceof Promise) {
        const head = h;
        respond(answer.then((a) => (a ? hotResponse(a, keep) : viaFastify(app, head, undefined, socket.remoteAddress, keep))), !keep);
      } else if (answer) respond(hotResponse(answer, keep), !keep);
      else respond(viaFastify(app, h, body, socket.remoteAddress, keep), !keep);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    drain();
  });
  socket.on('error', () => socket.destroy());
}

/** Starts serving `o.app` (readied first) on host:port. */
export async function startLookupHttp(o: LookupHttpOptions): Promise<LookupHttp> {
  await o.app.ready();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, o.app, o.hot);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.end();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 2000);
      await closed;
      clearTimeout(timer);
      await o.app.close();
    },
  };
}
