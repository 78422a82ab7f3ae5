/**
 * Reports unusable input lines on stderr as `<file>:<lineNo>: <error>`, the
 * way compilers do, so editors can jump to them. Only the first `limit` are
 * printed (a broken file must not flood the terminal); all are counted.
 */
import type { Writable } from 'node:stream';

export class LineDiagnostics {
  /** Lines reported, printed or not. */
  reported = 0;
  private printed = 0;

  constructor(
    private readonly err: Writable,
    private readonly limit = 100,
  ) {}

  /** Reports one line of `file`. */
  report(file: string, lineNo: number, message: string): void {
    this.reported++;
    if (this.printed >= this.limit) return;
    this.printed++;
    this.err.write(`${file}:${lineNo}: ${message}\n`);
  }

  /** Prints how many reports were held back, if any. */
  finish(): void {
    const hidden = this.reported - this.printed;
    if (hidden > 0) this.err.write(`… ${hidden} more line report${hidden === 1 ? '' : 's'} not shown (first ${this.limit} printed)\n`);
  }
}
