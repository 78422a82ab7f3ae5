/**
 * {@link GroupSource}, {@link TopicReader} and {@link TopicScanner} over kafkajs (the {@link Sink} is in kafkajs-sink.ts).
 *
 * Group source: autoCommit off (the pipeline commits after its outputs are
 * durable), the co-partitioned assigner, one batch at a time; every
 * partition is paused the moment the group assigns it, so that nothing is
 * fetched before the pipeline has restored state and sought to its
 * position.
 *
 * No consumer here creates a topic (kafkajs consumers do by default, when
 * the broker allows it). A topic deleted under a running detector would
 * otherwise come back empty with the broker's defaults: the consents topic
 * without its compaction, so that every detector started afterwards reads
 * no consents and flags consented call centres. Without auto-creation the
 * running consumer retries, logging that the topic is gone, and a new start
 * fails on the missing topic, naming it.
 */
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { logLevel as LogLevel, type Admin, type Batch, type Consumer, type Kafka, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka, partitionCount } from '../../../shared/kafka/index.ts';
import { CoPartitionedAssigner } from './assigner.ts';
import { CommitRefusedByGroup, type GroupSource, type PartitionOffset, type SourceBatch, type SourceEvent, type SourceMessage, type TopicReader, type TopicScanner } from './source.ts';

/** A kafkajs client whose log goes to `log` (pino). */
export function kafkaClient(brokers: string[], clientId: string, log: Logger, extra: { requestTimeout?: number } = {}): Kafka {
  return createKafka({
    clientId,
    brokers,
    logLevel: LogLevel.WARN,
    config: {
      ...extra,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...rest } = entry.log;
        const fields = { kafkajs: entry.namespace, ...rest };
        if (entry.level <= LogLevel.ERROR) log.error(fields, message);
        else log.warn(fields, message);
      },
    },
  });
}

function toBatch(b: Batch, stale?: () => boolean): SourceBatch {
  return {
    stale,
    topic: b.topic,
    partition: b.partition,
    highWatermark: Number(b.highWatermark),
    fetchedOffset: Number((b as unknown as { fetchedOffset: string }).fetchedOffset),
    lastOffset: Number(b.lastOffset()),
    messages: b.messages.map((m) => ({ offset: Number(m.offset), key: m.key, value: m.value })),
  };
}

/**
 * The group coordinator's answers that mean "this member's generation is over" (Kafka protocol error codes 22,
 * 25, 27, 82). kafkajs gives them as a protocol error's `type`, possibly under a retry error's `originalError`
 * or a `cause`.
 */
const GROUP_MOVED = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

/** Whether `e` (or an error it wraps) is the coordinator refusing this member's generation. */
export function groupMoved(e: unknown): boolean {
  for (let err = e, depth = 0; err && typeof err === 'object' && depth < 5; depth++) {
    const x = err as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof x.type === 'string' && GROUP_MOVED.has(x.type)) return true;
    err = x.originalError ?? x.cause;
  }
  return false;
}

/** Options of {@link KafkajsGroupSource}. */
export interface KafkajsGroupSourceOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /** Largest fetch per partition (bytes; default 2 MiB). */
  maxBytesPerPartition?: number;
}

