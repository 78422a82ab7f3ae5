/**
 * Whether the detector's outputs take its writes: the Kafka producer (flags
 * and DLQ records) and the ClickHouse writer. Their writes are retried
 * without end (flag-lane.ts, checkpoint.ts), so an output that keeps
 * failing — a deleted flags topic, a broker refusing writes, ClickHouse
 * away — holds every checkpoint and commit while the process looks healthy;
 * this is what lets /readyz (`degraded`) and `_sink_failing` say so once
 * it has lasted longer than a grace (CALLGUARD_DETECTOR_OUTPUT_GRACE_MS).
 *
 * Tracked per write, not per output: flags and DLQ records go to different
 * topics through one producer, and the flag lane runs beside the
 * checkpoints, so flags going through must not hide DLQ sends failing
 * meanwhile (a deleted DLQ topic), as a single "last success" per output
 * would. A write counts from its first failure until it goes through, or is
 * given up (the stop's abort, a fenced flag lane); an output is failing
 * while any of its writes is, since the oldest one's first failure.
 */
import type { Logger } from 'pino';
import { retry, type RetryOptions } from './retry.ts';

/** The outputs tracked, as the `sink` label of the sink metrics. */
export type Output = 'kafka' | 'clickhouse';
export const OUTPUTS: readonly Output[] = ['kafka', 'clickhouse'];

/** An output's oldest write that has failed and not gone through yet. */
export interface OutputFailure {
  output: Output;
  /** The write (retry's `what`), e.g. `produce DLQ records`. */
  what: string;
  /** Its first failure (ms). */
  since: number;
  /** Its latest error message. */
  error: string;
  /** False for a write retried at each checkpoint while commits go on (unusable consent records to the DLQ). */
  holdsCommits: boolean;
}

/** How an output's failures are named on /readyz and in logs. */
const NAMES: Record<Output, string> = { kafka: 'Kafka output (flags, DLQ)', clickhouse: 'ClickHouse output' };

/** The failing writes of every output. */
export class OutputHealth {
  private readonly writes = new Map<object, OutputFailure>();
  /** Outputs reported as failing past the grace (logged once when they cross it, once when they recover). */
  private readonly loud = new Set<Output>();

  constructor(
    /** How long an output may fail before it counts (ms). */
    readonly graceMs: number,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** `key`'s write to `output` failed (again). */
  failed(key: object, output: Output, what: string, err: unknown, holdsCommits = true): void {
    const error = err instanceof Error ? err.message : String(err);
    const w = this.writes.get(key);
    if (w) w.error = error;
    else this.writes.set(key, { output, what, since: this.now(), error, holdsCommits });
  }

  /** `key`'s write went through, or was given up: it no longer counts. */
  settled(key: object): void {
    this.writes.delete(key);
  }

  /** The output's oldest failing write, failing for longer than the grace at `now`; null if none. */
  overdue(output: Output, now = this.now()): OutputFailure | null {
    let oldest: OutputFailure | null = null;
    for (const w of this.writes.values()) if (w.output === output && (oldest === null || w.since < oldest.since)) oldest = w;
    return oldest !== null && now - oldest.since > this.graceMs ? oldest : null;
  }

  /** /readyz's `error` for an overdue output. */
  static describe(f: OutputFailure, now: number): string {
    const retried = f.holdsCommits ? 'retried, nothing committed meanwhile' : 'tried again at each checkpoint';
    return `${NAMES[f.output]} failing for ${Math.round((now - f.since) / 1000)} s (${f.what}; ${retried}): ${f.error}`;
  }

  /**
   * Each output's state at `now` (true: failing past the grace), for the gauge; logs an output crossing the grace
   * (error) and taking writes again after it (info). Called every tick.
   */
  check(now = this.now()): Record<Output, boolean> {
    const out = {} as Record<Output, boolean>;
    for (const output of OUTPUTS) {
      const f = this.overdue(output, now);
      out[output] = f !== null;
      if (f && !this.loud.has(output)) {
        this.loud.add(output);
        this.log?.error(
          { sink: output, what: f.what, since: new Date(f.since).toISOString(), err: f.error },
          `${NAMES[output]} failing for longer than ${this.graceMs} ms: nothing is committed until it takes the writes (/readyz degraded); retrying`,
        );
      } else if (!f && this.loud.delete(output)) {
        this.log?.info({ sink: output }, `${NAMES[output]} takes writes again`);
      }
    }
    return out;
  }
}

/**
 * {@link retry} for one write to `output`: its failures recorded in `health` (besides `opts.onError`), and the write
 * settled there once it has gone through or been given up.
 */
export async function retryWrite<T>(health: OutputHealth, output: Output, fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const key = {};
  try {
    return await retry(fn, {
      ...opts,
      onError: (e) => {
        health.failed(key, output, opts.what, e);
        opts.onError?.(e);
      },
    });
  } finally {
    // Gone through, or given up (a fatal error, the stop's abort): this write no longer fails; a later one counts afresh.
    health.settled(key);
  }
}
