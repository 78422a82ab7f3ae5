/**
 * A pull cursor over a batched record stream: the current batch is exposed
 * for tight synchronous loops, and the next one is awaited only when it is
 * used up (one await per chunk of a file, not per record).
 */
import type { RecordBatch } from '../../shared/contracts/jsonl.ts';

export class RecordCursor<T> {
  /** Records of the current batch; valid from `pos` on. */
  records: T[] = [];
  /** Line numbers parallel to `records`. */
  lineNos: number[] = [];
  /** Index of the next unread record in `records`. */
  pos = 0;
  /** Bytes of the file consumed so far. */
  bytesRead = 0;
  private ended = false;

  /**
   * @param source the batches (from `readJsonl`)
   * @param onBatch sees every batch as it is read (for bad-line reporting)
   */
  constructor(
    private readonly source: AsyncIterator<RecordBatch<T>>,
    private readonly onBatch: (batch: RecordBatch<T>) => void,
  ) {}

  /** True while the current batch has unread records. */
  get ready(): boolean {
    return this.pos < this.records.length;
  }

  /** The next unread record (only when `ready`). */
  head(): T {
    return this.records[this.pos];
  }

  /**
   * Makes a record available unless the stream has ended: reads batches
   * until one has records. Resolves to false at the end of the stream.
   */
  async fill(): Promise<boolean> {
    while (!this.ready) {
      if (this.ended) return false;
      const r = await this.source.next();
      if (r.done) {
        this.ended = true;
        this.records = [];
        this.lineNos = [];
        this.pos = 0;
        return false;
      }
      this.records = r.value.records;
      this.lineNos = r.value.lineNos;
      this.pos = 0;
      this.bytesRead = r.value.bytesRead;
      this.onBatch(r.value);
    }
    return true;
  }

  /** Stops the underlying reader early (closes its file). */
  async close(): Promise<void> {
    this.ended = true;
    await this.source.return?.(undefined);
  }
}
