/**
 * One record dated far ahead of the records on both sides of it in a file (a
 * probe whose clock ran ahead, a typo in a year) would harm every record after
 * it. A call would move the engine's watermark there, and every later call of
 * the file would be late: counted and reported, but judged by nothing. A
 * complaint would hold the merge of the two files (merge.ts) on its time, so
 * that every later complaint waited behind all the calls and was judged on
 * counts long gone. The streaming detector refuses records dated past the wall
 * clock (`MAX_FUTURE_MS`); replay has no wall clock, so it looks at the
 * neighbours instead.
 *
 * A record more than a tolerance (calls: the allowed lateness) ahead of every
 * record before it is held back until the next one: if that one is near it
 * too, the file did move on (a gap in the traffic) and both go on; if the next
 * one is back behind it by more than the tolerance, the held record is the odd
 * one out and is reported as a bad line instead. The first record of a file
 * has nothing before it: it is the odd one out when the next two are both
 * that far behind it (with one, which of the two is wrong cannot be told, and
 * both go on). Only a lone record can be caught this way: two in a row far
 * ahead are taken as the file moving on. The filter runs on each file before
 * the merge, so a skipped record orders nothing.
 */
import type { BadLine, RecordBatch } from '../../shared/contracts/jsonl.ts';

/** What the filter needs to know of one file's records. */
export interface JumpField<T> {
  /** The record's event time, ms. */
  time(r: T): number;
  /** The field's name and the records' noun, for the report: `startTime`, `calls`. */
  field: string;
  noun: string;
}

export class LoneJumpFilter<T> {
  private newest = -Infinity;
  private held: { r: T; lineNo: number } | null = null;
  /** The file's first records, until there are three (then null): see the header. */
  private start: { r: T; lineNo: number }[] | null = [];

  /**
   * @param lateness how far a record may be ahead of its neighbours, ms (calls: the engine's allowed lateness)
   * @param deliver passes a record on
   * @param reject reports a held record as a bad line (why, in words)
   */
  constructor(
    private readonly lateness: number,
    private readonly f: JumpField<T>,
    private readonly deliver: (r: T, lineNo: number) => void,
    private readonly reject: (lineNo: number, message: string) => void,
  ) {}

  push(r: T, lineNo: number): void {
    const start = this.start;
    if (start !== null) {
      start.push({ r, lineNo });
      if (start.length === 3) this.judgeStart(start);
      return;
    }
    const held = this.held;
    if (held !== null) {
      this.held = null;
      const heldAt = this.f.time(held.r);
      const t = this.f.time(r);
      if (t >= heldAt - this.lateness) this.pass(held.r, held.lineNo);
      else this.reject(held.lineNo, this.message(heldAt, t));
    } else if (this.newest !== -Infinity && this.f.time(r) - this.newest > this.lateness) {
      this.held = { r, lineNo };
      return;
    }
    this.pass(r, lineNo);
  }

  /** At the end of the file a held record goes on: nothing after it says it was wrong. */
  finish(): void {
    if (this.start !== null) this.judgeStart(this.start);
    const held = this.held;
    this.held = null;
    if (held !== null) this.pass(held.r, held.lineNo);
  }

  /** The file's first records (three, or all of a shorter file): the first is skipped when the next two are both far behind it. */
  private judgeStart(start: { r: T; lineNo: number }[]): void {
    this.start = null;
    let from = 0;
    if (start.length === 3) {
      const first = this.f.time(start[0].r);
      const [b, c] = [this.f.time(start[1].r), this.f.time(start[2].r)];
      if (b < first - this.lateness && c < first - this.lateness) {
        this.reject(start[0].lineNo, this.message(first, b));
        from = 1;
      }
    }
    for (let i = from; i < start.length; i++) this.push(start[i].r, start[i].lineNo);
  }

  private pass(r: T, lineNo: number): void {
    const t = this.f.time(r);
    if (t > this.newest) this.newest = t;
    this.deliver(r, lineNo);
  }

  private message(t: number, after: number): string {
    const { field, noun } = this.f;
    const iso = (ms: number) => new Date(ms).toISOString();
    const before = this.newest === -Infinity ? `the first of the file` : `far ahead of the ${noun} before it (newest ${iso(this.newest)})`;
    return `${field} ${iso(t)} is ${before} and far ahead of the ${noun} after it (${iso(after)}): skipped as a clock error, so that the ${noun} after it are not harmed by it`;
  }
}

/**
 * The batches of one file with its lone jumps taken out: a skipped record becomes a bad line of the batch in
 * which it was found out (the next record's), and a held record goes on in the batch of the record that decided it.
 */
export async function* withoutLoneJumps<T>(batches: AsyncIterable<RecordBatch<T>>, lateness: number, f: JumpField<T>): AsyncGenerator<RecordBatch<T>> {
  let records: T[] = [];
  let lineNos: number[] = [];
  let bad: BadLine[] = [];
  const filter = new LoneJumpFilter<T>(
    lateness,
    f,
    (r, lineNo) => {
      records.push(r);
      lineNos.push(lineNo);
    },
    (lineNo, error) => bad.push({ lineNo, error }),
  );
  let bytesRead = 0;
  for await (const batch of batches) {
    bytesRead = batch.bytesRead;
    for (const b of batch.bad) bad.push(b);
    for (let i = 0; i < batch.records.length; i++) filter.push(batch.records[i], batch.lineNos[i]);
    yield { records, lineNos, bad, bytesRead };
    records = [];
    lineNos = [];
    bad = [];
  }
  filter.finish();
  if (records.length > 0) yield { records, lineNos, bad, bytesRead };
}
