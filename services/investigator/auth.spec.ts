import { describe, expect, it } from 'vitest';
import { createAuth, readCookie } from './auth.ts';

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

  it('session tokens verify until they expire and not once altered', () => {
    const clock = { t: 1_000_000 };
    const a = make(clock);
    const { token, expiresAt } = a.issue('inv');
    expect(expiresAt).toBe(1_000_000 + 3_600_000);
    expect(a.verify(token)).toBe('inv');
    const [u, exp, mac] = token.split('.');
    expect(a.verify(`${u}.${Number(exp) + 1}.${mac}`)).toBeNull();
    expect(a.verify(`other.${exp}.${mac}`)).toBeNull();
    expect(a.verify(`${u}.${exp}.${mac.slice(1)}x`)).toBeNull();
    expect(a.verify(`${u}.${exp}.é${mac.slice(1)}`)).toBeNull(); // as many characters, more bytes: refused, not thrown
    expect(a.verify(undefined)).toBeNull();
    expect(a.verify('garbage')).toBeNull();
    clock.t = expiresAt;
    expect(a.verify(token)).toBeNull();
    // Another process's secret does not verify.
    const b = createAuth({ user: 'inv', password: 'long enough pw', secret: Buffer.alloc(32, 8), sessionTtlMs: 1, secureCookie: false });
    expect(b.verify(make().issue('inv').token)).toBeNull();
  });

  it('a revoked token (logout) is refused until it would have expired; other tokens are not', () => {
    const clock = { t: 1_000_000 };
    const a = make(clock);
    const first = a.issue('inv');
    clock.t += 1;
    const second = a.issue('inv');
    a.revoke(first.token);
    expect(a.verify(first.token)).toBeNull();
    expect(a.verify(second.token)).toBe('inv');
    a.revoke('garbage');
    a.revoke(undefined);
    expect(a.verify(second.token)).toBe('inv');
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
