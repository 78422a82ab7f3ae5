/** Progress lines of the stack commands, on stderr (stdout carries the summary). */
const started = Date.now();

/** Writes one progress line to stderr, prefixed with the seconds since the command started. */
export function progress(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[stack ${s}s] ${message}\n`);
}

/** An error the stack commands report as a single clear line, without a stack trace. */
export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}
