/**
 * Console sessions across instances, against the real Redis: two consoles
 * behind one balancer (the same session secret and key prefix). A logout
 * taken by one ends the session on the other, and on an instance started
 * after it; a session not logged out keeps working on both.
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

const me = async (c: RunningConsole, cookie: string) => (await fetch(`${c.url}/api/me`, { headers: { cookie } })).status;
const logout = async (c: RunningConsole, cookie: string) => (await fetch(`${c.url}/api/logout`, { method: 'POST', headers: { cookie } })).status;

beforeAll(async () => {
  admin = testKafka('callguard-console-sessions-test').admin();
  await admin.connect();
  reviewsTopic = await createTestTopic(admin, 1, 'sessions-reviews');
  redis = await connectTestRedis();
  config = loadInvestigatorConfig(
    { port: '0', reviewsTopic, keyPrefix: prefix },
    { ...process.env, CALLGUARD_CONSOLE_USER: USER, CALLGUARD_CONSOLE_PASSWORD: PASSWORD, CALLGUARD_CONSOLE_SESSION_SECRET: 'a shared secret of at least 32 characters' },
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