/** Consumer-group source over kafkajs. */
export class KafkajsGroupSource implements GroupSource {
  private readonly subject = new Subject<SourceEvent>();
  readonly events$ = this.subject.asObservable();
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private fetchedAt = 0;
  /** The `done` of batches handed over and not yet released (kafkajs waits for them before it can leave the group). */
  private readonly inFlight = new Set<() => void>();
  /**
   * Between a crash kafkajs restarts from and the group join that follows: kafkajs's new runner is not running yet,
   * and its commitOffsets then returns without committing anything (runner.js, "consumer not running").
   */
  private rejoining = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: KafkajsGroupSourceOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      allowAutoTopicCreation: false, // never creates a topic: see the module comment
      partitionAssigners: [CoPartitionedAssigner],
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 2 << 20,
      maxBytes: 16 << 20,
      maxWaitTimeInMs: 100,
    });
    this.admin = kafka.admin();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.rejoining = false;
      const assignment = payload.memberAssignment as Record<string, number[]>;
      for (const [topic, partitions] of Object.entries(assignment)) if (partitions.length > 0) this.consumer.pause([{ topic, partitions }]);
      this.subject.next({ type: 'assigned', assignment, done: () => {} });
    });
    this.consumer.on(this.consumer.events.FETCH, () => {
      this.fetchedAt = Date.now();
    });
    // A lost broker makes kafkajs crash the consumer and restart it (retriable errors); it rejoins the group and
    // the pipeline seeks every partition back to its own position. A crash it will not restart from is reported.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) this.rejoining = true;
      this.subject.next({ type: 'crashed', error: payload.error?.message ?? String(payload.error), restart: payload.restart, done: () => {} });
    });
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    for (const topic of this.opts.topics) await this.consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatchAutoResolve: true,
      eachBatch: async (payload) => {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.inFlight.delete(done);
            resolve();
          };
          this.inFlight.add(done);
          this.subject.next({ type: 'batch', batch: toBatch(payload.batch, () => payload.isStale()), done });
        });
      },
    });
  }

  pause(topic: string, partitions: number[]): void {
    if (partitions.length > 0) this.consumer.pause([{ topic, partitions }]);
  }

  resume(topic: string, partitions: number[]): void {
    if (partitions.length > 0) this.consumer.resume([{ topic, partitions }]);
  }

  seek(topic: string, partition: number, offset: number): void {
    this.consumer.seek({ topic, partition, offset: String(offset) });
  }

  async commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    // kafkajs would resolve without committing: say so. The generation the offsets were read under is over (the
    // restarted consumer joins afresh), as when the coordinator refuses a commit.
    if (this.rejoining) throw new CommitRefusedByGroup('the consumer is rejoining its group after a crash: nothing can be committed until it has');
    try {
      await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (e) {
      throw groupMoved(e) ? new CommitRefusedByGroup((e as Error).message, { cause: e }) : e;
    }
  }

  async committed(topic: string): Promise<Map<number, number | null>> {
    const res = await this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [topic] });
    const out = new Map<number, number | null>();
    for (const t of res) for (const p of t.partitions) out.set(p.partition, Number(p.offset) >= 0 ? Number(p.offset) : null);
    return out;
  }

  async offsets(topic: string): Promise<Map<number, { low: number; high: number }>> {
    const res = await this.admin.fetchTopicOffsets(topic);
    return new Map(res.map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]));
  }

  lastFetchAt(): number {
    return this.fetchedAt;
  }

  partitionCount(topic: string): Promise<number> {
    return partitionCount(this.admin, topic);
  }

  /**
   * Leaves the group and closes. A batch still handed over is released first: a pipeline that stopped without
   * handling it (nothing of it is committed) would otherwise hold kafkajs's disconnect, which waits for the
   * batch in progress before it sends LeaveGroup.
   */
  async stop(): Promise<void> {
    for (const done of [...this.inFlight]) done();
    await this.consumer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    this.subject.complete();
  }
}

/**
 * Reads a whole topic from the beginning with a throw-away group that never
 * commits (kafkajs has no group-less consumer), then follows it; the group
 * is deleted on stop.
 *
 * A rejoin of that group (session timeout, broker restart, coordinator
 * move, another member) makes kafkajs build its offsets afresh from the
 * group's committed offsets, and with none from the beginning: every record
 * would be read and delivered again (a long stall on a large topic). So the
 * reader keeps, per partition, the offset after the last record it
 * delivered and, on every group join, seeks each assigned partition it has
 * delivered from to there (kafkajs applies a seek made in the GROUP_JOIN
 * handler before the new generation's first fetch; without autoCommit a
 * seek only moves the fetch position, nothing is committed). Records below
 * that position that still arrive are dropped (counted in {@link refetched}),
 * so none is delivered twice whatever kafkajs does.
 */
