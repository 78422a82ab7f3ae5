/**
 * Flags leave as soon as the engine raises them, not at the next
 * checkpoint: a serial lane of rounds. Flags pushed while a round runs join
 * the next round (which has not started), one step per partition, so under
 * load a step carries many batches' flags instead of the lane falling
 * behind one small step per batch. Within a round the partitions' steps run
 * side by side: each step is a few Redis round trips and a produce, and
 * steps of different partitions share nothing (a flag id belongs to one
 * partition; produces to the flags topic are queued one at a time by the
 * sink), so their round trips overlap instead of each partition waiting for
 * every other's (the latency tail at 50,000 events/s offered, bench:e2e).
 * A partition's steps still run one at a time, in order. A step
 * drops the flags whose evidence an investigator dismissed, **claims** the rest
 * (a Lua script sets their pending mark `p:<ms>:<gen>` only while this
 * instance's owner generation of the partition is current, see
 * state/owner-fence.ts), produces the claimed ones (idempotent producer,
 * acks from all in-sync replicas) and marks them emitted.
 *
 * Rebalances: an instance that lost the partition is fenced — its claim is
 * refused and it drops those flags (the new owner recomputes them), and
 * before every further produce attempt it re-checks the fence (moving its
 * pending marks to the new attempt time), so a fenced owner stops retrying.
 * A flag found pending under another attempt is not produced at once: while
 * the mark is younger than `graceMs` (the longest a produce can still be in
 * flight) the lane polls it until it turns emitted; once older, the flag is
 * looked up on the flags topic itself (read back from the attempt's time),
 * and if it is not there the pending mark is taken over (compare-and-set,
 * fenced) and the flag produced.
 *
 * A checkpoint drains the lane before it commits, so an offset is never
 * committed before the flags of the events below it are on the topic; the
 * flags the lane emitted, or found already emitted, become the checkpoint's
 * ClickHouse `flags` rows.
 *
 * The lane tells each flag's partition task what became of it
 * (`onDecided`): kept (going out, or already on the topic) or dismissed
 * (dropped as dismissed evidence, never on the topic), once the dismissal
 * check and the claim have answered; only kept flags make their number's
 * calls flagged calls in provider_hour. A flag dropped as dismissed is
 * marked `d` first (the decision itself, with the marks' TTL); one found
 * marked `d` by the claim (dropped when first raised, replayed since above
 * the committed offset) is dropped again. Flags the task does not emit
 * again (below its suppress offsets) or that a restored snapshot held
 * undecided come as *lookups*: nothing is produced or claimed for them,
 * their fate is read back from their mark (dismissed = marked `d`, else
 * kept), in the partition's step like its flags. Flags dropped because the
 * partition is not this instance's (fenced, or revoked) are told as kept
 * (see decideFenced), so that nothing in the task waits for them.
 */
import type { Logger } from 'pino';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import type { Sink } from '../kafka/source.ts';
import { coveredByDismissal, parsePending, pendingMark, type FlagDedup } from '../state/stores.ts';
import { retryWrite, type OutputHealth } from './output-health.ts';
import { retry, sleep } from './retry.ts';

/** The part of the Redis store the lane uses. */
export type LaneDedup = Pick<FlagDedup, 'peek' | 'claim' | 'takeOver' | 'refresh' | 'mark' | 'dismiss' | 'dismissedUntil'>;

/** What the lane needs of a flag it only looks up: its id (its `d` mark tells whether it was dropped as dismissed). */
export type FlagLookup = Pick<FlagEvent, 'flagId'>;

/** One partition's work in a round: flags to emit, and flags only to look up. */
interface Step {
  flags: FlagEvent[];
  lookups: FlagLookup[];
}

/** Most flags claimed and produced at once (one produce request, so one in-flight bound per claim); a step sends its flags in such chunks. */
const CHUNK = 200;

