/**
 * The enforcer's Redis store: reads a number's state, lets the pure machine
 * compute the next one, and writes the state, the lookup view and the
 * dismissal record in one atomic compare-and-set (a Lua script that writes
 * only when the stored state is still the one read; otherwise the update is
 * recomputed). Any number of enforcer instances may share the store.
 */
import type { Redis } from 'ioredis';
import { DEFAULT_MACHINE_OPTIONS, emptyState, settle, type MachineOptions, type NumberState, type Transition } from './machine.ts';
import { dueAt, type DueEntry } from './due.ts';
import { viewOf, type LookupView } from './view.ts';
import type { EnforcerKeys } from '../../shared/contracts/redis-keys.ts';

/** KEYS: state, label, dismissed, due set. ARGV: expected state ('' = none), new state, state TTL ms (0 = none),
 *  label JSON ('' = delete), label expire-at ms (0 = none), due score ms ('' = not due: removed from the due set),
 *  the number (the due member), then dismissed hash fields (may be none) and its expire-at as the last arg.
 *  The dismissed hash keeps the widest window: it is replaced when the new windowEnd is not older than the stored one,
 *  or when it names the same flag with a known window (the flag's own window, even if narrower). A record with an
 *  unknown window (-1: the review came before its flag) never replaces a known one, e.g. the console's record of the
 *  same dismissal, which the detector reads. */
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if ARGV[4] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[4])
  if ARGV[5] ~= '0' then redis.call('PEXPIREAT', KEYS[2], ARGV[5]) end
