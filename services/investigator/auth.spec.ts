import { describe, expect, it } from 'vitest';
import { createAuth, readCookie, type RevocationStore } from './auth.ts';

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

  it('locks an address out after repeated failures, for a while', () => {
    const clock = { t: 0 };
    const a = make(clock);
    for (let i = 0; i < 2; i++) a.recordAttempt('10.0.0.1', false);
    expect(a.lockedFor('10.0.0.1')).toBe(0); // below maxFailures (3)
    a.recordAttempt('10.0.0.1', false);
    expect(a.lockedFor('10.0.0.1')).toBe(60_000);
    expect(a.lockedFor('10.0.0.2')).toBe(0);
    clock.t = 30_000;
    expect(a.lockedFor('10.0.0.1')).toBe(30_000);
    clock.t = 60_000;
    expect(a.lockedFor('10.0.0.1')).toBe(0);
  });

  it('a locked-out address stays locked while failures from 10,000 other addresses fill the table', () => {
    const clock = { t: 0 };
    const a = make(clock);
    for (let i = 0; i < 3; i++) a.recordAttempt('10.0.0.1', false);
    expect(a.lockedFor('10.0.0.1')).toBe(60_000);
    for (let i = 0; i < 10_001; i++) a.recordAttempt(`172.16.${i >> 8}.${i & 255}`, false);
    expect(a.lockedFor('10.0.0.1')).toBe(60_000);
  });

  it('an IPv6 client is locked out with its whole /64: a fresh address from it does not get another try', () => {
    const a = make();
    for (let i = 1; i <= 3; i++) a.recordAttempt(`2001:db8:0:1::${i}`, false);
    expect(a.lockedFor('2001:db8:0:1::99')).toBe(60_000);
    expect(a.lockedFor('2001:db8:0:2::1')).toBe(0);
  });

  it('a successful login clears an address’s earlier failures', () => {
    const a = make();
    for (let i = 0; i < 2; i++) a.recordAttempt('10.0.0.2', false);
    a.recordAttempt('10.0.0.2', true);
    // Two more failures: two in a row, not four, so not locked.
    for (let i = 0; i < 2; i++) a.recordAttempt('10.0.0.2', false);
    expect(a.lockedFor('10.0.0.2')).toBe(0);
    a.recordAttempt('10.0.0.2', false);
    expect(a.lockedFor('10.0.0.2')).toBe(60_000);
  });
});