/** What the lane talks to. */
export interface FlagLaneDeps {
  sink: Sink;
  topic: string;
  encodeFlag: (f: FlagEvent) => Buffer;
  dedup: LaneDedup;
  log: Logger;
  signal: AbortSignal;
  onSinkError(sink: 'kafka' | 'redis', err: unknown): void;
  /** Where the produce's failures and recovery are recorded (/readyz, `_sink_failing`). */
  outputs: OutputHealth;
  onEmitted(flags: FlagEvent[]): void;
  onDeduplicated(n: number): void;
  /** Flags not emitted because an investigator dismissed the same evidence. */
  onDismissed?(n: number): void;
  /**
   * What became of flags of `partition` (ids): `kept` go out or were on the topic already, `dismissed` were dropped
   * as dismissed evidence. Told once the dismissal check and the claim have answered, for flags to emit and for
   * lookups alike; flags dropped because the partition is not this instance's (any more) are told as kept.
   */
  onDecided?(partition: number, kept: string[], dismissed: string[]): void;
  /** Flags dropped because another instance owns their partition now (it recomputes them). */
  onFenced?(partition: number, n: number): void;
  /** Flags whose produce waited for another attempt's pending mark (young), and for how long. */
  onWaited?(n: number, ms: number): void;
  /**
   * This instance's owner generation of a partition: a number, undefined
   * when not known (Redis was away when it was taken: unfenced), null when
   * the partition is not this instance's any more.
   */
  generation(partition: number): Promise<number | undefined | null>;
  /** Which of `flagIds` are on the flags topic among the records written since `sinceMs`. */
  findOnTopic(flagIds: Set<string>, sinceMs: number): Promise<Set<string>>;
  /** The longest a produce can still be in flight after its attempt began (ms): a younger pending mark is waited for. */
  graceMs: number;
  /** How often a young pending mark is polled (ms, default 200). */
  pollMs?: number;
  now?: () => number;
}

/** The lane was fenced off a partition while producing. */
class FencedError extends Error {}

/** The serial flag emitter. */
export class FlagLane {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  /**
   * The round queued on the lane that has not started: per partition, the
   * flags of its step, which flags pushed meanwhile join, in order. A step
   * costs a few Redis round trips and one produce whatever its size (up to
   * CHUNK flags a produce), so the number of steps follows the time the
   * lane takes, not the number of batches.
   */
  private waiting: Map<number, Step> | null = null;
  private emitted: FlagEvent[] = [];
  private failure: Error | null = null;

  constructor(private readonly deps: FlagLaneDeps) {}

  /** Flags queued or being produced. */
  get pending(): number {
    return this.queued;
  }

  /**
   * Queues flags raised by the engine of `partition`, for emission in order,
   * and `lookups`: flags of it not to emit whose fate is only to be told (onDecided).
   */
  push(flags: FlagEvent[], partition: number, lookups: readonly FlagLookup[] = []): void {
    if (flags.length === 0 && lookups.length === 0) return;
    this.queued += flags.length + lookups.length;
    if (this.waiting !== null) {
      const joined = this.waiting.get(partition);
      if (joined) {
        for (const f of flags) joined.flags.push(f);
        for (const f of lookups) joined.lookups.push(f);
      } else this.waiting.set(partition, { flags: [...flags], lookups: [...lookups] });
      return;
    }
    const round = new Map<number, Step>([[partition, { flags: [...flags], lookups: [...lookups] }]]);
    this.waiting = round;
    this.tail = this.tail.then(async () => {
      this.waiting = null; // started: later pushes queue the next round
      await Promise.all([...round].map(([p, step]) => this.step(p, step)));
    });
  }

  /** One partition's lookups, then its flags of a round, in order, in produces of up to CHUNK. */
  private async step(partition: number, step: Step): Promise<void> {
    try {
      for (let i = 0; i < step.lookups.length; i += CHUNK) await this.lookUp(step.lookups.slice(i, i + CHUNK), partition);
      const unique = [...new Map(step.flags.map((f) => [f.flagId, f])).values()];
      if (unique.length < step.flags.length) this.deps.onDeduplicated(step.flags.length - unique.length);
      for (let i = 0; i < unique.length; i += CHUNK) await this.emit(unique.slice(i, i + CHUNK), partition);
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    } finally {
      this.queued -= step.flags.length + step.lookups.length;
    }
  }

