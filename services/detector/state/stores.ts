/**
 * What the detector keeps in Redis, each behind a small class:
 *
 * - `<prefix>:snapshot:<group>:<calls topic>:<partition>`: the latest
 *   checkpoint of a partition (engine + aggregates + positions), binary;
 * - `<prefix>:dismissed:<number>` (written by the console and the enforcer):
 *   evidence an investigator dismissed; a flag on that evidence is not
 *   emitted again (see {@link coveredByDismissal});
 * - `<prefix>:flag:<flags topic>:<flagId>`: set once a flag is on the flags
 *   topic (`e`, with a TTL), so a restarted or rebalanced instance does not
 *   emit it again; `d` (same TTL) once the lane dropped it as dismissed
 *   evidence, so its fate is read back as it was decided;
 * - `<prefix>:allowlist`: a set of numbers never to flag (any form);
 * - `<prefix>:config:engine`: JSON overrides of the engine config, applied live;
 * - `<prefix>:emitted:…` and `<prefix>:consent-dlq:…`: offset marks (below).
 */
import { allowlistKey, readAllowlistMembers } from '../../../shared/contracts/allowlist.ts';
import type { FlagEvent, Severity } from '../../../shared/contracts/records.ts';
import type { OwnerFence } from './owner-fence.ts';
import type { RedisHandle } from './redis.ts';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from './snapshot-codec.ts';

