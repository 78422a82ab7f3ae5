/**
 * What the detector needs from a Kafka client, so that kafkajs can be
 * replaced without touching the pipeline: a consumer-group source of record
 * batches with manual commits, pause/resume and seek; a reader of a whole
 * topic outside any group (consents); and a sink that produces.
 */
import type { Observable } from 'rxjs';

/** One record as consumed. Offsets are numbers (exact below 2^53). */
export interface SourceMessage {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** A run of records of one topic partition, in offset order. */
export interface SourceBatch {
  topic: string;
  partition: number;
  messages: SourceMessage[];
  /** The partition's end offset when the batch was fetched. */
  highWatermark: number;
  /** The offset the fetch asked for. */
  fetchedOffset: number;
  /** Last offset the fetch covered, control records and filtered records included (fetchedOffset - 1 when none). */
  lastOffset: number;
  /** True while a seek of the partition made after this fetch is still to be applied: the batch is from the position before it. */
  stale?: () => boolean;
}

/** What a group source emits; the consumer waits for `done` before handing over more. */
export type SourceEvent =
  | { type: 'batch'; batch: SourceBatch; done: () => void }
  /** The group (re)assigned partitions: topic → partition ids. Every assigned partition starts paused. */
  | { type: 'assigned'; assignment: Record<string, number[]>; done: () => void }
  /** The client failed; `restart`: it reconnects by itself (false: it has given up and delivers nothing more). */
  | { type: 'crashed'; error: string; restart: boolean; done: () => void };

/** A topic partition and an offset (the next one to read, for commits and seeks). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * A commit the group refused because the partitions are no longer this member's to commit: the group moved on
 * to a new generation (a rebalance under way or done without this member). Kafka refuses such commits by design,
 * so that a member the group has left behind cannot move offsets of partitions another member now reads.
 */
export class CommitRefusedByGroup extends Error {
  override readonly name = 'CommitRefusedByGroup';
}

/** A consumer-group source with manual offset management. */
export interface GroupSource {
  /** Batches and assignments, in the order they happen; subscribe before {@link start}. */
  readonly events$: Observable<SourceEvent>;
  start(): Promise<void>;
  pause(topic: string, partitions: number[]): void;
  resume(topic: string, partitions: number[]): void;
  /** Next fetch of the partition starts at `offset`. */
  seek(topic: string, partition: number, offset: number): void;
  /** Commits "next offset to read" per partition for the group; rejects with {@link CommitRefusedByGroup} when the group has moved on. */
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** The group's committed offsets of `topic` (null where none). */
  committed(topic: string): Promise<Map<number, number | null>>;
  /** Earliest and end offsets of every partition of `topic`. */
  offsets(topic: string): Promise<Map<number, { low: number; high: number }>>;
  /** How many partitions `topic` has (0 when it does not exist). */
  partitionCount(topic: string): Promise<number>;
  /** Wall-clock ms of the last fetch response from a broker (0 before the first): the consumer is alive and fetching. */
  lastFetchAt(): number;
  stop(): Promise<void>;
}

/** Reads a whole topic from the beginning, outside any group, then follows it. */
export interface TopicReader {
  /** Batches in offset order per partition. */
  readonly batches$: Observable<SourceBatch>;
  /** Resolves once every partition has been read up to its end offset at start; rejects if the reader fails for good first. */
  readonly caughtUp: Promise<void>;
  /**
   * Resolves (never rejects) with the error once the reader has failed for good (a crash its client does not
   * restart from), before or after caught up: from then on no record is delivered.
   */
  readonly failed: Promise<Error>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Reads a stretch of a topic outside any group. */
export interface TopicScanner {
  /** Calls `each` for every record of `topic` written at or after `sinceMs` (broker timestamps), up to the current end. */
  scan(topic: string, sinceMs: number, each: (m: SourceMessage) => void): Promise<void>;
}

/** A record to produce. */
export interface OutMessage {
  topic: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
}

/** A producer; `send` resolves once every message is durably acknowledged. */
export interface Sink {
  /**
   * Puts `messages` on their topics, in order. Callers retry a failed send
   * with the same array: an implementation that splits a send into several
   * requests goes on after the ones already acknowledged.
   */
  send(messages: OutMessage[]): Promise<void>;
  close(): Promise<void>;
}
