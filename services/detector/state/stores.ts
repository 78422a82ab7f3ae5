/**
 * What the detector keeps in Redis, each behind a small class:
 *
 * - `<prefix>:snapshot:<group>:<calls topic>:<partition>`: the latest
 *   checkpoint of a partition (engine + aggregates + positions), binary;
 * - `<prefix>:dismissed:<number>` (written by the console and the enforcer):
 *   evidence an investigator dismissed; a flag on that evidence is not
 *   emitted again (see {@link coveredByDismissal});
 * - `<prefix>:flag:<flags topic>:<flagId>`: set once a flag is on the flags
 *   topic (with a TTL), so a restarted or rebalanced instance does not emit it again;
 * - `<prefix>:allowlist`: a set of numbers never to flag (any form);
 * - `<prefix>:config:engine`: JSON overrides of the engine config, applied live;
 * - `<prefix>:emitted:…` and `<prefix>:consent-dlq:…`: offset marks (below).
 */
import type { FlagEvent, Severity } from '../../../shared/contracts/records.ts';
import type { RedisHandle } from './redis.ts';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from './snapshot-codec.ts';

/** Partition checkpoints in Redis. */
export class SnapshotStore {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  key(partition: number): string {
    return `${this.prefix}:snapshot:${this.group}:${this.topic}:${partition}`;
  }

  /** Stores a checkpoint; false when Redis is unavailable. Returns the stored size. */
  async save(s: PartitionSnapshot): Promise<number | false> {
    const buf = await encodePartitionSnapshot(s);
    return this.redis.attempt<number | false>(
      'snapshot save',
      async (r) => {
        await r.set(this.key(s.partition), buf);
        return buf.length;
      },
      false,
    );
  }

  /**
   * The stored checkpoint: `null` when there is none, `undefined` when Redis
   * could not be asked. A damaged snapshot throws.
   */
  async load(partition: number): Promise<PartitionSnapshot | null | undefined> {
    const buf = await this.redis.attempt('snapshot load', (r) => r.getBuffer(this.key(partition)), undefined);
    if (buf === undefined) return undefined;
    if (buf === null) return null;
    return decodePartitionSnapshot(buf);
  }
}

/**
 * Flag de-duplication by flagId. A flag is marked `p:<ms>` (pending, with
 * the wall-clock time of the attempt) just before it is produced and `e`
 * (emitted) once the broker acknowledged it; both with a TTL. A pending
 * mark found later means the process died between the two: whether the flag
 * reached the topic is then settled by reading the topic back from that time.
 */
export class FlagDedup {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly flagsTopic: string,
    private readonly ttlSec: number,
  ) {}

  private key(flagId: string): string {
    return `${this.prefix}:flag:${this.flagsTopic}:${flagId}`;
  }

  /**
   * The marks of `ids`: emitted ones, and pending ones with the time of
   * their attempt. Empty when Redis cannot be asked.
   */
  async lookup(ids: string[]): Promise<{ emitted: Set<string>; pending: Map<string, number> }> {
    const none = { emitted: new Set<string>(), pending: new Map<string, number>() };
    if (ids.length === 0) return none;
    const found = await this.redis.attempt(
      'flag dedup check',
      async (r) => {
        const res = await r.mget(ids.map((id) => this.key(id)));
        const out = { emitted: new Set<string>(), pending: new Map<string, number>() };
        ids.forEach((id, i) => {
          const v = res[i];
          if (v === null || v === undefined) return;
          if (v.startsWith('p:')) out.pending.set(id, Number(v.slice(2)) || 0);
          else out.emitted.add(id);
        });
        return out;
      },
      null,
    );
    return found ?? none;
  }

  /**
   * The dismissal in force for each number (its windowEnd in ms and the
   * dismissed flag's severity), from the `<prefix>:dismissed:<number>`
   * records. Empty when Redis cannot be asked.
   */
  async dismissedUntil(numbers: string[]): Promise<Map<string, Dismissal>> {
    const none = new Map<string, Dismissal>();
    if (numbers.length === 0) return none;
    const found = await this.redis.attempt(
      'dismissal check',
      async (r) => {
        const p = r.pipeline();
        for (const n of numbers) p.hmget(`${this.prefix}:dismissed:${n}`, 'windowEnd', 'severity');
        const res = (await p.exec()) ?? [];
        const out = new Map<string, Dismissal>();
        numbers.forEach((n, i) => {
          const [end, severity] = (res[i]?.[1] as (string | null)[] | undefined) ?? [];
          const windowEnd = Number(end);
          if (end != null && Number.isFinite(windowEnd)) out.set(n, { windowEnd, severity: isSeverity(severity) ? severity : 'BLOCK_RECOMMENDED' });
        });
        return out;
      },
      null,
    );
    return found ?? none;
  }

  /** Marks `ids` pending (attempt at `at` ms) unless already marked; false when Redis is unavailable. */
  async markPending(ids: string[], at: number): Promise<boolean> {
    return this.setAll(ids, `p:${at}`, true);
  }

  /** Marks `ids` as emitted; false when Redis is unavailable. */
  async mark(ids: string[]): Promise<boolean> {
    return this.setAll(ids, 'e', false);
  }

  private async setAll(ids: string[], value: string, onlyNew: boolean): Promise<boolean> {
    if (ids.length === 0) return true;
    return this.redis.attempt(
      'flag dedup mark',
      async (r) => {
        const p = r.pipeline();
        for (const id of ids) {
          if (onlyNew) p.set(this.key(id), value, 'EX', this.ttlSec, 'NX');
          else p.set(this.key(id), value, 'EX', this.ttlSec);
        }
        const res = await p.exec();
        const failed = res?.find(([err]) => err);
        if (failed) throw failed[0];
        return true;
      },
      false,
    );
  }
}