/** Partition checkpoints in Redis. */
export class SnapshotStore {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly group: string,
    private readonly topic: string,
    private readonly fence?: OwnerFence,
  ) {}

  key(partition: number): string {
    return `${this.prefix}:snapshot:${this.group}:${this.topic}:${partition}`;
  }

  /**
   * Stores a checkpoint; returns the stored size, false when Redis is
   * unavailable, 'fenced' when `gen` is no longer the partition's owner
   * generation (another instance owns it now; nothing written).
   */
  async save(s: PartitionSnapshot, gen?: number): Promise<number | false | 'fenced'> {
    const buf = await encodePartitionSnapshot(s);
    if (this.fence) {
      const r = await this.fence.setIfOwner(s.partition, gen, this.key(s.partition), buf);
      return r === undefined ? false : r === 'fenced' ? 'fenced' : buf.length;
    }
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
 * Flag de-duplication by flagId. A flag is marked `p:<ms>:<gen>` (pending:
 * the wall-clock time of the attempt and the owner generation of the
 * claiming instance) just before it is produced and `e` (emitted) once the
 * broker acknowledged it; both with a TTL. A flag the lane dropped as
 * dismissed evidence is marked `d` (dismissed, same TTL): the decision
 * itself, which a later lookup reads back (see flag-lane.ts). Pending marks are only ever
 * written through Lua scripts that check the owner generation of the flag's
 * partition atomically with the write (see {@link OwnerFence}), so an
 * instance that lost the partition cannot claim flags any more. A pending
 * mark found later belongs to an attempt that may still be in flight (a
 * fenced owner) or that died: the lane waits until it is older than the
 * longest a produce can be in flight, then settles it by reading the topic.
 */
export class FlagDedup {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly flagsTopic: string,
    private readonly ttlSec: number,
    private readonly fence?: OwnerFence,
  ) {}

  private key(flagId: string): string {
    return `${this.prefix}:flag:${this.flagsTopic}:${flagId}`;
  }

  private ownerKey(p: number): string {
    return this.fence?.key(p) ?? `${this.prefix}:owner:-:-:${p}`;
  }

  /**
   * The marks of `ids`: emitted ones, and pending ones with the time of
   * their attempt. Empty when Redis cannot be asked.
   */
  async lookup(ids: string[]): Promise<{ emitted: Set<string>; pending: Map<string, number> }> {
    const out = { emitted: new Set<string>(), pending: new Map<string, number>() };
    const raw = await this.peek(ids);
    for (const [id, v] of raw ?? []) {
      if (v === null) continue;
      if (v.startsWith('p:')) out.pending.set(id, parsePending(v).at);
      else if (v === 'e') out.emitted.add(id);
    }
    return out;
  }

  /** The raw mark of each of `ids` (null: none); undefined when Redis cannot be asked. */
  async peek(ids: string[]): Promise<Map<string, string | null> | undefined> {
    if (ids.length === 0) return new Map();
    return this.redis.attempt(
      'flag dedup check',
      async (r) => {
        const res = await r.mget(ids.map((id) => this.key(id)));
        return new Map(ids.map((id, i) => [id, res[i] ?? null]));
      },
      undefined,
    );
  }

  /**
   * Claims `ids` of partition `p` for generation `gen` (unfenced when
   * undefined): each unmarked id gets the pending mark `value`. Returns
   * 'fenced' (nothing written) when `gen` is not the partition's current
   * owner generation, else the ids claimed and the marks found on the
   * others; undefined when Redis cannot be asked.
   */
  async claim(p: number, gen: number | undefined, ids: string[], value: string): Promise<ClaimResult | undefined> {
    if (ids.length === 0) return { claimed: [], found: new Map() };
    const res = await this.script<string[] | null>('flag claim', CLAIM, p, ids, [gen === undefined ? '' : String(gen), value, String(this.ttlSec)]);
    if (res === undefined) return undefined;
    if (res === null) return 'fenced';
    return split(ids, res);
  }

  /**
   * Takes over pending marks left by another attempt: for each id whose mark
   * still equals the given one (`-` = no mark), sets `value`. Same results
   * as {@link claim}.
   */
  async takeOver(p: number, gen: number | undefined, marks: Map<string, string>, value: string): Promise<ClaimResult | undefined> {
    const ids = [...marks.keys()];
    if (ids.length === 0) return { claimed: [], found: new Map() };
    const res = await this.script<string[] | null>('flag take-over', TAKE_OVER, p, ids, [gen === undefined ? '' : String(gen), value, String(this.ttlSec), ...ids.map((id) => marks.get(id)!)]);
    if (res === undefined) return undefined;
    if (res === null) return 'fenced';
    return split(ids, res);
  }

  /**
   * Before another attempt to produce: moves the pending marks of `ids`
   * that still read `from` to `to` (a new attempt time), only while `gen`
   * owns partition `p`. 'fenced' when it does not (nothing written), else
   * how many were moved; undefined when Redis cannot be asked.
   */
  async refresh(p: number, gen: number | undefined, ids: string[], from: string, to: string): Promise<number | 'fenced' | undefined> {
    const res = await this.script<number>('flag refresh', REFRESH, p, ids, [gen === undefined ? '' : String(gen), from, to, String(this.ttlSec)]);
    if (res === undefined) return undefined;
    return res < 0 ? 'fenced' : res;
  }

  private async script<T>(what: string, lua: string, p: number, ids: string[], args: string[]): Promise<T | undefined> {
    return this.redis.attempt(what, (r) => r.eval(lua, ids.length + 1, this.ownerKey(p), ...ids.map((id) => this.key(id)), ...args) as Promise<T>, undefined);
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

  /**
   * Records that the lane dropped `ids` of partition `p` as dismissed
   * evidence: each gets the mark `d` with the TTL — over a pending mark too
   * (should that attempt land after all, its `e` replaces it), but never over
   * `e` (a flag on the topic stays kept). Only while `gen` owns `p`
   * (unfenced when undefined): 'fenced' when not (nothing written), else how
   * many were marked; undefined when Redis cannot be asked.
   */
  async dismiss(p: number, gen: number | undefined, ids: string[]): Promise<number | 'fenced' | undefined> {
    if (ids.length === 0) return 0;
    const res = await this.script<number>('flag dismissal mark', DISMISS, p, ids, [gen === undefined ? '' : String(gen), String(this.ttlSec)]);
    if (res === undefined) return undefined;
    return res < 0 ? 'fenced' : res;
  }

  /** Marks `ids` as emitted (on the topic: whoever put them there); false when Redis is unavailable. */
  async mark(ids: string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    return this.redis.attempt(
      'flag dedup mark',
      async (r) => {
        const p = r.pipeline();
        for (const id of ids) p.set(this.key(id), 'e', 'EX', this.ttlSec);
        const res = await p.exec();
        const failed = res?.find(([err]) => err)?.[0];
        if (failed) throw failed;
        return true;
      },
      false,
    );
  }
}

/** What a claim found: ids now claimed by the caller, and the marks already on the others (`e`, a pending mark, or `-` when the mark vanished meanwhile). */
export type ClaimResult = 'fenced' | { claimed: string[]; found: Map<string, string> };

/**
 * The pending mark of an attempt at `at` ms by owner generation `gen`. A
 * retry moves the mark to its own time (so that a new owner waits for it)
 * but keeps the first attempt's time `first`: an earlier attempt reported
 * failed may still have landed, and the flags topic must be searched from it.
 */
export function pendingMark(at: number, gen: number | undefined, first = at): string {
  const mark = gen === undefined ? `p:${at}` : `p:${at}:${gen}`;
  if (first >= at) return mark;
  return gen === undefined ? `${mark}::${first}` : `${mark}:${first}`;
}

/**
 * Time, generation and first attempt's time of a pending mark (`p:<ms>`,
 * `p:<ms>:<gen>`, `p:<ms>:<gen>:<first ms>` or `p:<ms>::<first ms>`); time 0
 * when unreadable, first = time when absent.
 */
export function parsePending(v: string): { at: number; gen: number | undefined; first: number } {
  const [, at, gen, first] = v.split(':');
  const t = Number(at) || 0;
  const f = Number(first);
  return { at: t, gen: gen === undefined || gen === '' ? undefined : Number(gen), first: f > 0 && f < t ? f : t };
}

function split(ids: string[], res: string[]): { claimed: string[]; found: Map<string, string> } {
  const claimed: string[] = [];
  const found = new Map<string, string>();
  ids.forEach((id, i) => {
    const v = res[i] ?? '';
    if (v === '') claimed.push(id);
    else found.set(id, v);
  });
  return { claimed, found };
}

// KEYS[1] = owner key of the partition, KEYS[2..] = flag marks. ARGV[1] = generation ('' = unfenced).
// Replies: nil when fenced; else per flag '' (claimed) or the mark found ('-' when it vanished meanwhile).
const CLAIM = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return nil end
local out = {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[2], 'EX', ARGV[3], 'NX') then out[i - 1] = ''
  else out[i - 1] = redis.call('GET', KEYS[i]) or '-' end
end
return out`;

// ARGV: generation, new mark, ttl, then the expected mark per flag ('-' = none). Replies as CLAIM.
const TAKE_OVER = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return nil end
local out = {}
for i = 2, #KEYS do
  local cur = redis.call('GET', KEYS[i]) or '-'
  if cur == ARGV[i + 2] then
    redis.call('SET', KEYS[i], ARGV[2], 'EX', ARGV[3]); out[i - 1] = ''
  else out[i - 1] = cur end
end
return out`;

// ARGV: generation, old mark, new mark, ttl. Reply: -1 fenced, else how many were moved.
const REFRESH = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local n = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[2] then redis.call('SET', KEYS[i], ARGV[3], 'EX', ARGV[4]); n = n + 1 end
end
return n`;

// ARGV: generation, ttl. Sets 'd' on every flag not marked 'e'. Reply: -1 fenced, else how many were marked.
const DISMISS = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local n = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= 'e' then redis.call('SET', KEYS[i], 'd', 'EX', ARGV[2]); n = n + 1 end
end
return n`;

/** The allowlist set and the live engine-config key. */
export class ControlStore {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
  ) {}

  get allowlistKey(): string {
    return allowlistKey(this.prefix);
  }

  get engineConfigKey(): string {
    return `${this.prefix}:config:engine`;
  }

  /** Every member of the allowlist set, or undefined when Redis cannot be asked. */
  async allowlist(): Promise<string[] | undefined> {
    return this.redis.attempt('allowlist read', (r) => readAllowlistMembers(r, this.allowlistKey), undefined);
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
    private readonly fence?: OwnerFence,
  ) {}

  private key(partition: number): string {
    return `${this.prefix}:emitted:${this.group}:${this.topic}:${partition}`;
  }

  /**
   * Records the positions: true when stored, false when Redis is
   * unavailable, 'fenced' when `gen` is no longer the partition's owner
   * generation (nothing written).
   */
  async save(partition: number, p: { calls: number; complaints: number }, gen?: number): Promise<boolean | 'fenced'> {
    if (this.fence) {
      const r = await this.fence.setIfOwner(partition, gen, this.key(partition), `${p.calls},${p.complaints}`);
      return r === undefined ? false : r === 'fenced' ? 'fenced' : true;
    }
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