export class KafkajsTopicReader implements TopicReader {
  private readonly subject = new Subject<SourceBatch>();
  readonly batches$ = this.subject.asObservable();
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** The throw-away group's id. */
  readonly groupId: string;
  private readonly ends = new Map<number, number>();
  /** Per partition, the offset after the last record delivered: where a rejoin resumes. */
  private readonly next = new Map<number, number>();
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (e: Error) => void;
  /** Resolves once every record below the end offsets at start was delivered; rejects if the consumer fails for good first. */
  readonly caughtUp = new Promise<void>((resolve, reject) => {
    this.resolveCaughtUp = resolve;
    this.rejectCaughtUp = reject;
  });
  private failWith!: (e: Error) => void;
  /** Resolves (never rejects) with the error once the consumer has crashed and kafkajs will not restart it. */
  readonly failed = new Promise<Error>((resolve) => (this.failWith = resolve));
  /** Group joins so far (the first at start; each later one is a rejoin). */
  joins = 0;
  /** Records fetched again below the delivered position and dropped (0 while every rejoin resumes where delivery stopped). */
  refetched = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    groupPrefix: string,
  ) {
    this.groupId = `${groupPrefix}-reader-${randomUUID()}`;
    this.consumer = kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, sessionTimeout: 30_000 }); // never creates a topic: see the module comment
    this.admin = kafka.admin();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joins++;
      for (const partition of (payload.memberAssignment as Record<string, number[]>)[this.topic] ?? []) {
        const offset = this.next.get(partition);
        if (offset !== undefined) this.consumer.seek({ topic: this.topic, partition, offset: String(offset) });
      }
    });
    // Caught up is judged on every fetched batch's last offset, markers included, not on the last record delivered:
    // a transactional upstream ends its partitions with commit/abort markers (offsets that are never records), and a
    // batch of only markers or aborted records never reaches eachBatch. kafkajs still reports it here.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === this.topic) this.reached(payload.partition, Number(payload.lastOffset));
    });
    // A crash kafkajs does not restart from (a non-retriable error) ends the reading for good: before caught up it
    // fails the start (which would otherwise wait for caughtUp forever); at any time it resolves `failed`, which the
    // detector watches after the start (consents no longer kept current, see pipeline/detector.ts).
    this.caughtUp.catch(() => {}); // observed by the start; never an unhandled rejection
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      const error = new Error(`${this.topic} reader failed and will not restart: ${payload.error?.message ?? String(payload.error)}`);
      this.rejectCaughtUp(error);
      this.failWith(error);
    });
  }

  async start(): Promise<void> {
    await this.admin.connect();
    for (const p of await this.admin.fetchTopicOffsets(this.topic)) {
      if (Number(p.high) > Number(p.low)) this.ends.set(p.partition, Number(p.high));
    }
    if (this.ends.size === 0) this.resolveCaughtUp();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const b = this.undelivered(toBatch(batch));
        if (b === null) return;
        this.subject.next(b);
        this.next.set(b.partition, Math.max(this.next.get(b.partition) ?? 0, b.lastOffset + 1));
      },
    });
  }

  /** A batch of `partition` up to `lastOffset` was fetched (and its records delivered): caught up at its end? */
  private reached(partition: number, lastOffset: number): void {
    const end = this.ends.get(partition);
    if (end !== undefined && lastOffset + 1 >= end) {
      this.ends.delete(partition);
      if (this.ends.size === 0) this.resolveCaughtUp();
    }
  }

  /** The batch without the records already delivered (null when nothing is left). */
  private undelivered(b: SourceBatch): SourceBatch | null {
    const from = this.next.get(b.partition);
    if (from === undefined || (b.messages[0]?.offset ?? from) >= from) return b;
    const messages = b.messages.filter((m) => m.offset >= from);
    this.refetched += b.messages.length - messages.length;
    return messages.length === 0 ? null : { ...b, messages };
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => {});
    await this.admin.deleteGroups([this.groupId]).catch(() => {});
    await this.admin.disconnect().catch(() => {});
    this.subject.complete();
  }
}

/** {@link TopicScanner} with a throw-away group that seeks by timestamp and never commits. */
export class KafkajsTopicScanner implements TopicScanner {
  constructor(
    private readonly kafka: Kafka,
    private readonly groupPrefix: string,
    private readonly timeoutMs = 60_000,
  ) {}

  async scan(topic: string, sinceMs: number, each: (m: SourceMessage) => void): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `${this.groupPrefix}-scan-${randomUUID()}`;
    try {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
      const starts = await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, sinceMs));
      const todo = new Map<number, number>();
      for (const s of starts) {
        const from = Number(s.offset);
        const end = ends.get(s.partition) ?? 0;
        if (from >= 0 && from < end) todo.set(s.partition, end);
      }
      if (todo.size === 0) return;
      const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 }); // never creates a topic: see the module comment
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: false });
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`scan of ${topic} did not reach its end in ${this.timeoutMs} ms`)), this.timeoutMs);
          consumer.on(consumer.events.GROUP_JOIN, () => {
            for (const s of starts) if (todo.has(s.partition)) consumer.seek({ topic, partition: s.partition, offset: s.offset });
          });
          void consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = todo.get(batch.partition);
              if (end === undefined) return;
              for (const m of batch.messages) each({ offset: Number(m.offset), key: m.key, value: m.value });
              if (Number(batch.lastOffset()) + 1 >= end) {
                todo.delete(batch.partition);
                if (todo.size === 0) resolve();
              }
            },
          }).catch(reject);
        }).finally(() => clearTimeout(timer));
      } finally {
        await consumer.disconnect().catch(() => {});
      }
    } finally {
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }
}
