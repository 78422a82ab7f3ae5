/**
 * Unusable consent records on their way to the DLQ. Every instance reads
 * the whole consents topic, so one of them must send each record: the
 * instance that runs partition number `q mod n` of the calls topic sends the
 * records of consents partition `q`. A Redis mark per consents partition
 * (see ConsentDlqMarks) says below which offset everything was sent, so a
 * restart, which reads the topic again, sends nothing twice.
 *
 * Records are held here until their owner has sent them or the mark has
 * passed them; without Redis they wait (a restart reads them again anyway).
 * No I/O here: the detector moves what {@link ConsentDlq.due} returns.
 */
import type { SourceMessage } from '../kafka/source.ts';

/** One unusable consent record. */
export interface ConsentDlqEntry {
  partition: number;
  message: SourceMessage;
  error: string;
}

/** What one consents partition has to send now, and the mark to store once it is sent. */
export interface ConsentDlqDue {
  partition: number;
  entries: ConsentDlqEntry[];
  /** Everything below this offset is settled once `entries` are on the DLQ. */
  upTo: number;
}

/** Unusable consent records held per consents partition, with how far each partition has been read. */
export class ConsentDlq {
  private readonly held = new Map<number, ConsentDlqEntry[]>();
  private readonly readTo = new Map<number, number>();
  private total = 0;
  /** Records dropped because more than `limit` were held (logged and counted by the caller). */
  dropped = 0;

  constructor(private readonly limit = 100_000) {}

  /** Records held. */
  get size(): number {
    return this.total;
  }

  /** Notes that consents partition `partition` has been read up to `next` (exclusive). */
  read(partition: number, next: number): void {
    if (next > (this.readTo.get(partition) ?? 0)) this.readTo.set(partition, next);
  }

  /** Holds an unusable record (in offset order per partition). */
  add(entry: ConsentDlqEntry): void {
    let list = this.held.get(entry.partition);
    if (!list) this.held.set(entry.partition, (list = []));
    list.push(entry);
    this.total++;
    if (this.total > this.limit) {
      // Keep the newest: the oldest are the likeliest to have been sent by their owner already.
      const [p, l] = [...this.held].reduce((a, b) => (b[1].length > a[1].length ? b : a));
      l.shift();
      if (l.length === 0) this.held.delete(p);
      this.total--;
      this.dropped++;
    }
  }

  /** Consents partitions read so far, with or without held records. */
  partitions(): number[] {
    return [...this.readTo.keys()].sort((a, b) => a - b);
  }

  /** Partitions holding records. */
  heldPartitions(): number[] {
    return [...this.held.keys()];
  }

  /** For an owned partition whose stored mark is `mark`: the records at or above it, and the new mark. */
  due(partition: number, mark: number): ConsentDlqDue {
    const entries = (this.held.get(partition) ?? []).filter((e) => e.message.offset >= mark);
    return { partition, entries, upTo: Math.max(mark, this.readTo.get(partition) ?? 0) };
  }

  /** Forgets the records of `partition` below `upTo` (sent, or settled by another instance's mark). */
  settle(partition: number, upTo: number): void {
    const list = this.held.get(partition);
    if (!list) return;
    const keep = list.filter((e) => e.message.offset >= upTo);
    this.total -= list.length - keep.length;
    if (keep.length === 0) this.held.delete(partition);
    else this.held.set(partition, keep);
  }
}
