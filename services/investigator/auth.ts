/**
 * Authentication of the console: one account from the environment, checked
 * in constant time; a stateless session cookie (`cg_session` =
 * `<user>.<expiry ms>.<HMAC-SHA256>`; HttpOnly, SameSite=Strict) for the
 * browser, and HTTP Basic for API clients and scripts. A token ended by a
 * logout is refused until it would have expired, by every console instance
 * sharing the revocation store (Redis, revocations.ts), and always by this
 * one. Repeated failed logins from one address are slowed down, counted
 * by every instance sharing the failure store (Redis, login-failures.ts),
 * and by this one alone while the store does not answer. Pure apart from
 * the clock and the stores.
 */
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';
import { lockoutKey } from './lockout-key.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'cg_session';

/** What the shared store was asked when it did not answer: a session check, a logout, a login try. */
export type StoreCall = 'verify' | 'revoke' | 'login';

/** Options of {@link createAuth}. */
export interface AuthOptions {
  user: string;
  password: string;
  secret: Buffer;
  sessionTtlMs: number;
  secureCookie: boolean;
  now?: () => number;
  /** Failed logins per address before it must wait (default 5). */
  maxFailures?: number;
  /** How long an address waits after too many failures, ms (default 60 000); also how long a failure is counted. */
  lockoutMs?: number;
  /** Where logouts are recorded for every instance; without it, only this process knows them. */
  revocations?: RevocationStore;
  /** Where failed logins are counted for every instance; without it, only this process counts them. */
  loginFailures?: LoginFailureStore;
  /**
   * Called when a store fails: `verify`/`revoke` the revocations (the process's own still hold meanwhile),
   * `login` the failure counts (the process's own count meanwhile).
   */
  onStoreError?: (err: unknown, during: StoreCall) => void;
}

/**
 * Failed logins shared between console instances, keyed by lockout key (lockout-key.ts). A failure is counted for
 * `windowMs` after the latest one; once `maxFailures` are counted the key is locked out until they expire.
 */
export interface LoginFailureStore {
  /**
   * One login try of `key` whose credentials were already checked (`ok`), as one atomic step: while `maxFailures`
   * failures are counted the try is refused and not counted, and the ms until the count expires is returned;
   * otherwise a failure is counted (the count then lasts `windowMs`) and a success clears the count, and 0 is
   * returned. One step, not "is it locked?" then "count it": between the two, a burst of parallel guesses would all
   * find the key unlocked.
   */
  attempt(key: string, ok: boolean, maxFailures: number, windowMs: number): Promise<number>;
}

/** Ended sessions shared between console instances (keyed by the token's MAC). */
export interface RevocationStore {
  /** Records that the token with this MAC is ended, until `expiresAt` (ms), when it is refused anyway. */
  add(mac: string, expiresAt: number): Promise<void>;
  /** True when the token with this MAC was ended by any instance. */
  has(mac: string): Promise<boolean>;
}

