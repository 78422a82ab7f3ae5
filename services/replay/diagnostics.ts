/**
 * Reports input lines on stderr as `<file>:<lineNo>: <error>`, the way
 * compilers do, so editors can jump to them.
 *
 * An unusable (malformed) line is always reported: the contract says each
 * one is reported with its line number, and a tool collecting them from
 * stderr must not miss any. The reports of one batch go out in one write.
 * Late events (behind the watermark) are not malformed and an unsorted file
 * can have millions of them, so only the first `limit` of those are
 * printed; all are counted.
 *
 * Reports are handed to a print function rather than written to stderr
 * directly: replay gives it its progress reporter's log(), which keeps
 * them off the line of a progress bar on a terminal.
 */

/** An unusable line and why. */
export interface LineReport {
  lineNo: number;
  error: string;
}

export class LineDiagnostics {
  /** Unusable lines reported (all printed). */
  bad = 0;
  /** Late events reported, printed or not. */
  reported = 0;
  private printed = 0;

  constructor(
    /** Writes whole lines to stderr (replay: the progress reporter's log). */
    private readonly print: (text: string) => void,
    private readonly limit = 100,
  ) {}

  /** Reports unusable lines of `file`, every one of them. */
  badLines(file: string, lines: readonly LineReport[]): void {
    if (lines.length === 0) return;
    let text = '';
    for (const l of lines) text += `${file}:${l.lineNo}: ${l.error}\n`;
    this.bad += lines.length;
    this.print(text);
  }

  /** Reports one late event of `file`; printed while fewer than `limit` were. */
  report(file: string, lineNo: number, message: string): void {
    this.reported++;
    if (this.printed >= this.limit) return;
    this.printed++;
    this.print(`${file}:${lineNo}: ${message}\n`);
  }

  /** Prints how many late-event reports were held back, if any. */
  finish(): void {
    const hidden = this.reported - this.printed;
    if (hidden > 0) this.print(`… ${hidden} more late-event report${hidden === 1 ? '' : 's'} not shown (first ${this.limit} printed)\n`);
  }
}
