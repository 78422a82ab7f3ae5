/**
 * The detector pipeline: consumed batches, consent records, control
 * changes and a 100 ms tick merged into one RxJS stream and handled one at
 * a time (concatMap), so per-partition state is only ever touched in one
 * order. Per-number state lives in the engines, one per assigned partition
 * number; RxJS only moves batches and timers.
 *
 * Checkpoints run beside the stream (one at a time): every `flushMs` the
 * tasks' outputs are cut and made durable, then offsets are committed (see
 * checkpoint.ts). When outputs or held inputs exceed `maxPending`, every
 * partition is paused until a checkpoint drains them (backpressure).
 */
import { Subject, concatMap, defer, interval, map, merge, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { EngineConfig } from '../../../shared/config/index.ts';
import type { ConsentRecord } from '../../../shared/contracts/records.ts';
import { parseConsent } from '../../../shared/contracts/validate.ts';
import { CampaignGroups, createEngine, restoreEngine } from '../../../shared/engine/index.ts';
import type { DetectorConfig } from '../config.ts';
import type { Control, ControlEvent } from '../control/poller.ts';
import { RegistryUnavailableError, type AvroCodec } from '../kafka/codec.ts';
import { partitionOf } from '../kafka/partitioner.ts';
import type { GroupSource, Sink, SourceBatch, SourceEvent, SourceMessage, TopicReader, TopicScanner } from '../kafka/source.ts';
import type { DetectorMetrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/http.ts';
import type { RowWriter } from '../sinks/clickhouse-writer.ts';
import type { RedisHandle } from '../state/redis.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import type { ConsentDlqMarks, EmittedMarks, FlagDedup, SnapshotStore } from '../state/stores.ts';
import type { OwnerFence } from '../state/owner-fence.ts';
import { ConsentDlq } from './consent-dlq.ts';
import { classifyClickHouseError } from '../sinks/clickhouse-errors.ts';
import { runCheckpoint, type CheckpointDeps } from './checkpoint.ts';
import { FlagLane } from './flag-lane.ts';
import { decodeCalls, decodeComplaints } from './input.ts';
import { PartitionTask, type TaskEngine, type TaskStats } from './partition-task.ts';
import { retry } from './retry.ts';
import type { Side } from './merge.ts';
import type { FlagEvent } from '../../../shared/contracts/records.ts';

/** Everything the pipeline is wired to (main.ts builds these). */
export interface DetectorDeps {
  config: DetectorConfig;
  source: GroupSource;
  consents: TopicReader;
  /** Reads the flags topic back to settle flags a dead owner left pending. */
  scanner: TopicScanner;
  codec: AvroCodec;
  sink: Sink;
  writer: RowWriter;
  redis: RedisHandle;
  snapshots: SnapshotStore;
  marks: EmittedMarks;
  /** How far unusable consent records have been sent to the DLQ, per consents partition. */
  consentDlqMarks: ConsentDlqMarks;
  dedup: FlagDedup;
  /** Ownership generations per calls partition (see state/owner-fence.ts). */
  fence: OwnerFence;
  control: Control;
  encodeFlag: (f: FlagEvent) => Buffer;
  metrics: DetectorMetrics;
  log: Logger;
}

type WorkItem =
  | { k: 'source'; e: SourceEvent }
  | { k: 'consents'; b: SourceBatch }
  | { k: 'control'; c: ControlEvent }
  | { k: 'tick' }
  /** The broker's end offset of one stream of a partition whose merge waits for it. */
  | { k: 'end'; partition: number; side: Side; high: number }
  | { k: 'barrier'; resolve: () => void };

const TICK_MS = 100;
/** A consumer without a fetch response for this long is not known to be caught up (kafkajs answers every maxWaitTime, 100 ms, when idle). */
const FETCH_FRESH_MS = 2_000;

/** The streaming detector. */
export class Detector {
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly consentMap = new Map<string, ConsentRecord>();
  private readonly consentDlq = new ConsentDlq();
  private readonly allowlist = new Set<string>();
  private readonly barrier$ = new Subject<WorkItem>();
  private readonly lastStats = new Map<number, TaskStats>();
  private readonly lastSnapshotAt = new Map<number, number>();
  /** Partitions with a snapshot stored since this instance took them over. */
  private readonly snapshotStored = new Set<number>();
  private readonly active = new Set<number>();
  /** Owner generation per partition held (undefined: taken while Redis was away, writes unfenced). */
  private readonly gens = new Map<number, number | undefined>();
  /** When this instance took each partition it holds (ms). */
  private readonly acquiredAt = new Map<number, number>();
  /** Partitions whose fence refused a write since this instance took them, with when that was first seen. */
  private readonly fenced = new Map<number, number>();
  /** Partition sides paused because their merge queue is long (waiting for the other stream). */
  private readonly sidePaused = new Map<number, [boolean, boolean]>();
  /** What the source was last told, per `topic/partition`: true = paused. */
  private readonly pausedNow = new Map<string, boolean>();
  /** When the end offset of a waited-for stream was last asked of the broker, per `partition/side`. */
  private readonly endChecks = new Map<string, number>();
  private engineConfig: EngineConfig;
  private partitions = 0;
  private status: Readiness['status'] = 'starting';
  private assigned = false;
  private consentsCaughtUp = false;
  private sub: Subscription | null = null;
  private checkpoint: Promise<void> | null = null;
  /** Set while ClickHouse refuses rows with a permanent error. */
  private chBlocked: { since: number; code: number | null; message: string } | null = null;
  private lastCheckpointAt = 0;
  private paused = false;
  private stopping = false;
  /** The start sequence while it runs (a stop waits for it, so nothing joins the group after a stop). */
  private starting: Promise<void> | null = null;
  private statsAt = 0;
  private readonly abort = new AbortController();
  private readonly log: Logger;

  /**
   * Campaign groups shared by this process's partition engines: calls are
   * keyed by caller, so the numbers of one block land on different
   * partitions, and a campaign is only visible when their groups are one.
   */
  private readonly campaignGroups = new CampaignGroups();

  /** Engine options: the wall clock for emittedAt, and the shared campaign groups unless per-partition groups are configured. */
  private engineOpts(): { now: () => number; campaignGroups?: CampaignGroups } {
    return this.deps.config.campaigns === 'process' ? { now: Date.now, campaignGroups: this.campaignGroups } : { now: Date.now };
  }

  private readonly lane: FlagLane;

  constructor(private readonly deps: DetectorDeps) {
    this.engineConfig = deps.config.engine;
    this.log = deps.log;
    const m = deps.metrics;
    this.lane = new FlagLane({
      sink: deps.sink,
      topic: deps.config.topics.flags,
      encodeFlag: deps.encodeFlag,
      dedup: deps.dedup,
      log: deps.log,
      signal: this.abort.signal,
      onSinkError: (sink) => m.sinkErrors.inc({ sink }),
      onEmitted: (flags) => {
        for (const f of flags) {
          m.flags.inc({ severity: f.severity });
          for (const r of f.reasons) m.flagReasons.inc({ rule: r.rule });
        }
      },
      onDeduplicated: (n) => m.flagsDeduplicated.inc({ how: 'redis' }, n),
      onDismissed: (n) => m.flagsDeduplicated.inc({ how: 'dismissed' }, n),
      onFenced: (p, n) => {
        m.flagsFenced.inc({ partition: String(p) }, n);
        this.onFenced(p, 'flags');
      },
      onWaited: (n, ms) => {
        m.pendingWaits.inc(n);
        m.pendingWaitSeconds.inc(ms / 1000);
      },
      generation: async (p) => (this.gens.has(p) && !this.fenced.has(p) ? this.gens.get(p) : null),
      findOnTopic: (ids, since) => this.findOnTopic(ids, since),
      graceMs: deps.config.pendingGraceMs,
    });
  }

  private failWith!: (e: Error) => void;
  /** Resolves (never rejects) with the error once the Kafka consumer has failed for good: the process should stop and be restarted. */
  readonly failed = new Promise<Error>((resolve) => (this.failWith = resolve));

  private onCrashed(error: string, restart: boolean): void {
    this.deps.metrics.sinkErrors.inc({ sink: 'kafka-consumer' });
    if (restart) {
      this.log.warn({ err: error }, 'kafka consumer crashed; kafkajs restarts it and the group assigns again (positions are kept)');
      return;
    }
    this.status = 'failed';
    this.log.fatal({ err: error }, 'kafka consumer failed and will not restart: stopping so that the process is restarted');
    this.failWith(new Error(`kafka consumer failed: ${error}`));
  }

  /** A fenced write: another instance took partition `p`; this one stops writing for it until the group takes it away. */
  private onFenced(p: number, what: string): void {
    this.deps.metrics.fencedWrites.inc({ what });
    if (this.fenced.has(p) || !this.gens.has(p)) return;
    this.fenced.set(p, Date.now());
    this.log.warn({ partition: p, what, generation: this.gens.get(p) }, 'partition fenced: another instance owns it now; its flags, marks, snapshots and commits are left to that instance');
  }

  /** Checks the topics, reads every consent, applies the control state and joins the group. */
  start(): Promise<void> {
    this.starting ??= this.startSteps();
    return this.starting;
  }

  /** Checks the topics, reads the consents, then joins the group; each step first checks that no stop came in meanwhile. */
  private async startSteps(): Promise<void> {
    const { config, source, consents, control, log } = this.deps;
    const [calls, complaints] = [await source.partitionCount(config.topics.calls), await source.partitionCount(config.topics.complaints)];
    if (calls === 0) throw new Error(`topic ${config.topics.calls} does not exist`);
    if (calls !== complaints) {
      throw new Error(
        `${config.topics.calls} has ${calls} partitions but ${config.topics.complaints} has ${complaints}: they must be equal so that a number's calls and complaints share a partition number`,
      );
    }
    this.partitions = calls;
    if (this.stopping) return;
    if (!(await this.deps.redis.waitReady(5_000))) log.warn('redis not reachable at start: no allowlist, live config or snapshots until it is (degraded)');
    for (const ev of await control.poll()) this.applyControl(ev);
    if (this.stopping) return;

    const work$ = merge(
      source.events$.pipe(map((e): WorkItem => ({ k: 'source', e }))),
      consents.batches$.pipe(map((b): WorkItem => ({ k: 'consents', b }))),
      control.events(config.controlPollMs).pipe(map((c): WorkItem => ({ k: 'control', c }))),
      interval(TICK_MS).pipe(map((): WorkItem => ({ k: 'tick' }))),
      this.barrier$,
    ).pipe(concatMap((item) => defer(() => this.handle(item))));
    this.sub = work$.subscribe({ error: (e: unknown) => log.fatal({ err: (e as Error).message, stack: (e as Error).stack }, 'pipeline failed') });

    const t0 = Date.now();
    await consents.start();
    await consents.caughtUp;
    await this.barrier();
    this.consentsCaughtUp = true;
    log.info({ consents: this.consentMap.size, ms: Date.now() - t0 }, 'consents read');
    if (this.stopping) return; // stopped while starting: do not join the group
    await source.start();
    this.status = 'ready';
    log.info({ group: config.kafka.group, topics: config.topics, partitions: calls }, 'detector started');
  }

  /** Which of `ids` are among the flags written to the flags topic since `sinceMs` (minus a margin for clock skew). */
  private async findOnTopic(ids: Set<string>, sinceMs: number): Promise<Set<string>> {
    const found = new Set<string>();
    const values: Buffer[] = [];
    await this.deps.scanner.scan(this.deps.config.topics.flags, sinceMs - 10_000, (m) => {
      if (m.value) values.push(m.value);
    });
    await this.deps.codec.prepare(values);
    for (const v of values) {
      const d = this.deps.codec.decode(v);
      const id = d.ok ? (d.value as { flagId?: unknown }).flagId : undefined;
      if (typeof id === 'string' && ids.has(id)) found.add(id);
    }
    return found;
  }

  /** /readyz. */
  readiness(): Readiness {
    const checks = { consents: this.consentsCaughtUp, assigned: this.assigned, redis: this.deps.redis.up, clickhouse: this.chBlocked === null };
    if (this.status === 'stopping' || this.status === 'starting' || this.status === 'failed') return { ready: false, status: this.status, checks };
    if (this.chBlocked) return { ready: false, status: 'blocked', checks, error: `ClickHouse: ${this.chBlocked.message}` };
    if (!checks.redis) return { ready: false, status: 'degraded', checks };
    return { ready: checks.consents && checks.assigned, status: checks.consents && checks.assigned ? 'ready' : 'starting', checks };
  }

  /**
   * Graceful stop: stop taking input, finish what is queued, make a last
   * checkpoint with every partition's snapshot (given up after
   * `deadlineMs`), then leave the group.
   */
  async stop(deadlineMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.status = 'stopping';
    const { source, consents, log } = this.deps;
    const timer = setTimeout(() => this.abort.abort(), deadlineMs);
    try {
      // A stop during the start sequence: let it reach its next step (where it
      // sees the stop and returns) so that it cannot join the group afterwards.
      if (this.starting) await Promise.race([this.starting.catch(() => {}), new Promise<void>((r) => this.abort.signal.addEventListener('abort', () => r(), { once: true }))]);
      if (this.sub === null) return; // the pipeline never ran: nothing to flush
      for (const p of this.active) this.syncPause(p);
      await this.barrier();
      await this.checkpoint;
      this.checkpoint = null;
      await this.runCheckpointNow(true);
      log.info('final checkpoint done');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'final checkpoint failed: uncommitted input will be read again after a restart');
    } finally {
      clearTimeout(timer);
      this.sub?.unsubscribe();
      await source.stop();
      await consents.stop();
    }
  }

  /** Resolves once every work item queued before it has been handled. */
  private barrier(): Promise<void> {
    return new Promise((resolve) => this.barrier$.next({ k: 'barrier', resolve }));
  }

  private async handle(item: WorkItem): Promise<void> {
    try {
      switch (item.k) {
        case 'source':
          if (item.e.type === 'batch') {
            try {
              if (!this.stopping) await this.onBatch(item.e.batch);
            } finally {
              item.e.done();
            }
          } else if (item.e.type === 'crashed') {
            this.onCrashed(item.e.error, item.e.restart);
          } else {
            await this.onAssigned(item.e.assignment);
            item.e.done();
          }
          break;
        case 'consents':
          await this.onConsents(item.b);
          break;
        case 'control':
          this.applyControl(item.c);
          break;
        case 'tick':
          this.onTick();
          break;
        case 'end':
          this.onEndOffset(item.partition, item.side, item.high);
          break;
        case 'barrier':
          item.resolve();
          break;
      }
    } catch (e) {
      this.log.error({ err: (e as Error).message, stack: (e as Error).stack, item: item.k }, 'work item failed');
    }
  }

  // ---- input ------------------------------------------------------------

  private async onBatch(b: SourceBatch): Promise<void> {
    const { topics, maxFutureMs } = this.deps.config;
    const side: Side | -1 = b.topic === topics.calls ? 0 : b.topic === topics.complaints ? 1 : -1;
    const task = this.tasks.get(b.partition);
    if (side === -1 || !task || !this.active.has(b.partition)) return;
    const t0 = performance.now();
    const exp = task.expected(side);
    if (b.fetchedOffset > exp) {
      // A fetch from beyond where this task stands (stale position after a rebalance): go back.
      this.deps.source.seek(b.topic, b.partition, exp);
      return;
    }
    let msgs: SourceMessage[] = b.messages;
    if (msgs.length > 0 && msgs[0].offset < exp) msgs = msgs.filter((m) => m.offset >= exp);
    if (msgs.length > 0) await this.prepareSchemas(msgs);
    const now = Date.now();
    const items = side === 0 ? decodeCalls(this.deps.codec, msgs, now, maxFutureMs) : decodeComplaints(this.deps.codec, msgs, now, maxFutureMs);
    task.accept(side, items, b.lastOffset + 1, b.lastOffset + 1 < b.highWatermark, now);
    const released = task.release(now);
    this.log.debug(
      { topic: b.topic, partition: b.partition, fetched: b.fetchedOffset, n: msgs.length, last: b.lastOffset, hw: b.highWatermark, released, held: [task.held(0), task.held(1)], blocked: task.blocked() },
      'batch',
    );
    const m = this.deps.metrics;
    m.lag.set({ topic: b.topic, partition: String(b.partition) }, Math.max(0, b.highWatermark - (b.lastOffset + 1)));
    m.batchSize.observe(b.messages.length);
    m.batchSeconds.observe({ topic: b.topic }, (performance.now() - t0) / 1000);
    this.checkHeld(task);
    this.lane.push(task.takeFlags(), task.partition);
    this.applyBackpressure();
  }

  /** Fetches unknown schema ids; waits (retrying) while the registry is unreachable, which holds the consumer back. */
  private async prepareSchemas(msgs: SourceMessage[]): Promise<void> {
    const values = msgs.map((m) => m.value);
    await retry(() => this.deps.codec.prepare(values), {
      what: 'fetch schemas from the registry',
      signal: this.abort.signal,
      log: this.log,
      onError: (e) => {
        if (!(e instanceof RegistryUnavailableError)) this.log.error({ err: (e as Error).message }, 'unexpected schema fetch error');
      },
    });
  }

  private async onConsents(b: SourceBatch): Promise<void> {
    const values = b.messages.map((m) => m.value).filter((v): v is Buffer => v !== null);
    if (values.length > 0) await this.prepareSchemas(b.messages);
    const m = this.deps.metrics;
    for (const msg of b.messages) {
      if (msg.value === null) {
        const key = msg.key?.toString('utf8') ?? '';
        const known = this.consentMap.get(key);
        if (known) this.applyConsent(key, { ...known, revokedAt: known.grantedAt });
        m.consents.inc({ result: 'tombstone' });
        continue;
      }
      const d = this.deps.codec.decode(msg.value);
      const r = d.ok ? parseConsent(d.value) : { ok: false as const, error: d.error };
      if (!r.ok) {
        const error = d.ok ? `invalid: ${r.error}` : r.error;
        m.consents.inc({ result: 'invalid' });
        this.consentDlq.add({ partition: b.partition, message: msg, error });
        this.log.warn({ topic: b.topic, partition: b.partition, offset: msg.offset, err: error }, 'unusable consent record: held for the DLQ');
        continue;
      }
      m.consents.inc({ result: 'valid' });
      this.applyConsent(`${r.value.caller}|${r.value.callee}`, r.value);
    }
    this.consentDlq.read(b.partition, b.lastOffset + 1);
  }

  /**
   * Sends the unusable consent records of the consents partitions this
   * instance owns (partition q belongs to the owner of calls partition
   * q mod n) above their Redis mark, then raises the mark; forgets held
   * records that another owner's mark has passed. Without Redis nothing is
   * sent (no mark, so a restart would send again); a failed send is tried
   * again at the next checkpoint. Rebalances: an owner sends nothing for a
   * partition it took less than `pendingGraceMs` ago (the previous owner's
   * send, checked against the fence before it began, has landed and raised
   * the mark by then), and checks its fence before each send.
   */
  private async flushConsentDlq(): Promise<void> {
    const q = this.consentDlq;
    if (!this.deps.redis.up || this.partitions === 0) return;
    const { sink, consentDlqMarks: marks, metrics, config } = this.deps;
    if (q.dropped > 0) {
      this.log.error({ dropped: q.dropped }, 'too many unusable consent records held: the oldest were dropped without reaching the DLQ');
      metrics.sinkErrors.inc({ sink: 'kafka' }, q.dropped);
      q.dropped = 0;
    }
    const now = Date.now();
    for (const p of q.partitions()) {
      const owner = p % this.partitions;
      if (!this.tasks.has(owner) || this.fenced.has(owner)) continue;
      // A previous owner's send may still be in flight for up to the grace: its records land and its mark rises
      // meanwhile; only then is the mark read here (else both would send the same records).
      if (now - (this.acquiredAt.get(owner) ?? 0) < config.pendingGraceMs) continue;
      const gen = this.gens.get(owner);
      if (gen !== undefined) {
        const cur = await this.deps.fence.current(owner);
        if (cur === undefined) return;
        if (cur !== gen) {
          this.onFenced(owner, 'consent-dlq');
          continue;
        }
      }
      const mark = await marks.load(p);
      if (mark === undefined) return;
      const due = q.due(p, mark);
      if (due.entries.length === 0) {
        q.settle(p, mark); // sent before (by an earlier run or owner)
        if (due.upTo <= mark) continue;
      }
      const messages = due.entries.map((e) => ({
        topic: config.topics.dlq,
        key: e.message.key,
        value: e.message.value,
        headers: { 'x-error': e.error, 'x-source-topic': config.topics.consents, 'x-source-partition': String(e.partition), 'x-source-offset': String(e.message.offset) },
      }));
      try {
        await sink.send(messages);
      } catch (e) {
        metrics.sinkErrors.inc({ sink: 'kafka' });
        this.log.warn({ err: (e as Error).message, partition: p }, 'unusable consent records not sent to the DLQ yet; trying again at the next checkpoint');
        return;
      }
      for (const e of due.entries) metrics.dlq.inc({ topic: config.topics.consents, reason: dlqReason(e.error) });
      if (await marks.save(p, due.upTo)) q.settle(p, due.upTo);
    }
    for (const p of q.heldPartitions()) {
      if (this.tasks.has(p % this.partitions)) continue;
      const mark = await marks.load(p);
      if (mark !== undefined) q.settle(p, mark);
    }
  }

  private applyConsent(key: string, c: ConsentRecord): void {
    this.consentMap.set(key, c);
    for (const t of this.tasks.values()) t.engine.onConsent(c);
  }

  // ---- control ----------------------------------------------------------

  private applyControl(ev: ControlEvent): void {
    const m = this.deps.metrics;
    if (ev.type === 'allow') {
      for (const n of ev.numbers) this.allowlist.add(n);
      for (const t of this.tasks.values()) for (const n of ev.numbers) t.engine.allow(n);
      this.log.info({ added: ev.numbers.length, total: this.allowlist.size }, 'allowlist updated');
    } else if (ev.type === 'config-rejected') {
      m.configReloads.inc({ result: 'rejected' });
      this.log.error({ errors: ev.errors }, 'live engine config rejected; the config in force stays');
    } else {
      this.engineConfig = ev.config;
      for (const t of this.tasks.values()) t.replaceEngine(this.rebuild(t.engine));
      m.configReloads.inc({ result: 'applied' });
      this.log.info({ override: ev.raw }, 'live engine config applied');
    }
  }

  /** The same state in an engine built with the config in force. */
  private rebuild(engine: TaskEngine): TaskEngine {
    return restoreEngine(this.engineConfig, engine.snapshot(), this.engineOpts());
  }

  // ---- assignment -------------------------------------------------------

  private async onAssigned(assignment: Record<string, number[]>): Promise<void> {
    const { topics } = this.deps.config;
    const source = this.deps.source;
    const calls = new Set(assignment[topics.calls] ?? []);
    const complaints = new Set(assignment[topics.complaints] ?? []);
    for (const p of calls) if (!complaints.has(p)) this.log.error({ partition: p }, 'calls partition assigned without its complaints partition (another assigner in the group?)');
    const revoked = [...this.tasks.keys()].filter((p) => !calls.has(p));
    for (const p of revoked) {
      this.tasks.delete(p);
      this.gens.delete(p);
      this.acquiredAt.delete(p);
      this.fenced.delete(p);
      this.active.delete(p);
      this.lastStats.delete(p);
      this.sidePaused.delete(p);
      this.snapshotStored.delete(p);
      this.pausedNow.delete(`${topics.calls}/${p}`);
      this.pausedNow.delete(`${topics.complaints}/${p}`);
    }
    const fresh = [...calls].filter((p) => !this.tasks.has(p));
    for (const [topic, ps] of Object.entries(assignment)) for (const p of ps) this.pausedNow.set(`${topic}/${p}`, true); // the source paused them
    for (const p of this.tasks.keys()) {
      source.seek(topics.calls, p, this.tasks.get(p)!.expected(0));
      source.seek(topics.complaints, p, this.tasks.get(p)!.expected(1));
      this.syncPause(p);
    }
    if (fresh.length > 0) {
      // Fence first: from here on the previous owner's pending marks, marks and snapshots are refused, so what is
      // read below (committed offsets, emitted marks, snapshots) cannot move under this instance any more.
      for (const p of fresh) {
        const gen = await this.deps.fence.acquire(p);
        if (gen === undefined) this.log.warn({ partition: p }, 'redis unavailable: partition taken without an ownership fence (writes unfenced, degraded)');
        this.gens.set(p, gen);
        this.acquiredAt.set(p, Date.now());
        this.fenced.delete(p);
      }
      const signal = this.abort.signal;
      const opts = { signal, log: this.log, onError: () => this.deps.metrics.sinkErrors.inc({ sink: 'kafka-admin' }) };
      const [committedCalls, committedComplaints, endsCalls, endsComplaints] = await Promise.all([
        retry(() => source.committed(topics.calls), { what: 'read committed offsets', ...opts }),
        retry(() => source.committed(topics.complaints), { what: 'read committed offsets', ...opts }),
        retry(() => source.offsets(topics.calls), { what: 'read partition offsets', ...opts }),
        retry(() => source.offsets(topics.complaints), { what: 'read partition offsets', ...opts }),
      ]);
      for (const p of fresh) {
        const task = await this.createTask(p, {
          committed: { calls: committedCalls.get(p) ?? null, complaints: committedComplaints.get(p) ?? null },
          calls: endsCalls.get(p) ?? { low: 0, high: 0 },
          complaints: endsComplaints.get(p) ?? { low: 0, high: 0 },
        });
        this.tasks.set(p, task);
        task.setPending(0, task.expected(0) < (endsCalls.get(p)?.high ?? 0));
        task.setPending(1, task.expected(1) < (endsComplaints.get(p)?.high ?? 0));
        source.seek(topics.calls, p, task.expected(0));
        source.seek(topics.complaints, p, task.expected(1));
        this.lastSnapshotAt.set(p, Date.now());
      }
    }
    this.active.clear();
    for (const p of this.tasks.keys()) this.active.add(p);
    for (const p of fresh) this.syncPause(p);
    this.assigned = true;
    this.deps.metrics.partitions.set(this.tasks.size);
    this.log.info({ partitions: [...this.tasks.keys()].sort((a, b) => a - b), revoked, added: fresh }, 'partitions assigned');
  }

  private async createTask(
    p: number,
    at: { committed: { calls: number | null; complaints: number | null }; calls: { low: number; high: number }; complaints: { low: number; high: number } },
  ): Promise<PartitionTask> {
    const { config } = this.deps;
    let snap: PartitionSnapshot | null | undefined;
    try {
      snap = await this.deps.snapshots.load(p);
    } catch (e) {
      this.log.error({ partition: p, err: (e as Error).message }, 'stored snapshot unreadable; starting the partition without it');
      snap = null;
    }
    const mark = await this.deps.marks.load(p);
    const suppressBelow = {
      calls: Math.max(at.committed.calls ?? 0, mark?.calls ?? 0),
      complaints: Math.max(at.committed.complaints ?? 0, mark?.complaints ?? 0),
    };
    const contact = this.partitions > 1 && config.contactNotes === 'local' ? this.contactRouter(p) : undefined;
    const base = { partition: p, suppressBelow, topics: { calls: config.topics.calls, complaints: config.topics.complaints }, contact };
    if (snap) {
      try {
        const engine = restoreEngine(this.engineConfig, snap.engine, this.engineOpts());
        this.prime(engine);
        const positions = { calls: Math.max(snap.positions.calls, at.calls.low), complaints: Math.max(snap.positions.complaints, at.complaints.low) };
        if (positions.calls !== snap.positions.calls || positions.complaints !== snap.positions.complaints) {
          this.log.warn({ partition: p, snapshot: snap.positions, earliest: positions }, 'records after the snapshot were deleted by retention; counts skip them');
        }
        this.log.info({ partition: p, positions, committed: at.committed, takenAt: new Date(snap.takenAt).toISOString() }, 'partition restored from snapshot');
        return new PartitionTask({ ...base, engine, positions, epochs: snap.epochs, aggregates: snap.aggregates, lastEventTime: snap.lastEventTime });
      } catch (e) {
        this.log.error({ partition: p, err: (e as Error).message }, 'snapshot does not fit this engine config; starting the partition without it');
      }
    } else if (snap === undefined) {
      this.deps.metrics.sinkErrors.inc({ sink: 'redis' });
      this.log.warn({ partition: p }, 'redis unavailable: partition starts without its snapshot (counts restart from the committed offset)');
    }
    const start = (c: number | null, r: { low: number; high: number }) => (c !== null ? Math.max(c, r.low) : config.kafka.fromBeginning ? r.low : r.high);
    const positions = { calls: start(at.committed.calls, at.calls), complaints: start(at.committed.complaints, at.complaints) };
    const engine = createEngine(this.engineConfig, this.engineOpts());
    this.prime(engine);
    this.log.info({ partition: p, positions, committed: at.committed }, 'partition starts with fresh state');
    return new PartitionTask({ ...base, engine, positions, epochs: positions, lastEventTime: null });
  }

  /** Feeds the consents and allowlist known to this instance into an engine. */
  private prime(engine: TaskEngine): void {
    for (const c of this.consentMap.values()) engine.onConsent(c);
    for (const n of this.allowlist) engine.allow(n);
  }

  /** Passes "callee was called by caller" to the engine of the callee's partition when it runs here. */
  private contactRouter(p: number): (callee: string, caller: string, t: number) => void {
    const n = this.partitions;
    return (callee, caller, t) => {
      const q = partitionOf(callee, n);
      if (q !== p) this.tasks.get(q)?.engine.noteCallBack(callee, caller, t);
    };
  }

  /** Pauses or resumes both streams of partition `p` as the pipeline state wants them. */
  private syncPause(p: number): void {
    const { topics } = this.deps.config;
    const side = this.sidePaused.get(p) ?? [false, false];
    const names = [topics.calls, topics.complaints];
    for (const s of [0, 1] as const) {
      const want = this.stopping || this.paused || side[s] || !this.tasks.has(p);
      const key = `${names[s]}/${p}`;
      if ((this.pausedNow.get(key) ?? false) === want) continue;
      this.pausedNow.set(key, want);
      if (want) this.deps.source.pause(names[s], [p]);
      else this.deps.source.resume(names[s], [p]);
    }
  }

  /**
   * A stream whose merge queue grows (its partner is behind) is paused
   * until the partner catches up, so the partner is never starved by a
   * global pause while it is the one being waited for.
   */
  private checkHeld(task: PartitionTask): void {
    const limit = Math.max(10_000, Math.floor(this.deps.config.maxPending / 4));
    const side = this.sidePaused.get(task.partition) ?? [false, false];
    let changed = false;
    for (const s of [0, 1] as const) {
      const held = task.held(s);
      if (!side[s] && held > limit) {
        side[s] = true;
        changed = true;
      } else if (side[s] && held <= limit / 2) {
        side[s] = false;
        changed = true;
      }
    }
    if (changed) {
      this.sidePaused.set(task.partition, side);
      this.syncPause(task.partition);
    }
  }

  /**
   * What only the pipeline knows of a partition's lag: neither of its
   * streams is paused (backpressure, merge hold, stopping) and the consumer
   * has had a fetch response lately (not crashed, not cut off from the broker).
   */
  private fetching(p: number, now: number): boolean {
    if (this.paused || this.stopping || !this.active.has(p)) return false;
    const { topics } = this.deps.config;
    if (this.pausedNow.get(`${topics.calls}/${p}`) !== false || this.pausedNow.get(`${topics.complaints}/${p}`) !== false) return false;
    return now - this.deps.source.lastFetchAt() <= FETCH_FRESH_MS;
  }

  /**
   * A merge that has waited `mergeHoldMs` for one stream asks the broker
   * whether that stream really has more input (its end offset beyond the
   * task's position); only a broker that says no lifts the wait. Broker
   * away or input really there: the wait goes on (lag, not late events).
   */
  private checkBlocked(task: PartitionTask, now: number): void {
    const b = task.blocked();
    if (!b || this.stopping) return;
    const { mergeHoldMs, topics } = this.deps.config;
    const key = `${task.partition}/${b.side}`;
    const last = this.endChecks.get(key) ?? 0;
    if (now - b.since < mergeHoldMs || now - last < mergeHoldMs || last < 0) return;
    this.endChecks.set(key, -1); // in flight
    const topic = b.side === 0 ? topics.calls : topics.complaints;
    this.deps.source
      .offsets(topic)
      .then(
        (ends) => {
          const high = ends.get(task.partition)?.high;
          if (high !== undefined) this.barrier$.next({ k: 'end', partition: task.partition, side: b.side, high });
        },
        (e: unknown) => {
          this.deps.metrics.sinkErrors.inc({ sink: 'kafka-admin' });
          this.log.warn({ partition: task.partition, topic, err: (e as Error).message }, 'end offset of a waited-for stream not known; the merge keeps waiting');
        },
      )
      .finally(() => this.endChecks.set(key, Date.now()));
  }

  private onEndOffset(p: number, side: Side, high: number): void {
    const task = this.tasks.get(p);
    if (!task || !task.blocked() || task.blocked()!.side !== side) return;
    if (task.expected(side) < high) {
      this.log.info({ partition: p, side, expected: task.expected(side), high }, 'merge waits for input that the broker has: not releasing the other stream');
      return;
    }
    task.setPending(side, false);
    const released = task.release(Date.now());
    this.log.info({ partition: p, side, high, released }, 'merge wait lifted: the broker has no more input on the waited-for stream');
    this.checkHeld(task);
    this.lane.push(task.takeFlags(), task.partition);
  }

  // ---- time, backpressure, checkpoints -----------------------------------

  private onTick(): void {
    const now = Date.now();
    for (const t of this.tasks.values()) {
      t.release(now);
      t.advanceIdle(now, this.deps.config.idleMs, this.fetching(t.partition, now));
      this.checkBlocked(t, now);
      this.checkHeld(t);
      this.lane.push(t.takeFlags(), t.partition);
    }
    this.updateMetrics(now);
    this.applyBackpressure();
    if (!this.checkpoint && !this.stopping && now - this.lastCheckpointAt >= this.deps.config.flushMs) {
      this.checkpoint = this.runCheckpointNow(false)
        .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'checkpoint failed'))
        .finally(() => {
          this.checkpoint = null;
          this.applyBackpressure();
        });
    }
  }

  /** Outputs waiting for a checkpoint (held inputs are governed by {@link checkHeld}). */
  private pending(): number {
    let n = 0;
    for (const t of this.tasks.values()) n += t.pending - t.held(0) - t.held(1);
    return n;
  }

  private applyBackpressure(): void {
    if (this.stopping) return;
    const pending = this.pending();
    this.deps.metrics.pending.set(pending);
    const max = this.deps.config.maxPending;
    if (!this.paused && pending > max) {
      this.paused = true;
      for (const p of this.active) this.syncPause(p);
      this.deps.metrics.paused.set(1);
      this.log.warn({ pending, max }, 'outputs lag: consumption paused');
    } else if (this.paused && pending <= max / 2) {
      this.paused = false;
      for (const p of this.active) this.syncPause(p);
      this.deps.metrics.paused.set(0);
      this.log.info({ pending }, 'consumption resumed');
    }
  }

  /** Cuts every task's outputs (with snapshots when due, or all when `final`) and makes them durable. */
  private async runCheckpointNow(final: boolean): Promise<void> {
    const now = Date.now();
    this.lastCheckpointAt = now;
    const cuts = [...this.tasks.values()].map((t) => t.cut());
    const snapshots: PartitionSnapshot[] = [];
    // One partition per checkpoint (the copy and compression of an engine's state are not cheap): first
    // those without a stored snapshot (their offsets are not committed until they have one), then the
    // most overdue; every partition at the end.
    const tasks = [...this.tasks.values()];
    const since = (t: PartitionTask) => this.lastSnapshotAt.get(t.partition) ?? 0;
    const unsaved = tasks.filter((t) => !this.snapshotStored.has(t.partition)).sort((a, b) => since(a) - since(b));
    const due = tasks.filter((t) => this.snapshotStored.has(t.partition) && now - since(t) >= this.deps.config.snapshotMs).sort((a, b) => since(a) - since(b));
    const take = !this.deps.redis.up ? [] : final ? tasks : [...unsaved, ...due].slice(0, 1); // no copies while they cannot be stored
    for (const t of take) {
      snapshots.push(t.snapshot(now));
      this.lastSnapshotAt.set(t.partition, now);
    }
    const t0 = performance.now();
    for (const c of cuts) this.lane.push(c.flags, c.partition);
    const emitted = await this.lane.drain();
    await runCheckpoint({ cuts, emitted, snapshots }, this.checkpointDeps());
    await this.flushConsentDlq();
    this.deps.metrics.checkpointSeconds.observe((performance.now() - t0) / 1000);
  }

  private checkpointDeps(): CheckpointDeps {
    const { config, sink, marks, writer, source, snapshots, metrics, log } = this.deps;
    return {
      sink,
      topics: config.topics,
      marks,
      writer,
      commit: (offsets) => source.commit(offsets),
      snapshots,
      owns: (p) => this.tasks.has(p) && !this.fenced.has(p),
      generation: (p) => this.gens.get(p),
      // Without Redis there are no snapshots: commit anyway (degraded: a restart then starts those partitions afresh).
      hasSnapshot: (p) => this.snapshotStored.has(p) || !this.deps.redis.up,
      log,
      signal: this.abort.signal,
      hooks: {
        sinkError: (sink, err) => {
          metrics.sinkErrors.inc({ sink });
          if (sink === 'clickhouse') this.onClickHouseError(err);
        },
        sinkOk: () => this.onClickHouseOk(),
        dlq: (entries) => {
          for (const d of entries) metrics.dlq.inc({ topic: d.side === 0 ? config.topics.calls : config.topics.complaints, reason: dlqReason(d.error) });
        },
        fenced: (p, what) => this.onFenced(p, what),
        snapshot: (p, bytes, ms) => {
          if (this.tasks.has(p)) this.snapshotStored.add(p);
          metrics.snapshotBytes.set({ partition: String(p) }, bytes);
          metrics.snapshotSeconds.observe(ms / 1000);
        },
      },
    };
  }

  /** A permanent ClickHouse error: loud (error log with the server's message, gauge, /readyz), retried with backoff. */
  private onClickHouseError(err: unknown): void {
    const f = classifyClickHouseError(err);
    if (!f.permanent) return;
    const m = this.deps.metrics;
    m.sinkPermanentErrors.inc({ sink: 'clickhouse', code: String(f.code ?? '') });
    m.sinkBlocked.set({ sink: 'clickhouse' }, 1);
    this.chBlocked ??= { since: Date.now(), code: f.code, message: f.message };
    this.chBlocked.message = f.message;
    this.log.error(
      { sink: 'clickhouse', code: f.code, err: f.message, since: new Date(this.chBlocked.since).toISOString() },
      'ClickHouse refuses the rows with a permanent error: nothing is committed until it takes them (fix the cause); retrying with backoff',
    );
  }

  private onClickHouseOk(): void {
    if (!this.chBlocked) return;
    this.log.info({ sink: 'clickhouse', blockedMs: Date.now() - this.chBlocked.since }, 'ClickHouse takes the rows again');
    this.chBlocked = null;
    this.deps.metrics.sinkBlocked.set({ sink: 'clickhouse' }, 0);
  }

  private updateMetrics(now: number): void {
    const m = this.deps.metrics;
    const { topics } = this.deps.config;
    const names = [topics.calls, topics.complaints];
    for (const t of this.tasks.values()) {
      const prev = this.lastStats.get(t.partition);
      const s = t.stats;
      for (const side of [0, 1] as const) {
        const topic = names[side];
        const d = (k: 'accepted' | 'duplicate' | 'late' | 'invalid') => s[k][side] - (prev?.[k][side] ?? 0);
        for (const k of ['accepted', 'duplicate', 'late', 'invalid'] as const) {
          const v = d(k);
          if (v > 0) m.events.inc({ topic, result: k }, v);
        }
        const late = d('late');
        if (late > 0) m.late.inc({ topic }, late);
      }
      const sup = s.suppressed - (prev?.suppressed ?? 0);
      if (sup > 0) m.flagsDeduplicated.inc({ how: 'committed-offset' }, sup);
      this.lastStats.set(t.partition, { accepted: [...s.accepted], duplicate: [...s.duplicate], late: [...s.late], invalid: [...s.invalid], flags: s.flags, suppressed: s.suppressed });
      if (Number.isFinite(t.engine.watermark)) m.watermark.set({ partition: String(t.partition) }, t.engine.watermark);
    }
    m.redisUp.set(this.deps.redis.up ? 1 : 0);
    m.degraded.set(this.deps.redis.up ? 0 : 1);
    if (now - this.statsAt >= 5_000) {
      this.statsAt = now;
      let tracked = 0;
      for (const t of this.tasks.values()) tracked += t.engine.stats().trackedNumbers;
      m.trackedNumbers.set(tracked);
    }
  }
}

/** A metric label for a DLQ error message. */
export function dlqReason(error: string): string {
  if (error.startsWith('late:')) return 'late';
  if (error.startsWith('future:')) return 'future';
  if (error.startsWith('invalid:')) return 'invalid';
  if (error.startsWith('unknown schema')) return 'unknown-schema';
  return 'undecodable';
}