/** The console's authenticator. */
export interface Auth {
  /** True when the credentials are the configured account's (constant time). */
  checkCredentials(user: string, password: string): boolean;
  /** A signed session token for `user`. */
  issue(user: string): { token: string; expiresAt: number };
  /** The user of a valid, unexpired, not revoked token; null otherwise. */
  verify(token: string | undefined): Promise<string | null>;
  /** Ends the session of a valid token (logout): it is refused from now on, until it would have expired. */
  revoke(token: string | undefined): Promise<void>;
  /** The user of a valid `Authorization: Basic` header; null otherwise. */
  verifyBasic(header: string | undefined): string | null;
  /** `Set-Cookie` value carrying a session token. */
  cookie(token: string, expiresAt: number): string;
  /** `Set-Cookie` value clearing the session. */
  clearCookie(): string;
  /**
   * Records a login try (form or HTTP Basic) of an address whose credentials were checked as `ok`: the ms it must
   * still wait, when locked out (answer 429 whatever the credentials were; the try is not counted), or 0 (a failure
   * is counted, a success clears the address's failures).
   */
  attempt(address: string, ok: boolean): Promise<number>;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Creates the authenticator. */
export function createAuth(o: AuthOptions): Auth {
  const now = o.now ?? Date.now;
  const maxFailures = o.maxFailures ?? 5;
  const lockoutMs = o.lockoutMs ?? 60_000;
  // This process's own count (lockout key → failures counted, until when): the answer while the store does not.
  const failures = new Map<string, { count: number; until: number }>();
  /** The store's step (LoginFailureStore.attempt) on this process's table; synchronous, so no burst gets between. */
  const attemptHere = (key: string, ok: boolean): number => {
    const t = now();
    const f = failures.get(key);
    if (f && f.until > t && f.count >= maxFailures) return f.until - t;
    if (ok) {
      failures.delete(key);
      return 0;
    }
    const count = f && f.until > t ? f.count + 1 : 1;
    failures.delete(key); // re-inserted last: the table's order is by latest failure
    failures.set(key, { count, until: t + lockoutMs });
    if (failures.size > MAX_TRACKED) forgetOne(failures, maxFailures, t);
    return 0;
  };
  // MACs of tokens ended by a logout → their expiry; dropped once expired (the token is refused anyway then).
  const revoked = new Map<string, number>();
  // Logouts the store did not take (it was down) → their expiry: sent when it answers again.
  const unsent = new Map<string, number>();
  const sendUnsent = async (store: RevocationStore) => {
    for (const [mac, expiresAt] of unsent) {
      if (expiresAt > now()) await store.add(mac, expiresAt);
      unsent.delete(mac);
    }
  };
  const remember = (mac: string, expiresAt: number) => {
    const t = now();
    for (const [m, until] of revoked) if (until <= t) revoked.delete(m);
    revoked.set(mac, expiresAt);
  };
  const sign = (payload: string) => createHmac('sha256', o.secret).update(payload).digest('base64url');
  const checkCredentials = (user: string, password: string) => {
    // Both comparisons always run: no early exit tells which part was wrong.
    const u = same(user, o.user);
    const p = same(password, o.password);
    return u && p;
  };
  /** The parts of a validly signed, unexpired token of the configured user; null otherwise. */
  const session = (token: string | undefined): { user: string; expiresAt: number; mac: string } | null => {
    if (!token || token.length > 512) return null;
    const parts = token.split('.');
    if (parts.length < 3) return null;
    const mac = parts.pop()!;
    const expiresAt = Number(parts.pop());
    const user = parts.join('.');
    // Compared as bytes: a cookie may carry non-ASCII characters (as many characters, more bytes).
    const given = Buffer.from(mac);
    const expected = Buffer.from(sign(`${user}.${expiresAt}`));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (!Number.isFinite(expiresAt) || expiresAt <= now()) return null;
    return user === o.user ? { user, expiresAt, mac } : null;
  };
  return {
    checkCredentials,
    issue(user) {
      const expiresAt = now() + o.sessionTtlMs;
      const payload = `${user}.${expiresAt}`;
      return { token: `${payload}.${sign(payload)}`, expiresAt };
    },
    async verify(token) {
      const s = session(token);
      if (!s) return null;
      if (o.revocations && unsent.size > 0) await sendUnsent(o.revocations).catch((err) => o.onStoreError?.(err, 'revoke'));
      if (revoked.has(s.mac)) return null;
      if (!o.revocations) return s.user;
      try {
        if (!(await o.revocations.has(s.mac))) return s.user;
      } catch (err) {
        // The store is down: this process's own logouts still hold; another instance's are not seen until it is back.
        o.onStoreError?.(err, 'verify');
        return s.user;
      }
      remember(s.mac, s.expiresAt);
      return null;
    },
    async revoke(token) {
      const s = session(token);
      if (!s) return;
      remember(s.mac, s.expiresAt);
      try {
        await o.revocations?.add(s.mac, s.expiresAt);
      } catch (err) {
        // Sent once the store answers again (on a later request), so the other instances learn of it then.
        unsent.set(s.mac, s.expiresAt);
        o.onStoreError?.(err, 'revoke');
      }
    },
    verifyBasic(header) {
      if (!header || !/^Basic /i.test(header)) return null;
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      const user = decoded.slice(0, colon);
      return checkCredentials(user, decoded.slice(colon + 1)) ? user : null;
    },
    cookie(token, expiresAt) {
      const maxAge = Math.max(0, Math.floor((expiresAt - now()) / 1000));
      return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${o.secureCookie ? '; Secure' : ''}`;
    },
    clearCookie() {
      return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${o.secureCookie ? '; Secure' : ''}`;
    },
    async attempt(address, ok) {
      const key = lockoutKey(address);
      // Counted here too, always: if the store stops answering, this process goes on from what it has seen.
      const here = attemptHere(key, ok);
      if (!o.loginFailures) return here;
      try {
        const wait = await o.loginFailures.attempt(key, ok, maxFailures, lockoutMs);
        // Let in by the store: a lock held here only (its failures cleared on another instance) goes too.
        if (ok && wait === 0) failures.delete(key);
        return wait;
      } catch (err) {
        // The store is down: limited per process meanwhile (never not at all, never everybody).
        o.onStoreError?.(err, 'login');
        return here;
      }
    },
  };
}

/** The value of cookie `name` in a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Addresses (IPv6: /64 prefixes) whose failed logins are tracked at once. */
const MAX_TRACKED = 10_000;

/**
 * Makes room in a full failure table: the oldest entry that locks nobody out (expired, or under the limit) goes;
 * only when every entry is a live lock does the oldest go. Dropping the oldest entry whatever it was let anyone who
 * failed from 10,000 other addresses free a locked-out address.
 */
function forgetOne(failures: Map<string, { count: number; until: number }>, maxFailures: number, t: number): void {
  for (const [key, f] of failures) {
    if (f.count < maxFailures || f.until <= t) {
      failures.delete(key);
      return;
    }
  }
  failures.delete(failures.keys().next().value as string);
}
