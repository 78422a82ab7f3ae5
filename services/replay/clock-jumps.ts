/**
 * One call dated far ahead of the calls on both sides of it in a file (a
 * probe whose clock ran ahead, a typo in a year) would move the engine's
 * watermark there, and every later call of the file would be late: counted
 * and reported, but judged by nothing. The streaming detector refuses calls
 * dated past the wall clock (`MAX_FUTURE_MS`); replay has no wall clock, so
 * it looks at the neighbours instead. A call more than the allowed lateness
 * ahead of every call before it is held back until the next call: if that
 * one is near it too, the file did move on (a gap in the traffic) and both
 * go on; if the next one is back behind it by more than the lateness, the
 * held call is the odd one out and is reported as a bad line instead of
 * making the rest of the file late. Only a lone call can be caught this way:
 * two in a row far ahead are taken as the file moving on.
 */
import type { CallEvent } from '../../shared/contracts/records.ts';

export class LoneJumpFilter {
  private newest = -Infinity;
  private held: { e: CallEvent; lineNo: number } | null = null;

  /**
   * @param lateness the engine's allowed lateness, ms
   * @param deliver passes a call on to the engine
   * @param reject reports a held call as a bad line (why, in words)
   */
  constructor(
    private readonly lateness: number,
    private readonly deliver: (e: CallEvent, lineNo: number) => void,
    private readonly reject: (lineNo: number, message: string) => void,
  ) {}

  push(e: CallEvent, lineNo: number): void {
    const held = this.held;
    if (held !== null) {
      this.held = null;
      if (e.startTime >= held.e.startTime - this.lateness) this.pass(held.e, held.lineNo);
      else this.reject(held.lineNo, message(held.e.startTime, this.newest, e.startTime));
    } else if (this.newest !== -Infinity && e.startTime - this.newest > this.lateness) {
      this.held = { e, lineNo };
      return;
    }
    this.pass(e, lineNo);
  }

  /** At the end of the file a held call goes on: nothing after it says it was wrong. */
  finish(): void {
    const held = this.held;
    this.held = null;
    if (held !== null) this.pass(held.e, held.lineNo);
  }

  private pass(e: CallEvent, lineNo: number): void {
    if (e.startTime > this.newest) this.newest = e.startTime;
    this.deliver(e, lineNo);
  }
}

function message(t: number, before: number, after: number): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return `startTime ${iso(t)} is far ahead of the calls before it (newest ${iso(before)}) and after it (${iso(after)}): skipped as a clock error, so that the calls after it are not late`;
}
