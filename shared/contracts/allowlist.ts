/**
 * The operator's allowlist in Redis: the set `<prefix>:allowlist`, members
 * in any number form (national, `0086…`, E.164). The detector never flags
 * its numbers and the enforcer never labels or blocks them; both read it
 * with these functions.
 */
import type { Redis } from 'ioredis';
import { normalizeOrError } from '../numbers/index.ts';

/** The allowlist set's key under `prefix`. */
export function allowlistKey(prefix: string): string {
  return `${prefix}:allowlist`;
}

/** Every member of the set at `key` (SSCAN, a thousand at a time); rejects when Redis cannot be read. */
export async function readAllowlistMembers(redis: Pick<Redis, 'sscan'>, key: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, members] = await redis.sscan(key, cursor, 'COUNT', 1000);
    cursor = next;
    out.push(...members);
  } while (cursor !== '0');
  return out;
}

/**
 * The members' numbers in E.164, each once. A member that is not a phone
 * number is passed to `onBad` the first time it is met (`bad` remembers it
 * across reads) and otherwise ignored.
 */
export function allowlistNumbers(members: readonly string[], bad: Set<string>, onBad: (member: string, error: string) => void): Set<string> {
  const out = new Set<string>();
  for (const m of members) {
    const r = normalizeOrError(m.trim());
    if (r.ok) out.add(r.value);
    else if (!bad.has(m)) {
      bad.add(m);
      onBad(m, r.error);
    }
  }
  return out;
}
