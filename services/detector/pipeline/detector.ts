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
 *
 * This file holds the life cycle (start, the work loop, readiness, stop);
 * the work items' handling lives beside it: ownership.ts (assignments),
 * batches.ts (input), consents-control.ts, flow-control.ts (tick, pause,
 * backpressure), checkpoint-runner.ts and consent-dlq-flush.ts (durability),
 * metrics-update.ts; the state they share is detector-state.ts.
 */
import { concatMap, defer, interval, map, merge } from 'rxjs';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { requireTopics, TOPIC_VARIABLES } from '../../../shared/kafka/index.ts';
import type { Readiness } from '../ops/http.ts';
import { onBatch } from './batches.ts';
import { runCheckpointNow } from './checkpoint-runner.ts';
import { checkpointBudgetMs } from './stop-budget.ts';
import { applyControl, onConsents } from './consents-control.ts';
import { DetectorState, type DetectorDeps, type WorkItem } from './detector-state.ts';
import { FlagLane } from './flag-lane.ts';
import { OutputHealth } from './output-health.ts';
import { onEndOffset, onTick, syncPause } from './flow-control.ts';
import { onAssigned } from './ownership.ts';

export type { DetectorDeps } from './detector-state.ts';
export { dlqReason } from './metrics-update.ts';

const TICK_MS = 100;

/** The topics the start checks, in this order, with the variable that names each (the detector has no topic options); calls and complaints first: their partition counts come from this check. */
const DETECTOR_TOPICS = (['calls', 'complaints', 'consents', 'flags', 'dlq'] as const).map((key) => [key, TOPIC_VARIABLES[key]] as const);

/** The streaming detector. */
export class Detector {
  private readonly st: DetectorState;