  /**
   * Flags not to emit: tells their fate as the lane decided it when they
   * were raised — dismissed when marked `d` (the lane recorded that it
   * dropped them as dismissed evidence), else kept. The dismissal record is
   * not consulted: judging again by it would call dismissed a flag that went
   * out without an `e` mark (produced while Redis was away) and was
   * dismissed later, or one a widened or expired record covers differently
   * now, and rewrite rows already written with other values. Without Redis
   * nothing is dismissed, as for emission.
   */
  private async lookUp(flags: FlagLookup[], p: number): Promise<void> {
    const d = this.deps;
    if (d.onDecided === undefined) return;
    const marks = await d.dedup.peek(flags.map((f) => f.flagId));
    const dismissed = new Set(flags.filter((f) => marks?.get(f.flagId) === 'd').map((f) => f.flagId));
    d.onDecided(
      p,
      flags.filter((f) => !dismissed.has(f.flagId)).map((f) => f.flagId),
      [...dismissed],
    );
  }

  /**
   * Waits for everything queued so far and returns the flags emitted since
   * the last drain; throws if an emission was given up (abort).
   */
  async drain(): Promise<FlagEvent[]> {
    await this.tail;
    if (this.failure !== null) {
      const e = this.failure;
      this.failure = null;
      throw e;
    }
    const out = this.emitted;
    this.emitted = [];
    return out;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async emit(flags: FlagEvent[], p: number): Promise<void> {
    const d = this.deps;
    const gen = await d.generation(p);
    if (gen === null) {
      this.decideFenced(p, flags);
      return this.fenced(p, flags.length, 'not owned');
    }
    // An investigator dismissed this number's evidence up to some windowEnd:
    // a flag on that evidence (ending within it, or overlapping it without a
    // higher severity) is not emitted again — the enforcer's rule.
    const dismissals = await d.dedup.dismissedUntil([...new Set(flags.map((f) => f.number))]);
    const covered = (f: FlagEvent) => {
      const dismissal = dismissals.get(f.number);
      return dismissal !== undefined && coveredByDismissal(f, dismissal);
    };
    const todo = flags.filter((f) => !covered(f));
    const already = new Set<string>();
    /** Flags dropped as dismissed evidence: never on the topic, no flagged calls. */
    const dropped = new Set<string>();
    let redismissed = 0;
    if (todo.length < flags.length) {
      // Those emitted before the dismissal still become rows (their checkpoint may not have happened).
      const marks = await d.dedup.peek(flags.filter(covered).map((f) => f.flagId));
      for (const [id, v] of marks ?? []) if (v === 'e') already.add(id);
      for (const f of flags) if (covered(f) && !already.has(f.flagId)) dropped.add(f.flagId);
      if (dropped.size > 0) {
        // The decision itself is recorded (`d`), before anyone is told it: a lookup after a restart reads it
        // back instead of judging again by the dismissal record as it stands then, which may have widened or
        // expired since, or met a flag that went out unmarked (Redis away) and was dismissed later.
        const r = await d.dedup.dismiss(p, gen, [...dropped]);
        if (r === 'fenced') {
          this.decideFenced(p, flags);
          return this.fenced(p, flags.length, 'dismissal mark refused');
        }
        if (r === undefined) d.onSinkError('redis', new Error('dismissal marks not stored'));
        d.onDismissed?.(dropped.size);
      }
      if (already.size > 0) d.onDeduplicated(already.size);
    }
    let value = pendingMark(this.now(), gen);
    const claim = await d.dedup.claim(p, gen, todo.map((f) => f.flagId), value);
    let mine: Set<string>;
    let claimed: string[] = [];
    const others = new Map<string, string>();
    if (claim === undefined) {
      // Redis away (degraded): produce; consumers dedupe by the deterministic flagId.
      d.onSinkError('redis', new Error('flag marks not readable'));
      mine = new Set(todo.map((f) => f.flagId));
    } else if (claim === 'fenced') {
      this.decide(p, flags, dropped);
      return this.fenced(p, todo.length, 'claim refused');
    } else {
      claimed = claim.claimed;
      mine = new Set(claimed);
      let dupes = 0;
      for (const [id, v] of claim.found) {
        if (v === 'e') {
          already.add(id);
          dupes++;
        } else if (v === 'd') {
          // Dropped as dismissed evidence when it was raised before (a replay above the committed offset),
          // although the dismissal record no longer covers it: dropped again, as decided then, so that its
          // rows come out as they did.
          dropped.add(id);
          redismissed++;
        } else others.set(id, v);
      }
      if (dupes > 0) d.onDeduplicated(dupes);
      if (redismissed > 0) {
        d.onDismissed?.(redismissed);
        d.log.info({ partition: p, flags: redismissed }, 'flags dropped as dismissed evidence when first raised: dropped again, although the dismissal no longer covers them');
      }
    }
    // Their fate, for the aggregates: the dismissed ones never reach the topic; the others go out (or are there
    // already). Flags still to settle below are kept too: they go out, are found on the topic, or are dropped
    // because this instance was fenced off the partition (see decideFenced).
    this.decide(p, flags, dropped);
    if (others.size > 0) {
      const settled = await this.settle(p, gen, others, value);
      if (settled === 'fenced') return this.fenced(p, todo.length, 'take-over refused');
      for (const id of settled.emitted) already.add(id);
      for (const id of settled.claimed) mine.add(id);
      if (settled.emitted.size > 0) d.onDeduplicated(settled.emitted.size);
      if (settled.value !== value && claimed.length > 0) {
        // One mark for the whole send, so that a retry moves them all: the flags claimed before the
        // settling get the take-over's (later) mark too.
        const r = await d.dedup.refresh(p, gen, claimed, value, settled.value);
        if (r === 'fenced') return this.fenced(p, todo.length, 'fenced while settling');
      }
      value = settled.value;
    }
    // Flags already on the topic (produced by an owner that died before its
    // checkpoint, or by the previous owner) are not produced again, but they
    // still become this checkpoint's ClickHouse rows: the checkpoint that
    // would have written them may never have happened (rows are keyed by
    // flagId, so a repeat is harmless).
    this.emitted.push(...flags.filter((f) => already.has(f.flagId)));
    const fresh = todo.filter((f) => mine.has(f.flagId));
    if (fresh.length === 0) return;
    const ids = fresh.map((f) => f.flagId);
    const messages = fresh.map((f) => ({ topic: d.topic, key: f.number, value: d.encodeFlag(f) }));
    let attempt = 0;
    try {
      await retryWrite(
        d.outputs,
        'kafka',
        async () => {
          if (attempt++ > 0) {
            // Another attempt: only while still the owner, and with the pending marks moved to its time
            // (keeping the first attempt's: it may have landed although reported failed).
            const next = pendingMark(this.now(), gen, parsePending(value).first);
            const r = await d.dedup.refresh(p, gen, ids, value, next);
            if (r === 'fenced') throw new FencedError();
            if (r !== undefined) value = next;
          }
          await d.sink.send(messages);
        },
        { what: 'produce flags', signal: d.signal, log: d.log, onError: (e) => d.onSinkError('kafka', e), fatal: (e) => e instanceof FencedError },
      );
    } catch (e) {
      if (e instanceof FencedError) return this.fenced(p, fresh.length, 'fenced before a produce retry');
      throw e;
    }
    d.onEmitted(fresh);
    this.emitted.push(...fresh);
    if (!(await d.dedup.mark(ids))) d.onSinkError('redis', new Error('flag marks not stored'));
  }

  /** Tells the task of partition `p` the fate of `flags`: `dismissed` ones dropped as dismissed evidence, the others kept. */
  private decide(p: number, flags: readonly FlagEvent[], dismissed: ReadonlySet<string>): void {
    const d = this.deps;
    if (d.onDecided === undefined || flags.length === 0) return;
    const kept: string[] = [];
    const gone: string[] = [];
    for (const f of flags) (dismissed.has(f.flagId) ? gone : kept).push(f.flagId);
    d.onDecided(p, kept, gone);
  }

  /**
   * Flags dropped because this instance does not own their partition (any
   * more) are decided as kept for its task, so that none of its calls waits
   * for them. The task may well run on (fenced while the group still assigns
   * it the partition: until the next rebalance), and left undecided, every
   * later call of their (provider, hour) cells would wait behind them, and
   * be snapshotted, without bound. Kept rather than looked up: the decision
   * is not this instance's to make — the partition's owner recomputes these
   * flags, decides them itself (its lane's dismissal check and `d` marks)
   * and writes its own provider_hour rows, while a fenced task's rows are
   * not written (checkpoint-runner.ts) and its offsets not committed.
   */
  private decideFenced(p: number, flags: readonly FlagEvent[]): void {
    this.decide(p, flags, new Set());
  }

  private fenced(p: number, n: number, why: string): void {
    if (n === 0) return;
    this.deps.onFenced?.(p, n);
    this.deps.log.info({ partition: p, flags: n, why }, 'flags dropped: another instance owns the partition now and recomputes them');
  }

  /**
   * Flags another attempt marked pending: wait while the marks are young
   * (that attempt may still land), then read the topic for the old ones,
   * and take over the marks of those not there.
   */
  private async settle(p: number, gen: number | undefined, marks: Map<string, string>, value: string): Promise<{ emitted: Set<string>; claimed: Set<string>; value: string } | 'fenced'> {
    const d = this.deps;
    const emitted = new Set<string>();
    const claimed = new Set<string>();
    const waiting = new Map(marks);
    const t0 = this.now();
    let waited = false;
    for (let round = 0; waiting.size > 0; round++) {
      // 1. Young marks of another attempt (an owner's own generation has nothing in flight: the lane is serial).
      const young = () => [...waiting.values()].some((v) => isYoung(v, gen, this.now(), d.graceMs));
      if (young() && !waited) {
        waited = true;
        d.log.info({ partition: p, pending: waiting.size, graceMs: d.graceMs }, 'flags pending under another attempt that may still be in flight: waiting for it');
      }
      while (young() && !d.signal.aborted) {
        await sleep(d.pollMs ?? 200, d.signal);
        const cur = await d.dedup.peek([...waiting.keys()]);
        for (const [id, v] of cur ?? []) {
          if (v === 'e') {
            emitted.add(id);
            waiting.delete(id);
          } else waiting.set(id, v ?? '-');
        }
      }
      if (waiting.size === 0) break;
      // 2. Old marks: the attempt can no longer land; is the flag on the topic?
      // From the first attempt of each (an attempt before a retry may have landed).
      // Only pending marks tell an attempt's time; any other mark (none left, `d` written by another lane
      // meanwhile) is taken over at once.
      const times = [...waiting.values()].filter((v) => v.startsWith('p:')).map((v) => parsePending(v).first);
      if (times.length > 0) {
        const pendingIds = new Set([...waiting].filter(([, v]) => v.startsWith('p:')).map(([id]) => id));
        const found = await retry(() => d.findOnTopic(pendingIds, Math.min(...times)), { what: 'look up pending flags on the flags topic', signal: d.signal, log: d.log });
        for (const id of found) {
          emitted.add(id);
          waiting.delete(id);
        }
        if (found.size > 0) await d.dedup.mark([...found]);
        d.log.info({ partition: p, pending: pendingIds.size, alreadyOnTopic: found.size }, 'settled flags left pending by another attempt');
      }
      if (waiting.size === 0) break;
      // 3. Not there: take the marks over (only if unchanged, and only while the owner).
      value = pendingMark(this.now(), gen);
      const taken = await d.dedup.takeOver(p, gen, waiting, value);
      if (taken === 'fenced') return 'fenced';
      if (taken === undefined || round >= 5) {
        // Redis away, or the marks keep changing under us: produce (consumers dedupe by flagId).
        if (round >= 5) d.log.error({ partition: p, flags: waiting.size }, 'pending flag marks kept changing: producing them anyway');
        for (const id of waiting.keys()) claimed.add(id);
        break;
      }
      for (const id of taken.claimed) {
        claimed.add(id);
        waiting.delete(id);
      }
      for (const [id, v] of taken.found) {
        if (v === 'e') {
          emitted.add(id);
          waiting.delete(id);
        } else waiting.set(id, v);
      }
    }
    if (waited) d.onWaited?.(marks.size, this.now() - t0);
    return { emitted, claimed, value };
  }
}

/** A pending mark of another attempt that may still be in flight. */
function isYoung(v: string, gen: number | undefined, now: number, graceMs: number): boolean {
  if (!v.startsWith('p:')) return false;
  const m = parsePending(v);
  if (gen !== undefined && m.gen === gen) return false;
  return now - m.at < graceMs;
}