/** The allowlist set and the live engine-config key. */
export class ControlStore {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
  ) {}

  get allowlistKey(): string {
    return `${this.prefix}:allowlist`;
  }

  get engineConfigKey(): string {
    return `${this.prefix}:config:engine`;
  }

  /** Every member of the allowlist set, or undefined when Redis cannot be asked. */
  async allowlist(): Promise<string[] | undefined> {
    return this.redis.attempt(
      'allowlist read',
      async (r) => {
        const out: string[] = [];
        let cursor = '0';
        do {
          const [next, members] = await r.sscan(this.allowlistKey, cursor, 'COUNT', 1000);
          cursor = next;
          out.push(...members);
        } while (cursor !== '0');
        return out;
      },
      undefined,
    );
  }

  /** The live engine-config JSON (null when unset), or undefined when Redis cannot be asked. */
  async engineConfig(): Promise<string | null | undefined> {
    return this.redis.attempt('engine config read', (r) => r.get(this.engineConfigKey), undefined);
  }
}

/**
 * Per partition, the input positions up to which outputs are durable on
 * Kafka and ClickHouse (`<prefix>:emitted:<group>:<calls topic>:<p>`).
 * Written before offsets are committed, so a restart that replays from an
 * older snapshot knows which flags it must not emit again even when the
 * last commit failed.
 */
export class EmittedMarks {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  private key(partition: number): string {
    return `${this.prefix}:emitted:${this.group}:${this.topic}:${partition}`;
  }

  /** Records the positions; false when Redis is unavailable. */
  async save(partition: number, p: { calls: number; complaints: number }): Promise<boolean> {
    return this.redis.attempt(
      'emitted mark save',
      async (r) => {
        await r.set(this.key(partition), `${p.calls},${p.complaints}`);
        return true;
      },
      false,
    );
  }

  /** The stored positions, null when none, undefined when Redis cannot be asked. */
  async load(partition: number): Promise<{ calls: number; complaints: number } | null | undefined> {
    const v = await this.redis.attempt('emitted mark load', (r) => r.get(this.key(partition)), undefined);
    if (v === undefined || v === null) return v;
    const [calls, complaints] = v.split(',').map(Number);
    return Number.isFinite(calls) && Number.isFinite(complaints) ? { calls, complaints } : null;
  }
}

/**
 * Per consents partition, the offset below which every unusable consent
 * record has been sent to the DLQ
 * (`<prefix>:consent-dlq:<group>:<consents topic>:<partition>`). Every
 * instance reads the whole consents topic at each start; the mark keeps a
 * restart, or a second instance, from sending the same records again.
 */
export class ConsentDlqMarks {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  private key(partition: number): string {
    return `${this.prefix}:consent-dlq:${this.group}:${this.topic}:${partition}`;
  }

  /** Raises the mark to `offset` (never lowers it); false when Redis is unavailable. */
  async save(partition: number, offset: number): Promise<boolean> {
    return this.redis.attempt(
      'consent DLQ mark save',
      async (r) => {
        const prev = Number((await r.get(this.key(partition))) ?? -1);
        if (!(prev >= offset)) await r.set(this.key(partition), String(offset));
        return true;
      },
      false,
    );
  }

  /** The mark (0 when none), undefined when Redis cannot be asked. */
  async load(partition: number): Promise<number | undefined> {
    const v = await this.redis.attempt('consent DLQ mark load', (r) => r.get(this.key(partition)), undefined);
    if (v === undefined) return undefined;
    const n = Number(v ?? 0);
    return Number.isFinite(n) && n >= 0 ? n : 0;
  }
}

/** An investigator's dismissal of a number's evidence, as the detector reads it. */
export interface Dismissal {
  /** End of the dismissed flag's evidence window (ms). */
  windowEnd: number;
  /** The dismissed flag's severity (a record without one counts as the strongest). */
  severity: Severity;
}

const RANK: Record<Severity, number> = { WATCH: 1, LABEL: 2, BLOCK_RECOMMENDED: 3 };

function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && s in RANK;
}

/**
 * Whether a flag is on evidence an investigator dismissed — the enforcer's
 * rule (docs/enforcer.md): its evidence ends at or before the dismissed
 * window's end, or it overlaps that window without a higher severity.
 * Entirely new evidence, or stronger evidence, is flagged again.
 */
export function coveredByDismissal(f: Pick<FlagEvent, 'windowStart' | 'windowEnd' | 'severity'>, d: Dismissal): boolean {
  if (f.windowEnd <= d.windowEnd) return true;
  return f.windowStart <= d.windowEnd && RANK[f.severity] <= RANK[d.severity];
}