end
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[4], ARGV[7])
else
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
end
if #ARGV > 8 then
  local newEnd = tonumber(ARGV[9]) or -1
  local oldEnd = tonumber(redis.call('HGET', KEYS[3], 'windowEnd') or '-1') or -1
  local sameFlag = redis.call('HGET', KEYS[3], 'flagId') == ARGV[11]
  if newEnd >= oldEnd or (sameFlag and newEnd ~= -1) then
    redis.call('DEL', KEYS[3])
    local fields = {}
    for i = 8, #ARGV - 1 do fields[#fields + 1] = ARGV[i] end
    redis.call('HSET', KEYS[3], unpack(fields))
    redis.call('PEXPIREAT', KEYS[3], ARGV[#ARGV])
  end
end
return 1
`;

/** KEYS: due set. ARGV: member, score: removes the member if its score is still that one (not rescored meanwhile). */
const DROP_DUE_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

/** The due set's key under the prefix of `keys` (`<prefix>:enforce:due`, beside `<prefix>:enforce:state:<number>`). */
export function dueKeyOf(keys: EnforcerKeys): string {
  const state = keys.state('');
  if (!state.endsWith(':enforce:state:')) throw new Error(`enforcer: unexpected state key layout ${JSON.stringify(state)}`);
  return `${state.slice(0, -'state:'.length)}due`;
}

/** Options of {@link createEnforcementStore}. */
export interface StoreOptions {
  keys: EnforcerKeys;
  /** How long a dismissal protects (and the DISMISSED view stays), ms after the decision. */
  protectTtlMs: number;
  /** How long a state is kept at least after its last change, ms (so redeliveries are recognised). */
  minRetentionMs: number;
  /** Processing clock (ms); default Date.now. */
  now?: () => number;
  /**
   * The machine's tunables, for the due time of a state (due.ts dueAt: which held flags stand again at its expiry);
   * default DEFAULT_MACHINE_OPTIONS with `protectTtlMs`.
   */
  machine?: MachineOptions;
}

/** Reads and updates enforcement state in Redis. */
export interface EnforcementStore {
  /** The stored state of `number` (a fresh one when none). */
  state(number: string): Promise<NumberState>;
  /**
   * Applies `step` to the stored state and writes the result atomically;
   * retries when another writer got there first. Returns the transition.
   */
  update(number: string, step: (state: NumberState, now: number) => Transition): Promise<Transition>;
  /** The stored lookup view, or null when the number has none (CLEAR). */
  lookup(number: string): Promise<LookupView | null>;
  /**
   * The stored lookup view as the JSON text written, or null. Redis expires
   * the key at the view's `expiresAt` (PEXPIREAT), so what it returns is live.
   */
  lookupJson(number: string): Promise<string | null>;
  /** Members of the due set (`<prefix>:enforce:due`) with a score up to `upTo`, earliest first, at most `limit`. */
  dueNumbers(upTo: number, limit: number): Promise<DueEntry[]>;
  /** Removes `number` from the due set if its score is still `at`; true when removed. */
  dropDue(number: string, at: number): Promise<boolean>;
}

const MAX_ATTEMPTS = 20;

/** Creates the store over an ioredis client (not owned: the caller closes it). */
export function createEnforcementStore(redis: Redis, options: StoreOptions): EnforcementStore {
  const { keys } = options;
  const now = options.now ?? Date.now;
  const dueKey = dueKeyOf(keys);
  const machine = options.machine ?? { ...DEFAULT_MACHINE_OPTIONS, protectTtlMs: options.protectTtlMs };
  redis.defineCommand('callguardEnforceCas', { numberOfKeys: 4, lua: CAS_SCRIPT });
  redis.defineCommand('callguardEnforceDropDue', { numberOfKeys: 1, lua: DROP_DUE_SCRIPT });
  const cas = (redis as unknown as { callguardEnforceCas(...args: string[]): Promise<number> }).callguardEnforceCas.bind(redis);
  const dropDue = (redis as unknown as { callguardEnforceDropDue(...args: string[]): Promise<number> }).callguardEnforceDropDue.bind(redis);

  const read = async (number: string): Promise<{ raw: string; state: NumberState }> => {
    const raw = await redis.get(keys.state(number));
    return { raw: raw ?? '', state: raw ? (JSON.parse(raw) as NumberState) : emptyState(number) };
  };

  return {
    async state(number) {
      return (await read(number)).state;
    },
    async update(number, step) {
      for (let attempt = 1; ; attempt++) {
        const { raw, state } = await read(number);
        const t = now();
        const transition = step(state, t);
        if (!transition.changed) return transition;
        const args = writeArgs(transition.state, t, options, machine);
        const ok = await cas(keys.state(number), keys.label(number), keys.dismissed(number), dueKey, raw, ...args);
        if (ok === 1) return transition;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`enforcer: gave up updating ${number} after ${attempt} concurrent-write conflicts`);
      }
    },
    async lookup(number) {
      const raw = await redis.get(keys.label(number));
      return raw ? (JSON.parse(raw) as LookupView) : null;
    },
    lookupJson: (number) => redis.get(keys.label(number)),
    async dueNumbers(upTo, limit) {
      const flat = await redis.zrangebyscore(dueKey, '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, limit);
      const due: DueEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) due.push({ number: flat[i], at: Number(flat[i + 1]) });
      return due;
    },
    async dropDue(number, at) {
      return (await dropDue(dueKey, number, String(at))) === 1;
    },
  };
}

/** ARGV after the expected state, for {@link CAS_SCRIPT}. */
export function writeArgs(state: NumberState, now: number, o: StoreOptions, machine: MachineOptions): string[] {
  const view = viewOf(state, now);
  const d = state.dismissal;
  const protectUntil = d ? d.decidedAt + o.protectTtlMs : 0;
  let labelJson = '';
  let labelExpireAt = 0;
  if (view.status === 'DISMISSED') {
    if (protectUntil > now) [labelJson, labelExpireAt] = [JSON.stringify(view), protectUntil];
  } else if (view.status !== 'CLEAR') {
    [labelJson, labelExpireAt] = [JSON.stringify(view), view.expiresAt ?? 0];
  }
  // The state outlives its label, its protection and a redelivery window.
  // A state due to change at its expiry (held flags stand again, due.ts) is kept until what stands then ends, so the
  // due poller finds it after the expiry (the flags are in it), and is in the due set until then.
  const due = dueAt(state, machine);
  const afterDue = due === null ? 0 : (settle(state, due, machine).expiresAt ?? 0);
  const keepUntil = view.status === 'BLOCKED' && view.expiresAt === null ? 0 : Math.max(view.expiresAt ?? 0, protectUntil, now + o.minRetentionMs, afterDue);
  const args = [JSON.stringify(state), String(keepUntil === 0 ? 0 : Math.max(1, keepUntil - now)), labelJson, String(labelExpireAt), due === null ? '' : String(due), state.number];
  if (d && protectUntil > now) {
    const fields: Array<[string, string]> = [
      ['windowEnd', String(d.windowEnd ?? -1)],
      ['flagId', d.flagId ?? ''],
      ['severity', d.severity ?? ''],
      ['windowStart', String(d.windowStart ?? -1)],
      ['reviewer', d.reviewer],
      ['decidedAt', String(d.decidedAt)],
    ];
    args.push(...fields.flat(), String(protectUntil));
  }
  return args;
}
