/**
 * The sending half of the lookup bench's load generator, run in a worker
 * thread (open-loop.ts starts it): request i is written at its due time
 * t0 + i·interval to connection i mod N, with a blocking `write(2)` on the
 * socket's descriptor, whatever the responses do. Between requests the
 * thread sleeps in `Atomics.wait` with a sub-millisecond timeout, so the
 * schedule is kept to about 0.1 ms instead of the 1 ms granularity of Node
 * timers, and nothing on the receiving thread (parsing responses, GC) can
 * delay a send. The actual send time of each request is written to shared
 * memory: the receiving thread reports the lag behind the schedule from it.
 * The schedule starts when the receiving thread says go (after this worker
 * has loaded), so the worker's start-up is not counted as lag.
 */
import { writeSync } from 'node:fs';
import { workerData, parentPort } from 'node:worker_threads';

/** What the worker is given. */
export interface SenderData {
  /** Socket descriptors, one per connection (non-blocking; owned by the receiving thread's sockets). */
  fds: number[];
  /** All requests' bytes, back to back. */
  bytes: SharedArrayBuffer;
  /** Request i is bytes[offsets[i], offsets[i + 1]). */
  offsets: SharedArrayBuffer;
  /** Float64 per request: when it was actually written (ms, `performance.timeOrigin + performance.now()` clock). */
  sentAt: SharedArrayBuffer;
  /** Int32 [0]: 0 until the receiving thread says go; Float64 [1]: then the due time of request 0 on the same clock, ms. */
  control: SharedArrayBuffer;
  /** Time between two requests, ms. */
  intervalMs: number;
}

const now = () => performance.timeOrigin + performance.now();

function run(d: SenderData): void {
  const go = new Int32Array(d.control, 0, 1);
  parentPort?.postMessage('ready');
  Atomics.wait(go, 0, 0);
  const t0 = new Float64Array(d.control, 8, 1)[0];
  const bytes = new Uint8Array(d.bytes);
  const offsets = new Uint32Array(d.offsets);
  const sentAt = new Float64Array(d.sentAt);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const total = offsets.length - 1;
  const n = d.fds.length;
  for (let i = 0; i < total; i++) {
    const due = t0 + i * d.intervalMs;
    const wait = due - now();
    if (wait > 0.02) Atomics.wait(sleeper, 0, 0, wait);
    sentAt[i] = now();
    const fd = d.fds[i % n];
    let at = offsets[i];
    const end = offsets[i + 1];
    while (at < end) {
      try {
        at += writeSync(fd, bytes, at, end - at);
      } catch (err) {
        // The socket's buffer is full (the server is not reading): wait a little, as a blocking client would.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        Atomics.wait(sleeper, 0, 0, 0.05);
      }
    }
  }
}

run(workerData as SenderData);
parentPort?.postMessage('done');
