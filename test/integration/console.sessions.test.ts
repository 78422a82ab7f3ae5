/**
 * Console sessions and failed logins across instances, against the real
 * Redis: two consoles behind one balancer (the same session secret and key
 * prefix, a random one for this file so no count leaks into another test).
 * A logout taken by one ends the session on the other, and on an instance
 * started after it; a session not logged out keeps working on both. Failed
 * logins count on every instance: five in all lock an address out on both.
 * Every request comes from 127.0.0.1, which is trusted as a proxy here, so
 * X-Forwarded-For names the client the lockout counts by.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadInvestigatorConfig, type InvestigatorConfig } from '../../services/investigator/config.ts';
import { startConsole, type RunningConsole } from '../../services/investigator/main.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomKey } from './helpers/names.ts';
import { connectTestRedis, deleteKeysUnder } from './helpers/redis.ts';

const USER = 'inv-sessions';
const PASSWORD = 'correct horse battery';
const prefix = randomKey();
const log = pino({ level: 'error' }, pino.destination(2));

let admin: Admin;
let redis: Redis;
let reviewsTopic: string;
let config: InvestigatorConfig;
const consoles: RunningConsole[] = [];

async function start(): Promise<RunningConsole> {
  const c = await startConsole(config, log);
  consoles.push(c);
  return c;
}

async function login(c: RunningConsole): Promise<string> {
  const res = await fetch(`${c.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: USER, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** A login by the form from `client` (X-Forwarded-For): status and retry-after. */
async function formLogin(c: RunningConsole, client: string, password: string) {
  const res = await fetch(`${c.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: JSON.stringify({ user: USER, password }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/** An API request with HTTP Basic credentials from `client`: status and retry-after. */
async function basicLogin(c: RunningConsole, client: string, password: string) {
  const authorization = `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;
  const res = await fetch(`${c.url}/api/me`, { headers: { authorization, 'x-forwarded-for': client } });
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

const me = async (c: RunningConsole, cookie: string) => (await fetch(`${c.url}/api/me`, { headers: { cookie } })).status;
const logout = async (c: RunningConsole, cookie: string) => (await fetch(`${c.url}/api/logout`, { method: 'POST', headers: { cookie } })).status;

beforeAll(async () => {
  admin = testKafka('callguard-console-sessions-test').admin();
  await admin.connect();
  reviewsTopic = await createTestTopic(admin, 1, 'sessions-reviews');
  redis = await connectTestRedis();
  config = loadInvestigatorConfig(
    { port: '0', reviewsTopic, keyPrefix: prefix },
    {
      ...process.env,
      CALLGUARD_CONSOLE_USER: USER,
      CALLGUARD_CONSOLE_PASSWORD: PASSWORD,
      CALLGUARD_CONSOLE_SESSION_SECRET: 'a shared secret of at least 32 characters',
      CALLGUARD_CONSOLE_TRUSTED_PROXIES: '127.0.0.1',
    },
  );
}, 60_000);

afterAll(async () => {
  for (const c of consoles) await c.close().catch(() => {});
  if (admin) {
    await deleteTestTopics(admin, [reviewsTopic].filter(Boolean));
    await admin.disconnect();
  }
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
});

describe('sessions across console instances', () => {
  it('a logout on one instance ends the session on the others, also on one started later', async () => {
    const [a, b] = [await start(), await start()];
    const ended = await login(a);
    const kept = await login(b);
    for (const c of [a, b]) {
      expect(await me(c, ended)).toBe(200);
      expect(await me(c, kept)).toBe(200);
    }
    expect(await logout(a, ended)).toBe(200);
    expect(await me(a, ended)).toBe(401);
    expect(await me(b, ended)).toBe(401); // before, B still let it in: the revocation was held in A's process only
    expect(await me(b, kept)).toBe(200);
    // Recorded in Redis until the token would have expired.
    const keys = await redis.keys(`${prefix}:console:revoked:*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(config.sessionTtlMs - 60_000);
    expect(ttl).toBeLessThanOrEqual(config.sessionTtlMs);
    const later = await start();
    expect(await me(later, ended)).toBe(401);
    expect(await me(later, kept)).toBe(200);
  }, 60_000);
});

describe('failed logins across console instances', () => {
  it('3 failed logins on A and 2 on B lock the address out on both (429, retry-after); another address still logs in', async () => {
    const [a, b] = [await start(), await start()];
    const attacker = '198.51.100.7';
    for (let i = 0; i < 3; i++) expect((await formLogin(a, attacker, `guess ${i}`)).status).toBe(401);
    for (let i = 3; i < 5; i++) expect((await basicLogin(b, attacker, `guess ${i}`)).status).toBe(401);
    // The 6th try, even with the right password, on either instance. Before, each counted only its own (3 and 2).
    for (const attempt of [() => formLogin(a, attacker, PASSWORD), () => basicLogin(b, attacker, PASSWORD), () => basicLogin(a, attacker, 'guess 5')]) {
      const r = await attempt();
      expect(r.status).toBe(429);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
    }
    const key = `${prefix}:console:login-failures:${attacker}`;
    expect(await redis.get(key)).toBe('5'); // the refused tries were not counted
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // Another address is not concerned, on either instance (nor is the proxy's own, 127.0.0.1).
    for (const c of [a, b]) {
      expect((await formLogin(c, '203.0.113.9', PASSWORD)).status).toBe(200);
      expect((await basicLogin(c, '203.0.113.9', PASSWORD)).status).toBe(200);
    }
    await login(a);
  }, 60_000);

  it('an IPv6 client counts by its /64 across instances', async () => {
    const [a, b] = [await start(), await start()];
    for (let i = 1; i <= 3; i++) expect((await formLogin(a, `2001:db8:5:6::${i}`, 'wrong')).status).toBe(401);
    for (let i = 4; i <= 5; i++) expect((await formLogin(b, `2001:db8:5:6::${i}`, 'wrong')).status).toBe(401);
    expect((await formLogin(a, '2001:db8:5:6::99', PASSWORD)).status).toBe(429);
    expect((await formLogin(b, '2001:db8:5:7::1', PASSWORD)).status).toBe(200);
  }, 60_000);

  it('a burst of parallel wrong guesses split over both instances gets 5 tries in all, not one per request in flight', async () => {
    const [a, b] = [await start(), await start()];
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? basicLogin(a, '192.0.2.55', `burst ${i}`) : formLogin(b, '192.0.2.55', `burst ${i}`))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
  }, 60_000);
});
