/**
 * An open-loop load generator for request/response protocols over a few
 * keep-alive TCP connections (HTTP/1.1 and Redis RESP): requests are sent
 * on a fixed schedule from a worker thread (open-loop-sender.ts) whatever
 * the responses do, and this thread reads the responses in order. Latency
 * is measured from each request's DUE time (no coordinated omission: a
 * stalled sender, server or machine shows in it); the time from the actual
 * send and the sender's lag behind the schedule are reported beside it.
 *
 * Why not Node's http client or ioredis: they cost as much CPU per request
 * as the server under test, which on two shared cores would measure the
 * generator; and a timer-driven sender on the event loop runs ~1 ms behind
 * its schedule (Node timers have 1 ms granularity), which the figures from
 * the due time would count against the server.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

/** What one timed phase measured. */
export interface Phase {
  /** Latency of each request from the time it was due on the schedule, ms (NaN = failed or unanswered). */
  lat: Float64Array;
  /** Latency of each request from its actual send (service time), ms (NaN = failed or unanswered). */
  service: Float64Array;
  /** How late each request was sent behind its schedule, ms. */
  lag: Float64Array;
  errors: number;
  sent: number;
  wallSec: number;
}

/** Wire protocol of the responses. */
export type Protocol = 'http' | 'resp';

/** Options of {@link openLoop}. */
export interface OpenLoopOptions {
  host: string;
  port: number;
  connections: number;
  rate: number;
  seconds: number;
  protocol: Protocol;
  /** Bytes of request i (latin1). */
  request(i: number): string;
  /** Time allowed after the last due time for the last responses, ms (default 10 s). */
  drainMs?: number;
}

const now = () => performance.timeOrigin + performance.now();
const CRLF2 = Buffer.from('\r\n\r\n');

/** Length of the first complete response in `buf` and whether it succeeded, or null when incomplete. */
type Framer = (buf: Buffer) => { length: number; ok: boolean } | null;

const httpFramer: Framer = (buf) => {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const m = /content-length: *(\d+)/i.exec(head);
  const length = end + 4 + (m ? Number(m[1]) : 0);
  if (buf.length < length) return null;
  return { length, ok: head.startsWith('HTTP/1.1 200') };
};

const respFramer: Framer = (buf) => {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return null;
  const type = buf[0];
  if (type !== 0x24 /* $ */) return { length: eol + 2, ok: type !== 0x2d /* - */ };
  const n = Number(buf.toString('latin1', 1, eol));
  const length = n < 0 ? eol + 2 : eol + 2 + n + 2;
  return buf.length < length ? null : { length, ok: true };
};

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Offers `rate` requests/s for `seconds` open-loop and returns what each request measured. */
export async function openLoop(o: OpenLoopOptions): Promise<Phase> {
  const total = Math.round(o.rate * o.seconds);
  const intervalMs = 1000 / o.rate;
  const encoded = Array.from({ length: total }, (_, i) => Buffer.from(o.request(i), 'latin1'));
  const offsets = new Uint32Array(new SharedArrayBuffer(4 * (total + 1)));
  for (let i = 0; i < total; i++) offsets[i + 1] = offsets[i] + encoded[i].length;
  const bytes = new Uint8Array(new SharedArrayBuffer(offsets[total]));
  for (let i = 0; i < total; i++) bytes.set(encoded[i], offsets[i]);
  const sentAt = new Float64Array(new SharedArrayBuffer(8 * total));

  const sockets = await Promise.all(Array.from({ length: o.connections }, () => connect(o.host, o.port)));
  const fds = sockets.map((s) => (s as unknown as { _handle: { fd: number } })._handle.fd);
  if (fds.some((fd) => !(fd >= 0))) throw new Error('no socket descriptor (open-loop sending needs Linux/Unix sockets)');

  const lat = new Float64Array(total).fill(Number.NaN);
  const service = new Float64Array(total).fill(Number.NaN);
  const frame = o.protocol === 'http' ? httpFramer : respFramer;
  const control = new SharedArrayBuffer(16);
  let t0 = Number.POSITIVE_INFINITY;
  let done = 0;
  let errors = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));

  sockets.forEach((socket, c) => {
    let buf: Buffer = Buffer.alloc(0);
    let k = 0;
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (let f = frame(buf); f !== null; f = frame(buf)) {
        buf = buf.subarray(f.length);
        const i = k++ * o.connections + c;
        if (i >= total) continue;
        if (f.ok) {
          lat[i] = at - (t0 + i * intervalMs);
          service[i] = at - sentAt[i];
        } else errors++;
        if (++done === total) finish();
      }
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
  });

  // The sender is TypeScript: tsx's loader is registered in the worker (on Node 20 the main thread's loader hooks do not reach workers).
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(new URL('./open-loop-sender.ts', import.meta.url).href)});`;
  const sender = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
    workerData: { fds, bytes: bytes.buffer, offsets: offsets.buffer, sentAt: sentAt.buffer, control, intervalMs },
  });
  const senderDone = new Promise<void>((resolve, reject) => {
    sender.on('message', (m: string) => {
      if (m === 'ready') {
        t0 = now() + 5;
        new Float64Array(control, 8, 1)[0] = t0;
        const go = new Int32Array(control, 0, 1);
        Atomics.store(go, 0, 1);
        Atomics.notify(go, 0);
      } else if (m === 'done') resolve();
    });
    sender.once('error', reject);
    sender.once('exit', () => resolve());
  });
  await senderDone;
  const drain = setTimeout(finish, o.drainMs ?? 10_000);
  await finished;
  clearTimeout(drain);
  const wallSec = (now() - t0) / 1000;
  await sender.terminate();
  for (const s of sockets) s.destroy();
  const lag = new Float64Array(total);
  for (let i = 0; i < total; i++) lag[i] = sentAt[i] - (t0 + i * intervalMs);
  errors += total - done;
  return { lat, service, lag, errors, sent: total, wallSec };
}
