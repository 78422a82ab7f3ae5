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
 *
 * A send that failed is retried with the same {@link ConsentDlqDue} (the
 * same records, and the same messages array, which the sink keys its
 * progress by): a send split over several requests goes on after those the
 * broker acknowledged instead of putting them on the DLQ again. Records
 * read meanwhile wait for the next send.
 */
import type { OutMessage, SourceMessage } from '../kafka/source.ts';

/** One unusable consent record. */
export interface ConsentDlqEntry {
  partition: number;
  message: SourceMessage;
  error: string;
}

/** What one consents partition has to send now, and the mark to store once it is sent. */
export interface ConsentDlqDue {
  partition: number;
  /** The stored mark this send was built on (the records at or above it). */
  from: number;
  entries: ConsentDlqEntry[];
  /** Everything below this offset is settled once `entries` are on the DLQ. */
  upTo: number;
  /** The DLQ messages of `entries`, built once by the sender and resent as this very array by every retry. */
  messages?: OutMessage[];
  /** Set once the sink has taken all of `messages`: only the mark is left to store (a retry must not send them again). */
  sent?: boolean;
}

/** Unusable consent records held per consents partition, with how far each partition has been read. */
export class ConsentDlq {
  private readonly held = new Map<number, ConsentDlqEntry[]>();
  private readonly readTo = new Map<number, number>();
  /** Per partition, the send begun and not yet settled by its mark. */
  private readonly open = new Map<number, ConsentDlqDue>();
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

  /** Holds an unusable record (in offset order per partition); one below the partition's read position was read before (a reader that went back) and is not held twice. */
  add(entry: ConsentDlqEntry): void {
    if (entry.message.offset < (this.readTo.get(entry.partition) ?? 0)) return;
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

  /**
   * For an owned partition whose stored mark is `mark`: the records at or
   * above it, and the new mark. While a send begun on the same mark is not
   * settled (it failed, or its mark was not stored), that same object is
   * returned again, so the retry sends the same array and the sink goes on
   * where it stopped; records read since then come with the next one. A mark
   * moved by someone else (another owner) starts a new send from it.
   */
  due(partition: number, mark: number): ConsentDlqDue {
    const open = this.open.get(partition);
    if (open && open.from === mark) return open;
    this.open.delete(partition);
    const entries = (this.held.get(partition) ?? []).filter((e) => e.message.offset >= mark);
    const due: ConsentDlqDue = { partition, from: mark, entries, upTo: Math.max(mark, this.readTo.get(partition) ?? 0) };
    if (entries.length > 0) this.open.set(partition, due);
    return due;
  }

  /** True while `due` is its partition's send begun and not settled (its retry is still this send). */
  isOpen(due: ConsentDlqDue): boolean {
    return this.open.get(due.partition) === due;
  }

  /** Forgets the records of `partition` below `upTo` (sent, or settled by another instance's mark), and a send they settle. */
  settle(partition: number, upTo: number): void {
    const open = this.open.get(partition);
    if (open && open.upTo <= upTo) this.open.delete(partition);
    const list = this.held.get(partition);
    if (!list) return;
    const keep = list.filter((e) => e.message.offset >= upTo);
    this.total -= list.length - keep.length;
    if (keep.length === 0) this.held.delete(partition);
    else this.held.set(partition, keep);
  }
}
