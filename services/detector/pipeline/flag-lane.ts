/**
 * Flags leave as soon as the engine raises them, not at the next
 * checkpoint: a serial lane takes each handful of flags, drops those Redis
 * marks as already emitted or whose evidence an investigator dismissed,
 * marks the rest pending, produces them
 * (idempotent producer, acks from all in-sync replicas), then marks them
 * emitted. Flags found pending (the previous owner died between produce
 * and mark) are looked up on the flags topic itself, from the time of that
 * attempt, and produced only if they are not there. A
 * checkpoint drains the lane before it commits, so an offset is never
 * committed before the flags of the events below it are on the topic; the
 * flags the lane emitted, or found already emitted, become the checkpoint's
 * ClickHouse `flags` rows.
 */
import type { Logger } from 'pino';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import type { Sink } from '../kafka/source.ts';
import { coveredByDismissal, type FlagDedup } from '../state/stores.ts';

/** The part of the Redis store the lane uses. */
export type LaneDedup = Pick<FlagDedup, 'lookup' | 'markPending' | 'mark' | 'dismissedUntil'>;
import { retry } from './retry.ts';

/** What the lane talks to. */
export interface FlagLaneDeps {
  sink: Sink;
  topic: string;
  encodeFlag: (f: FlagEvent) => Buffer;
  dedup: LaneDedup;
  log: Logger;
  signal: AbortSignal;
  onSinkError(sink: 'kafka' | 'redis', err: unknown): void;
  onEmitted(flags: FlagEvent[]): void;
  onDeduplicated(n: number): void;
  /** Flags not emitted because an investigator dismissed the same evidence. */
  onDismissed?(n: number): void;
  /** Which of `flagIds` are on the flags topic among the records written since `sinceMs`. */
  findOnTopic(flagIds: Set<string>, sinceMs: number): Promise<Set<string>>;
  now?: () => number;
}

/** The serial flag emitter. */
export class FlagLane {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private emitted: FlagEvent[] = [];
  private failure: unknown = null;

  constructor(private readonly deps: FlagLaneDeps) {}

  /** Flags queued or being produced. */
  get pending(): number {
    return this.queued;
  }

  /** Queues flags for emission, in order. */
  push(flags: FlagEvent[]): void {
    if (flags.length === 0) return;
    this.queued += flags.length;
    this.tail = this.tail.then(async () => {
      try {
        await this.emit(flags);
      } catch (e) {
        this.failure ??= e;
      } finally {
        this.queued -= flags.length;
      }
    });
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

  private async emit(flags: FlagEvent[]): Promise<void> {
    const d = this.deps;
    const unique = [...new Map(flags.map((f) => [f.flagId, f])).values()];
    const marks = await d.dedup.lookup(unique.map((f) => f.flagId));
    const already = marks.emitted;
    if (marks.pending.size > 0) {
      const since = Math.min(...marks.pending.values());
      const found = await retry(() => d.findOnTopic(new Set(marks.pending.keys()), since), { what: 'look up pending flags on the flags topic', signal: d.signal, log: d.log });
      for (const id of found) already.add(id);
      if (found.size > 0) await d.dedup.mark([...found]);
      d.log.info({ pending: marks.pending.size, alreadyOnTopic: found.size }, 'settled flags left pending by a previous owner');
    }
    const notYet = unique.filter((f) => !already.has(f.flagId));
    if (notYet.length < flags.length) d.onDeduplicated(flags.length - notYet.length);
    // An investigator dismissed this number's evidence up to some windowEnd:
    // a flag on that evidence (ending within it, or overlapping it without a
    // higher severity) is not emitted again — the enforcer's rule.
    const dismissed = await d.dedup.dismissedUntil([...new Set(notYet.map((f) => f.number))]);
    const fresh = notYet.filter((f) => {
      const dismissal = dismissed.get(f.number);
      return dismissal === undefined || !coveredByDismissal(f, dismissal);
    });
    if (fresh.length < notYet.length) d.onDismissed?.(notYet.length - fresh.length);
    // Flags already on the topic (produced by an owner that died before its
    // checkpoint) are not produced again, but they still become this
    // checkpoint's ClickHouse rows: the checkpoint that would have written
    // them never happened (rows are keyed by flagId, so a repeat is harmless).
    this.emitted.push(...unique.filter((f) => already.has(f.flagId)));
    if (fresh.length === 0) return;
    if (!(await d.dedup.markPending(fresh.map((f) => f.flagId), (d.now ?? Date.now)()))) d.onSinkError('redis', new Error('pending flag marks not stored'));
    const messages = fresh.map((f) => ({ topic: d.topic, key: f.number, value: d.encodeFlag(f) }));
    await retry(() => d.sink.send(messages), { what: 'produce flags', signal: d.signal, log: d.log, onError: (e) => d.onSinkError('kafka', e) });
    d.onEmitted(fresh);
    this.emitted.push(...fresh);
    if (!(await d.dedup.mark(fresh.map((f) => f.flagId)))) d.onSinkError('redis', new Error('flag marks not stored'));
  }
}