  constructor(private readonly deps: DetectorDeps) {
    const st = (this.st = new DetectorState(deps));
    const m = deps.metrics;
    st.lane = new FlagLane({
      sink: deps.sink,
      topic: deps.config.topics.flags,
      encodeFlag: (f) => this.encodeFlag(f),
      dedup: deps.dedup,
      log: deps.log,
      signal: st.abort.signal,
      onSinkError: (sink) => m.sinkErrors.inc({ sink }),
      outputs: st.outputs,
      onEmitted: (flags) => {
        for (const f of flags) {
          m.flags.inc({ severity: f.severity });
          for (const r of f.reasons) m.flagReasons.inc({ rule: r.rule });
        }
      },
      onDeduplicated: (n) => m.flagsDeduplicated.inc({ how: 'redis' }, n),
      onDismissed: (n) => m.flagsDeduplicated.inc({ how: 'dismissed' }, n),
      // Only flags that went out make flagged calls in provider_hour (the task's aggregates wait for this word).
      onDecided: (p, kept, dismissed) => st.tasks.get(p)?.decideFlags(kept, dismissed),
      onFenced: (p, n) => {
        m.flagsFenced.inc({ partition: String(p) }, n);
        st.onFenced(p, 'flags');
      },
      onWaited: (n, ms) => {
        m.pendingWaits.inc(n);
        m.pendingWaitSeconds.inc(ms / 1000);
      },
      generation: async (p) => (st.gens.has(p) && !st.fenced.has(p) ? st.gens.get(p) : null),
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
      this.st.log.warn({ err: error }, 'kafka consumer crashed; kafkajs restarts it and the group assigns again (positions are kept)');
      return;
    }
    this.st.status = 'failed';
    this.st.failure = `kafka consumer failed: ${error}`;
    this.st.log.fatal({ err: error }, 'kafka consumer failed and will not restart: stopping so that the process is restarted');
    this.failWith(new Error(`kafka consumer failed: ${error}`));
  }

  /**
   * The consents reader failed for good after the start had read the consents (before, the start fails instead).
   * The engines would go on judging NO_CONSENT (and who is a stranger) against consents that are no longer kept
   * current — a consent granted from now on would never reach them, and consented call centres would be flagged.
   * So the detector stops taking input at once, reports `failed` (/readyz, `_consents_current` 0, an error log)
   * and fails, and main.ts stops it gracefully with exit 1: the final checkpoint makes what was processed durable,
   * the consumers leave the group (another member takes the partitions at once), and the supervisor restarts the
   * process, which reads the whole consents topic again before it joins (docs/detector.md, "A consents reader that
   * fails for good after the start").
   */
  private onConsentsFailed(error: Error): void {
    this.deps.metrics.consentsCurrent.set(0);
    if (!this.st.consentsCaughtUp) return; // the start fails on caughtUp
    this.st.consentsCaughtUp = false; // /readyz's consents check, as the metric, also during a stop
    if (this.st.stopping) return; // a stop under way goes on as it was (its exit code is the stop's)
    this.st.status = 'failed';
    this.st.failure = `consents no longer kept current: ${error.message}`;
    this.halt().catch(() => {}); // no more input is judged from here on; the stop itself is main.ts's
    this.st.log.error(
      { err: error.message },
      'consents reader failed for good: consents are no longer kept current, so NO_CONSENT cannot be judged; stopping (final checkpoint, leave the group, exit 1) so that the process is restarted',
    );
    this.failWith(new Error(`consents reader failed: ${error.message}`));
  }

  /** The FlagEvent encoder, from the start (after the topic check); no flag can be raised before it. */
  private encodeFlag: (f: FlagEvent) => Buffer = () => {
    throw new Error('flag encoder not ready: the detector has not started');
  };
  /** Set once the start begins to join the group: from then on a stop ends with the final checkpoint. */
  private joining = false;
  private onHalt!: () => void;
  /** Resolves at {@link halt}: ends the start's unbounded waits that joined nothing yet. */
  private readonly halted = new Promise<void>((resolve) => (this.onHalt = resolve));

  /** Checks that its five topics exist, reads every consent, applies the control state and joins the group. */
  start(): Promise<void> {
    this.st.starting ??= this.startSteps();
    return this.st.starting;
  }

  /** Checks the topics, reads the consents, then joins the group; each step first checks that no stop came in meanwhile. */
  private async startSteps(): Promise<void> {
    const { config, source, consents, control, log } = this.deps;
    // Every topic it reads or writes, before anything is read: the producers never create a topic (kafkajs-sink.ts),
    // so a missing flags or DLQ topic would otherwise surface only at the first flag or DLQ record, mid-stream, as a
    // send retried until the stop while the checkpoints, and with them the commits, wait on it.
    const [calls, complaints] = await requireTopics(source, DETECTOR_TOPICS.map(([key, variable]) => ({ topic: config.topics[key], setBy: variable })));
    if (calls !== complaints) {
      throw new Error(
        `${config.topics.calls} has ${calls} partitions but ${config.topics.complaints} has ${complaints}: they must be equal so that a number's calls and complaints share a partition number`,
      );
    }
    this.st.partitions = calls;
    if (this.st.stopping) return;
    const encoder = await Promise.race([this.deps.flagEncoder(), this.halted.then(() => null)]);
    if (encoder === null || this.st.stopping) return;
    this.encodeFlag = encoder;
    if (!(await this.deps.redis.waitReady(5_000))) log.warn('redis not reachable at start: no allowlist, live config or snapshots until it is (degraded)');
    for (const ev of await control.poll()) applyControl(this.st, ev);
    if (this.st.stopping) return;

    const work$ = merge(
      source.events$.pipe(map((e): WorkItem => ({ k: 'source', e }))),
      consents.batches$.pipe(map((b): WorkItem => ({ k: 'consents', b }))),
      control.events(config.controlPollMs).pipe(map((c): WorkItem => ({ k: 'control', c }))),
      interval(TICK_MS).pipe(map((): WorkItem => ({ k: 'tick' }))),
      this.st.barrier$,
    ).pipe(concatMap((item) => defer(() => this.handle(item))));
    this.st.sub = work$.subscribe({ error: (e: unknown) => log.fatal({ err: (e as Error).message, stack: (e as Error).stack }, 'pipeline failed') });

    const t0 = Date.now();
    await consents.start();
    // Reading the consents has no bound (a large topic, a broker gone meanwhile): a stop ends the wait, since the
    // group is not joined yet and there is nothing to flush (halt() waits for this start, with no deadline).
    await Promise.race([consents.caughtUp, this.halted]);
    if (this.st.stopping) return;
    // Their handling too: a registry that stopped answering holds it (schema fetches retried until the stop's deadline).
    await Promise.race([this.st.barrier(), this.halted]);
    if (this.st.stopping) return;
    this.st.consentsCaughtUp = true;
    this.deps.metrics.consentsCurrent.set(1);
    void consents.failed.then((e) => this.onConsentsFailed(e));
    log.info({ consents: this.st.consents.size, ms: Date.now() - t0 }, 'consents read');
    if (this.st.stopping) return; // stopped while starting: do not join the group
    this.joining = true;
    await source.start();
    if (this.st.stopping) return; // stopped while joining: the stop's final checkpoint runs and leaves the group
    this.st.status = 'ready';
    // The event-time settings in force (engine config file, CALLGUARD_ENGINE_CONFIG and any live override from Redis; IDLE_MS).
    const eventTime = { allowedLatenessMs: this.st.engineConfig.allowedLatenessMs, idleMs: config.idleMs };
    log.info({ group: config.kafka.group, topics: config.topics, partitions: calls, ...eventTime }, 'detector started');
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

  /**
   * /readyz. An output whose writes have failed for longer than the grace (output-health.ts) makes it `degraded`,
   * naming the output, for how long and its last error: the writes are retried without end, so the process is
   * healthy but nothing is committed meanwhile. It is ready again by itself once they go through.
   */
  readiness(): Readiness {
    const now = Date.now();
    const kafka = this.st.outputs.overdue('kafka', now);
    const clickhouse = this.st.outputs.overdue('clickhouse', now);
    const checks = {
      consents: this.st.consentsCaughtUp,
      assigned: this.st.assigned,
      redis: this.deps.redis.up,
      clickhouse: this.st.chBlocked === null,
      kafkaOutput: kafka === null,
      clickhouseOutput: clickhouse === null,
    };
    if (this.st.status === 'failed') return { ready: false, status: 'failed', checks, ...(this.st.failure ? { error: this.st.failure } : {}) };
    if (this.st.status === 'stopping' || this.st.status === 'starting') return { ready: false, status: this.st.status, checks };
    if (this.st.chBlocked) return { ready: false, status: 'blocked', checks, error: `ClickHouse: ${this.st.chBlocked.message}` };
    if (this.st.checkpointFailed) return { ready: false, status: 'blocked', checks, error: `checkpoint failed, nothing more is committed (restart the detector): ${this.st.checkpointFailed.message}` };
    const failing = [kafka, clickhouse].filter((f) => f !== null);
    if (failing.length > 0) return { ready: false, status: 'degraded', checks, error: failing.map((f) => OutputHealth.describe(f, now)).join('; ') };
    if (!checks.redis) return { ready: false, status: 'degraded', checks };
    return { ready: checks.consents && checks.assigned, status: checks.consents && checks.assigned ? 'ready' : 'starting', checks };
  }

  /**
   * Begins a stop: no further input is processed and no further start step runs. Resolves once a start step in
   * progress has returned (it sees the stop at its next step, so it cannot join the group afterwards). A group join
   * waits for the group's other members (up to their rebalance timeout), so this is not bounded by the stop's
   * deadline, which counts from here: a second stop signal is the way to cut it short (main.ts).
   */
  async halt(): Promise<void> {
    if (!this.st.stopping) {
      this.st.stopping = true;
      if (this.st.status !== 'failed') this.st.status = 'stopping'; // a failure stays visible on /readyz while it stops
      this.onHalt();
    }
    if (this.st.starting) await this.st.starting.catch(() => {});
  }

  /**
   * Stops after {@link halt}: the final checkpoint (flags, DLQ, rows, snapshots, commit), then the consumers leave.
   * The checkpoint gets the deadline minus a reserve for leaving ({@link checkpointBudgetMs}): a checkpoint still
   * running then (a sink that does not answer) is given up — aborted, and nothing of it is marked or committed
   * afterwards — and the consumers leave the group within the reserve, so that the other members take the
   * partitions at once instead of after the session timeout. Rejects if the final checkpoint did not complete
   * (after leaving), so that the process does not exit 0 with input processed but not committed.
   */
  async stop(deadlineMs = 30_000): Promise<void> {
    if (this.st.stopped) return;
    this.st.stopped = true;
    const { log } = this.deps;
    await this.halt();
    if (this.st.sub === null || !this.joining) {
      log.info('stopped during start-up: the group was not joined, nothing to flush');
      // Consents read so far (their handling may be waiting on the registry) need no checkpoint: no partition is
      // owned. The start may have opened connections (the topics' partition counts, the consents reader).
      await this.leave();
      return;
    }
    const budgetMs = checkpointBudgetMs(deadlineMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), budgetMs)));
    const flush = this.finalCheckpoint().then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    let failure: Error | undefined;
    try {
      const r = await Promise.race([flush, expired]);
      if (r === 'expired') {
        // Retries end at their next attempt; a write still in flight is left behind. The checkpoint's later steps
        // (marks, commit) check the signal, and no other checkpoint runs after a failed one: nothing of this
        // checkpoint, nor anything after it, is marked or committed (checkpoint.ts).
        failure = new Error(`given up after ${budgetMs} ms of the ${deadlineMs} ms stop deadline (${deadlineMs - budgetMs} ms kept for leaving the group)`);
        this.st.checkpointFailed ??= failure;
        this.st.abort.abort(failure);
      } else failure = r;
      if (failure) log.error({ err: failure.message }, 'final checkpoint failed: uncommitted input will be read again after a restart');
      else log.info('final checkpoint done');
    } finally {
      clearTimeout(timer);
      await this.leave();
    }
    if (failure) throw new Error(`final checkpoint failed: ${failure.message}`);
  }

  /** The final checkpoint: input paused, the queued work handled, the checkpoint in progress finished, then one with every snapshot. */
  private async finalCheckpoint(): Promise<void> {
    for (const p of this.st.active) syncPause(this.st, p);
    await this.st.barrier();
    await this.st.checkpoint;
    this.st.checkpoint = null;
    await runCheckpointNow(this.st, true);
  }

  /** Ends the work loop and closes the consumers (the group's and the consents reader). */
  private async leave(): Promise<void> {
    this.st.sub?.unsubscribe();
    await this.deps.source.stop();
    await this.deps.consents.stop();
  }

  private async handle(item: WorkItem): Promise<void> {
    try {
      switch (item.k) {
        case 'source':
          if (item.e.type === 'batch') {
            try {
              if (!this.st.stopping) await onBatch(this.st, item.e.batch);
            } finally {
              item.e.done();
            }
          } else if (item.e.type === 'crashed') {
            this.onCrashed(item.e.error, item.e.restart);
          } else {
            await onAssigned(this.st, item.e.assignment);
            item.e.done();
          }
          break;
        case 'consents':
          await onConsents(this.st, item.b);
          break;
        case 'control':
          applyControl(this.st, item.c);
          break;
        case 'tick':
          onTick(this.st);
          break;
        case 'end':
          onEndOffset(this.st, item.partition, item.side, item.high);
          break;
        case 'barrier':
          item.resolve();
          break;
      }
    } catch (e) {
      this.st.log.error({ err: (e as Error).message, stack: (e as Error).stack, item: item.k }, 'work item failed');
    }
  }
}
