/** Writable streams that keep what is written, for in-process CLI tests. */
import { Writable } from 'node:stream';

export interface Captured extends Writable {
  text(): string;
  isTTY?: boolean;
}

/**
 * A stream that collects everything written. With `highWaterMark` and
 * `delayMs` it is a slow consumer that exercises backpressure.
 */
export function capture(opts: { highWaterMark?: number; delayMs?: number } = {}): Captured {
  const chunks: Buffer[] = [];
  const w = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (opts.delayMs) setTimeout(cb, opts.delayMs);
      else cb();
    },
  }) as Captured;
  w.text = () => Buffer.concat(chunks).toString('utf8');
  w.isTTY = false;
  return w;
}
