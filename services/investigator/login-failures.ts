/**
 * Failed console logins counted by every console instance: one Redis key per
 * lockout key (an IPv4 address or an IPv6 /64, lockout-key.ts),
 * `<prefix>:console:login-failures:<lockout key>`, holding the count and
 * expiring `windowMs` after the latest failure. With several instances
 * behind one balancer, an address gets five guesses in all, not five per
 * instance.
 *
 * A try is one Lua script (atomic): refused while the count is at the limit
 * (the key's PTTL is the wait; the try neither counts nor extends the lock,
 * as before), otherwise a failure INCRs and PEXPIREs the key, a success
 * deletes it. Checking and counting in one step keeps a burst of parallel
 * guesses from all finding the address unlocked.
 */
import type { Redis } from 'ioredis';
import type { LoginFailureStore } from './auth.ts';

/** The failure count of a lockout key under `keyPrefix`. */
export const loginFailuresKey = (keyPrefix: string, lockoutKey: string) => `${keyPrefix}:console:login-failures:${lockoutKey}`;

// KEYS[1] the count; ARGV: ok (1/0), max failures, window ms. Returns the ms to wait (0 = the try goes on).
// A count without expiry (written by hand) is given one rather than locking the address out for good.
const ATTEMPT_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    left = tonumber(ARGV[3])
  end
  return left
end
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
else
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
`;

/** Failure counts in Redis under `keyPrefix`; rejects when Redis does not answer (auth.ts falls back to the process's own). */
export function redisLoginFailures(redis: Redis, keyPrefix: string): LoginFailureStore {
  return {
    async attempt(key, ok, maxFailures, windowMs) {
      const wait = await redis.eval(ATTEMPT_SCRIPT, 1, loginFailuresKey(keyPrefix, key), ok ? '1' : '0', String(maxFailures), String(Math.max(1, Math.round(windowMs))));
      return Number(wait);
    },
  };
}
