/**
 * Buffered JSON Lines output of flags that respects backpressure: lines are
 * gathered into chunks of about 64 KiB, and when the stream's buffer is full
 * the caller awaits 'drain' before producing more. A closed pipe (EPIPE,
 * e.g. `| head`) stops the output instead of crashing; any other write error
 * (ENOSPC, EIO, EBADF …) also stops it, and is kept in `failed` so that the
 * run can report it and exit non-zero (the flags on stdout are incomplete).
 */
import type { Writable } from 'node:stream';
import type { FlagEvent } from '../../shared/contracts/records.ts';

const CHUNK = 64 * 1024;

export class FlagWriter {
  /** Flags written (or buffered) so far. */
  count = 0;
  /** Set when the output stream failed or was closed by the reader. */
  closed: Error | null = null;

  /** The write error when it is not the reader going away (EPIPE): flags were lost, the run must fail. */
  get failed(): Error | null {
    return this.closed && !readerGone(this.closed) ? this.closed : null;
  }
  private buffer = '';
  private blocked = false;

  /**
   * `beforeWrite` runs before each chunk is written (replay: take the
   * progress bar off its line when stdout is the same terminal as stderr).
   */
  constructor(
    private readonly out: Writable,
    private readonly beforeWrite?: () => void,
  ) {
    out.on('error', (e: Error) => {
      this.closed = e;
    });
  }

  /** Adds flags to the buffer; writes a chunk when it is big enough. */
  add(flags: readonly FlagEvent[]): void {
    if (this.closed) return;
    for (let i = 0; i < flags.length; i++) this.buffer += JSON.stringify(flags[i]) + '\n';
    this.count += flags.length;
    if (this.buffer.length >= CHUNK) this.writeBuffer();
  }

  /** Resolves when the stream can take more (immediately unless it signalled backpressure). */
  ready(): Promise<void> | undefined {
    if (!this.blocked || this.closed) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('error', done);
        this.out.off('close', done);
        this.blocked = false;
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done);
      this.out.on('close', done);
    });
  }

  /** Writes what is buffered and resolves once the stream has accepted it. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) this.writeBuffer();
    await this.ready();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      // An empty write's callback runs after everything written before it. A
      // failed write calls it with the error before 'error' is emitted (next
      // tick), so the error is taken from here too, else it would go unseen.
      this.out.write('', (e?: Error | null) => {
        if (e && !this.closed) this.closed = this.out.errored ?? e;
        resolve();
      });
    });
  }

  private writeBuffer(): void {
    const chunk = this.buffer;
    this.buffer = '';
    if (this.closed) return;
    this.beforeWrite?.();
    if (!this.out.write(chunk)) this.blocked = true;
  }
}

/** The reader closed the pipe (e.g. `| head`): stopping early is expected, not a failure. */
export function readerGone(e: Error): boolean {
  return (e as NodeJS.ErrnoException).code === 'EPIPE';
}
