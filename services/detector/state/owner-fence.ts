/**
 * Ownership fence per calls partition number, in Redis
 * (`<prefix>:owner:<group>:<calls topic>:<n>`). An instance that takes a
 * partition increments the key and keeps the value (its generation). Every
 * write that must come only from the current owner — pending flag marks,
 * the "outputs durable up to" mark, snapshots — goes through a Lua script
 * that checks the generation atomically with the write. An old owner still
 * finishing work after a rebalance is thus fenced off: its writes are
 * refused, and it drops the flags of that partition (the new owner
 * recomputes them).
 *
 * A generation of `undefined` means "not known" (Redis was away when the
 * partition was taken): writes are then not fenced, as before the fence
 * existed (degraded).
 */
import type { RedisHandle } from './redis.ts';

/** Lua: SET KEYS[2] = ARGV[2] when the owner key KEYS[1] holds ARGV[1] (or ARGV[1] is ''); 1 set, 0 fenced. */
const SET_IF_OWNER = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

/** Ownership generations of calls partitions. */
export class OwnerFence {
  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  /** The owner key of partition `p`. */
  key(p: number): string {
    return `${this.prefix}:owner:${this.group}:${this.topic}:${p}`;
  }

  /** Takes partition `p`: a new generation, which fences every earlier owner; undefined when Redis cannot be asked. */
  async acquire(p: number): Promise<number | undefined> {
    return this.redis.attempt('owner fence acquire', (r) => r.incr(this.key(p)), undefined);
  }

  /** The current generation of `p` (0 when never taken); undefined when Redis cannot be asked. */
  async current(p: number): Promise<number | undefined> {
    const v = await this.redis.attempt('owner fence read', (r) => r.get(this.key(p)), undefined);
    return v === undefined ? undefined : Number(v ?? 0);
  }

  /**
   * Sets `key` to `value` only while `gen` is the current generation of `p`
   * (always when `gen` is undefined): 'set', 'fenced', or undefined when
   * Redis cannot be asked.
   */
  async setIfOwner(p: number, gen: number | undefined, key: string, value: string | Buffer): Promise<'set' | 'fenced' | undefined> {
    const res = await this.redis.attempt<number | undefined>('fenced write', (r) => r.eval(SET_IF_OWNER, 2, this.key(p), key, gen === undefined ? '' : String(gen), value) as Promise<number>, undefined);
    if (res === undefined) return undefined;
    return res === 1 ? 'set' : 'fenced';
  }
}
