import { describe, expect, it } from 'vitest';
import { createAuth, readCookie, type LoginFailureStore, type RevocationStore } from './auth.ts';

const make = (now = { t: 1_000_000 }) =>
  createAuth({ user: 'inv', password: 'long enough pw', secret: Buffer.alloc(32, 7), sessionTtlMs: 3_600_000, secureCookie: false, now: () => now.t, maxFailures: 3, lockoutMs: 60_000 });

describe('auth', () => {
  it('accepts exactly the configured account', () => {
    const a = make();
    expect(a.checkCredentials('inv', 'long enough pw')).toBe(true);
    expect(a.checkCredentials('inv', 'long enough pw ')).toBe(false);
    expect(a.checkCredentials('Inv', 'long enough pw')).toBe(false);
    expect(a.checkCredentials('', '')).toBe(false);
  });

  it('session tokens verify until they expire and not once altered', async () => {
    const clock = { t: 1_000_000 };
    const a = make(clock);
    const { token, expiresAt } = a.issue('inv');
    expect(expiresAt).toBe(1_000_000 + 3_600_000);
    expect(await a.verify(token)).toBe('inv');
    const [u, exp, mac] = token.split('.');
    expect(await a.verify(`${u}.${Number(exp) + 1}.${mac}`)).toBeNull();
    expect(await a.verify(`other.${exp}.${mac}`)).toBeNull();
    expect(await a.verify(`${u}.${exp}.${mac.slice(1)}x`)).toBeNull();
    expect(await a.verify(`${u}.${exp}.é${mac.slice(1)}`)).toBeNull(); // as many characters, more bytes: refused, not thrown
    expect(await a.verify(undefined)).toBeNull();
    expect(await a.verify('garbage')).toBeNull();
    clock.t = expiresAt;
    expect(await a.verify(token)).toBeNull();
    // Another process's secret does not verify.
    const b = createAuth({ user: 'inv', password: 'long enough pw', secret: Buffer.alloc(32, 8), sessionTtlMs: 1, secureCookie: false });
    expect(await b.verify(make().issue('inv').token)).toBeNull();
  });

  it('a revoked token (logout) is refused until it would have expired; other tokens are not', async () => {
    const clock = { t: 1_000_000 };
    const a = make(clock);
    const first = a.issue('inv');
    clock.t += 1;
    const second = a.issue('inv');
    await a.revoke(first.token);
    expect(await a.verify(first.token)).toBeNull();
    expect(await a.verify(second.token)).toBe('inv');
    await a.revoke('garbage');
    await a.revoke(undefined);
    expect(await a.verify(second.token)).toBe('inv');
  });

  it('a logout taken by one instance is refused by every instance sharing the store; its own logouts hold while the store is down and reach it once it is back', async () => {
    const shared = new Map<string, number>();
    let down = false;
    const store: RevocationStore = {
      async add(mac, expiresAt) {
        if (down) throw new Error('store down');
        shared.set(mac, expiresAt);
      },
      async has(mac) {
        if (down) throw new Error('store down');
        return shared.has(mac);
      },
    };
    const errors: string[] = [];
    const clock = { t: 1_000_000 };
    const instance = () =>
      createAuth({ user: 'inv', password: 'long enough pw', secret: Buffer.alloc(32, 7), sessionTtlMs: 3_600_000, secureCookie: false, now: () => clock.t, revocations: store, onStoreError: (_e, during) => errors.push(during) });
    const [a, b] = [instance(), instance()];
    const ended = a.issue('inv');
    clock.t += 1;
    const kept = b.issue('inv');
    await a.revoke(ended.token);
    expect(shared.size).toBe(1);
    expect(await b.verify(ended.token)).toBeNull();
    expect(await b.verify(kept.token)).toBe('inv');
    // Store down: each instance still refuses what it has seen ended; a logout it took meanwhile holds for itself.
    down = true;
    expect(await b.verify(ended.token)).toBeNull();
    await b.revoke(kept.token);
    expect(await b.verify(kept.token)).toBeNull();
    expect(await a.verify(kept.token)).toBe('inv'); // not seen by A while the store is down
    expect(errors).toEqual(['revoke', 'revoke', 'verify']); // B's logout, B's try to send it again, A's check
    // Back: B sends the logout it kept with its next request; from then on A refuses it too.
    down = false;
    expect(await b.verify(ended.token)).toBeNull();
    expect(shared.size).toBe(2);
    expect(await a.verify(kept.token)).toBeNull();
  });

  it('HTTP Basic', () => {
    const a = make();
    const enc = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(a.verifyBasic(enc('inv:long enough pw'))).toBe('inv');
    expect(a.verifyBasic(enc('inv:nope'))).toBeNull();
    expect(a.verifyBasic(enc('no colon'))).toBeNull();
    expect(a.verifyBasic('Bearer x')).toBeNull();
  });

  it('cookies are HttpOnly and SameSite=Strict; Secure when configured', () => {
    const a = make();
    expect(a.cookie('t', 1_000_000 + 60_000)).toBe('cg_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(a.clearCookie()).toMatch(/Max-Age=0/);
    const s = createAuth({ user: 'u', password: 'p', secret: Buffer.alloc(32), sessionTtlMs: 1, secureCookie: true });
    expect(s.clearCookie()).toMatch(/; Secure$/);
    expect(readCookie('a=1; cg_session=abc.1.x; b=2', 'cg_session')).toBe('abc.1.x');
    expect(readCookie(undefined, 'cg_session')).toBeUndefined();
  });

  it('locks an address out after repeated failures, for a while: the right password then gets the wait too, and tries meanwhile do not extend it', async () => {
    const clock = { t: 0 };
    const a = make(clock);
    for (let i = 0; i < 3; i++) expect(await a.attempt('10.0.0.1', false)).toBe(0); // counted; the third reaches maxFailures (3)
    expect(await a.attempt('10.0.0.1', true)).toBe(60_000);
    expect(await a.attempt('10.0.0.2', false)).toBe(0);
    clock.t = 30_000;
    expect(await a.attempt('10.0.0.1', false)).toBe(30_000);
    clock.t = 60_000;
    expect(await a.attempt('10.0.0.1', true)).toBe(0);
  });

  it('a failure is counted for lockoutMs after the latest one: failures further apart than that never lock out', async () => {
    const clock = { t: 0 };
    const a = make(clock);
    await a.attempt('10.0.0.1', false);
    clock.t = 50_000;
    await a.attempt('10.0.0.1', false);
    clock.t = 109_999; // 59,999 ms after the latest: still counted
    await a.attempt('10.0.0.1', false);
    expect(await a.attempt('10.0.0.1', true)).toBe(60_000);
    for (const t of [200_000, 260_000, 320_000]) {
      clock.t = t;
      expect(await a.attempt('10.0.0.3', false)).toBe(0);
    }
    expect(await a.attempt('10.0.0.3', true)).toBe(0);
  });

  it('a locked-out address stays locked while failures from 10,000 other addresses fill the table', async () => {
    const clock = { t: 0 };
    const a = make(clock);
    for (let i = 0; i < 3; i++) await a.attempt('10.0.0.1', false);
    expect(await a.attempt('10.0.0.1', true)).toBe(60_000);
    for (let i = 0; i < 10_001; i++) await a.attempt(`172.16.${i >> 8}.${i & 255}`, false);
    expect(await a.attempt('10.0.0.1', true)).toBe(60_000);
  });

  it('an IPv6 client is locked out with its whole /64: a fresh address from it does not get another try', async () => {
    const a = make();
    for (let i = 1; i <= 3; i++) await a.attempt(`2001:db8:0:1::${i}`, false);
    expect(await a.attempt('2001:db8:0:1::99', true)).toBe(60_000);
    expect(await a.attempt('2001:db8:0:2::1', true)).toBe(0);
  });

  it('a successful login clears an address’s earlier failures', async () => {
    const a = make();
    for (let i = 0; i < 2; i++) await a.attempt('10.0.0.2', false);
    await a.attempt('10.0.0.2', true);
    // Two more failures: two in a row, not four, so not locked.
    for (let i = 0; i < 2; i++) await a.attempt('10.0.0.2', false);
    expect(await a.attempt('10.0.0.2', true)).toBe(0);
    for (let i = 0; i < 3; i++) await a.attempt('10.0.0.2', false);
    expect(await a.attempt('10.0.0.2', true)).toBe(60_000);
  });

  describe('failed logins shared between instances', () => {
    /** A LoginFailureStore in memory with the Redis script's semantics; `down` makes it throw, as Redis not answering. */
    const sharedStore = (clock: { t: number }) => {
      const counts = new Map<string, { count: number; until: number }>();
      const state = { down: false, counts, calls: 0 };
      const store: LoginFailureStore = {
        async attempt(key, ok, maxFailures, windowMs) {
          state.calls++;
          await new Promise((r) => setTimeout(r, 1)); // a round trip: requests in flight interleave here
          if (state.down) throw new Error('store down');
          const f = counts.get(key);
          const live = f && f.until > clock.t ? f : undefined;
          if (live && live.count >= maxFailures) return live.until - clock.t;
          if (ok) counts.delete(key);
          else counts.set(key, { count: (live?.count ?? 0) + 1, until: clock.t + windowMs });
          return 0;
        },
      };
      return { state, store };
    };
    const instances = (clock: { t: number }, store: LoginFailureStore, errors: string[]) => {
      const one = () =>
        createAuth({ user: 'inv', password: 'long enough pw', secret: Buffer.alloc(32, 7), sessionTtlMs: 3_600_000, secureCookie: false, now: () => clock.t, maxFailures: 3, lockoutMs: 60_000, loginFailures: store, onStoreError: (_e, during) => errors.push(during) });
      return [one(), one()];
    };

    it('failures on one instance count on the other: 2 on A and 1 on B lock the address out on both; a success on B clears it for A', async () => {
      const clock = { t: 0 };
      const { store } = sharedStore(clock);
      const errors: string[] = [];
      const [a, b] = instances(clock, store, errors);
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      clock.t = 10_000;
      expect(await b.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', true)).toBe(60_000); // before, A had counted only its own 2
      expect(await b.attempt('10.0.0.1', true)).toBe(60_000);
      expect(await b.attempt('10.0.0.9', true)).toBe(0); // another address is not concerned
      clock.t = 70_000;
      await a.attempt('10.0.0.2', false);
      await a.attempt('10.0.0.2', false);
      expect(await b.attempt('10.0.0.2', true)).toBe(0);
      await a.attempt('10.0.0.2', false);
      expect(await a.attempt('10.0.0.2', true)).toBe(0); // cleared by B's success: one failure since
      expect(errors).toEqual([]);
    });

    it('a burst of parallel wrong guesses gets maxFailures tries in all, across instances, not one per request in flight', async () => {
      const clock = { t: 0 };
      const { store } = sharedStore(clock);
      const [a, b] = instances(clock, store, []);
      const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).attempt('10.0.0.1', false)));
      expect(waits.filter((w) => w === 0)).toHaveLength(3);
      expect(waits.filter((w) => w === 60_000)).toHaveLength(17);
    });

    it('the failures an instance saw while the store answered still count on it when the store goes down', async () => {
      const clock = { t: 0 };
      const { state, store } = sharedStore(clock);
      const errors: string[] = [];
      const [a] = instances(clock, store, errors);
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      state.down = true;
      // The third failure, counted here only: A's own three lock the address out on A.
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', true)).toBe(60_000);
      expect(errors).toEqual(['login', 'login']);
    });

    it('while the store is down, each instance still limits by its own count, locks out nobody else, and warns; back, the store answers again', async () => {
      const clock = { t: 0 };
      const { state, store } = sharedStore(clock);
      const errors: string[] = [];
      const [a, b] = instances(clock, store, errors);
      await b.attempt('10.0.0.1', false);
      state.down = true;
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(await a.attempt('10.0.0.1', false)).toBe(0); // B's failure is not seen: per-process limiting
      expect(await a.attempt('10.0.0.1', true)).toBe(60_000); // but limiting still: A's own three lock it out on A
      expect(await a.attempt('10.0.0.2', true)).toBe(0); // not everybody
      expect(await b.attempt('10.0.0.1', true)).toBe(0); // B had counted only one of its own: under the limit
      expect(errors).toEqual(['login', 'login', 'login', 'login', 'login', 'login']);
      state.down = false;
      // The store answers for every instance again, with what it counted: B's failure from before, and this one (what
      // was tried while it was down, B's success included, never reached it; the count expires 60 s after this one).
      expect(await a.attempt('10.0.0.1', false)).toBe(0);
      expect(state.counts.get('10.0.0.1')?.count).toBe(2);
      expect(errors).toHaveLength(6);
    });
  });
});
