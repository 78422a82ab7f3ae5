/**
 * The investigators' console API against the real stack: a fresh
 * ClickHouse database with a known fixture, a random reviews topic, a random
 * Redis key prefix. Authentication (no anonymous access but /healthz and the
 * login page), injection attempts in every parameter, the profile, queues
 * and rankings, and a review decision end to end (Kafka, ClickHouse, Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createClickHouse, dropDatabase, type ClickHouse } from '../../shared/clickhouse/index.ts';
import { investigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { createSchemaRegistry } from '../../shared/kafka/index.ts';
import { parseReviewDecision } from '../../shared/contracts/validate.ts';
import { loadInvestigatorConfig } from '../../services/investigator/config.ts';
import { startConsole, type RunningConsole } from '../../services/investigator/main.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomDatabase, randomKey, randomTopic } from './helpers/names.ts';
import { connectTestRedis, deleteKeysUnder } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';
import { requestWithHost } from './helpers/host-request.ts';
import { DIALLER, FLAGS, H, HARASSER, LURE, NEIGHBOUR, OLD_OFFENDER, REVISED, REVISED_FLAG, RUNNER_UP, SCORER, SCORER_BLOCK, SCORER_LABEL, SETTLED, SETTLED_FLAGS, T0, TB, TIED, TIES, WATCHED, loadFixture } from './investigator-fixtures.ts';

const USER = 'inv-test';
const PASSWORD = 'correct horse battery';
const database = randomDatabase('cg_inv');
const prefix = randomKey();
const log = pino({ level: 'error' }, pino.destination(2));

let ch: ClickHouse;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
let reviewsTopic: string;
let app: RunningConsole;
let fixtureRows: number;
const groups: string[] = [];
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

async function get(path: string, headers: Record<string, string> = { authorization: basic }) {
  const res = await fetch(`${app.url}${path}`, { headers, redirect: 'manual' });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

async function post(path: string, payload: unknown, headers: Record<string, string> = { authorization: basic, 'content-type': 'application/json' }) {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: typeof payload === 'string' ? payload : JSON.stringify(payload), redirect: 'manual' });
  return { status: res.status, body: (await res.json().catch(() => null)) as any, headers: res.headers };
}

beforeAll(async () => {
  ch = createClickHouse();
  ({ numberMinuteRows: fixtureRows } = await loadFixture(ch, database));
  kafka = testKafka('callguard-investigator-test');
  admin = kafka.admin();
  await admin.connect();
  reviewsTopic = await createTestTopic(admin, 1, 'inv-reviews');
  redis = await connectTestRedis();
  const config = loadInvestigatorConfig(
    { port: '0', database, reviewsTopic, keyPrefix: prefix },
    { ...process.env, CALLGUARD_CONSOLE_USER: USER, CALLGUARD_CONSOLE_PASSWORD: PASSWORD },
  );
  app = await startConsole(config, log);
});

afterAll(async () => {
  await app?.close();
  if (ch) {
    await dropDatabase(ch, database);
    await ch.close();
  }
  if (admin) {
    await deleteTestTopics(admin, [reviewsTopic].filter(Boolean));
    if (groups.length) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
});

describe('DNS rebinding: the Host header', () => {
  it('refuses a page on another domain re-pointed at 127.0.0.1 (421, before credentials count), on the API, the pages and the login', async () => {
    const port = new URL(app.url).port;
    const rebound = `rebind.attacker.example:${port}`;
    const refusal = { error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_CONSOLE_ALLOWED_HOSTS)' };
    for (const path of ['/api/queue', '/api/me', `/api/numbers/${encodeURIComponent(HARASSER)}`, '/', '/login', '/assets/app.js']) {
      const r = await requestWithHost(app.url, path, rebound, { headers: { authorization: basic } });
      expect(r.status, path).toBe(421);
      expect(r.body, path).toEqual(refusal);
      expect(r.headers['x-frame-options'], path).toBe('DENY');
    }
    const login = await requestWithHost(app.url, '/api/login', rebound, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: USER, password: PASSWORD }) });
    expect(login.status).toBe(421);
    expect(login.headers['set-cookie']).toBeUndefined();
    const review = await requestWithHost(app.url, `/api/flags/${FLAGS[1].flagId}/review`, rebound, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'CONFIRMED' }) });
    expect(review.status).toBe(421);
  });

  it('answers the loopback names it listens on, with or without the port, and /healthz whatever the Host', async () => {
    const port = new URL(app.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', 'LOCALHOST']) {
      const r = await requestWithHost(app.url, '/api/me', host, { headers: { authorization: basic } });
      expect(r.status, host).toBe(200);
      expect(r.body, host).toEqual({ user: USER });
    }
    const health = await requestWithHost(app.url, '/healthz', `10.1.2.3:${port}`); // a Kubernetes probe: the pod's IP
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', clickhouse: true, redis: true, kafka: true });
  });
});

describe('authentication', () => {
  it('refuses every data route without credentials (401), redirects pages to /login, and leaves /healthz and the login page open', async () => {
    for (const path of ['/api/queue', '/api/offenders', '/api/providers', `/api/numbers/${encodeURIComponent(HARASSER)}`, `/api/flags/${FLAGS[1].flagId}`, '/api/me']) {
      const r = await get(path, {});
      expect(r.status, path).toBe(401);
      expect(r.body.error).toBe('unauthorized');
    }
    expect((await post(`/api/flags/${FLAGS[1].flagId}/review`, { decision: 'CONFIRMED' }, { 'content-type': 'application/json' })).status).toBe(401);
    for (const path of ['/', '/assets/app.js']) {
      const r = await get(path, {});
      expect(r.status, path).toBe(302);
      expect(r.headers.get('location')).toBe('/login');
    }
    expect((await get('/login', {})).status).toBe(200);
    const health = await get('/healthz', {});
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', clickhouse: true, redis: true, kafka: true });
  });

  it('refuses wrong Basic credentials and forged or tampered session cookies', async () => {
    const wrong = `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}`;
    expect((await get('/api/queue', { authorization: wrong })).status).toBe(401);
    expect((await get('/api/queue', { cookie: `cg_session=${USER}.${Date.now() + H}.forged` })).status).toBe(401);
    const login = await post('/api/login', { user: USER, password: PASSWORD }, { 'content-type': 'application/json' });
    const token = /cg_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    const [u, exp, mac] = token.split('.');
    expect((await get('/api/queue', { cookie: `cg_session=${u}.${Number(exp) + 10 * H}.${mac}` })).status).toBe(401); // extended expiry
    expect((await get('/api/queue', { cookie: `cg_session=admin.${exp}.${mac}` })).status).toBe(401);
  });

  it('logs in with the configured account: an HttpOnly, SameSite=Strict session cookie that opens the API', async () => {
    const bad = await post('/api/login', { user: USER, password: 'wrong password' }, { 'content-type': 'application/json' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const ok = await post('/api/login', { user: USER, password: PASSWORD }, { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^cg_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const session = cookie.split(';')[0];
    const me = await get('/api/me', { cookie: session });
    expect(me).toMatchObject({ status: 200, body: { user: USER } });
    const page = await get('/', { cookie: session });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    // Static files revalidate cheaply: 304 while unchanged.
    const js = await get('/assets/app.js', { cookie: session });
    expect(js.status).toBe(200);
    const etag = js.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await get('/assets/app.js', { cookie: session, 'if-none-match': etag })).status).toBe(304);
  });

  it('logout ends the session itself: the cookie used before it gets 401 after it', async () => {
    const ok = await post('/api/login', { user: USER, password: PASSWORD }, { 'content-type': 'application/json' });
    const session = ok.headers.get('set-cookie')!.split(';')[0];
    expect((await get('/api/me', { cookie: session })).status).toBe(200);
    const out = await fetch(`${app.url}/api/logout`, { method: 'POST', headers: { cookie: session } }); // as the console's button sends it
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^cg_session=; .*Max-Age=0/);
    expect((await get('/api/queue', { cookie: session })).status).toBe(401);
    expect((await post(`/api/flags/${FLAGS[1].flagId}/review`, { decision: 'CONFIRMED' }, { cookie: session, 'content-type': 'application/json' })).status).toBe(401);
  });

  it('takes writes as JSON only (a cross-site form cannot post)', async () => {
    const form = await post(`/api/flags/${FLAGS[1].flagId}/review`, 'decision=CONFIRMED', { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const text = await post(`/api/flags/${FLAGS[1].flagId}/review`, '{"decision":"CONFIRMED"}', { authorization: basic, 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });
});

describe('parameters cannot inject', () => {
  const attacks = ["' OR 1=1 --", "+8613800000001' OR '1'='1", '1; DROP TABLE flags', '%27%20OR%201%3D1', "\\' UNION SELECT", 'abc', '+'];

  it.each(attacks)('number %j → 400 with a message', async (attack) => {
    const r = await get(`/api/numbers/${encodeURIComponent(attack)}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('bad_request');
    expect(r.body.message.length).toBeGreaterThan(10);
  });

  it('flag ids, periods, severities, limits and unknown parameters are checked', async () => {
    const cases: Array<[string, RegExp]> = [
      [`/api/flags/${encodeURIComponent("x' OR '1'='1")}`, /params\/flagId/],
      [`/api/queue?period=${encodeURIComponent("24h' OR 1=1 --")}`, /period must be one of: 24h, 7d, 30d, all/],
      [`/api/queue?minSeverity=${encodeURIComponent("LABEL') OR ('1'='1")}`, /minSeverity must be one of/],
      ['/api/queue?limit=-1', /limit/],
      ['/api/queue?limit=1%20OR%201=1', /limit/],
      ['/api/offenders?offset=abc', /offset/],
      ['/api/providers?until=yesterday', /until/],
      ['/api/queue?db=system', /unknown parameter "db"/],
      [`/api/numbers/${encodeURIComponent(HARASSER)}?from=${T0}&to=${T0 - H}`, /from must be before to/],
      // One bound given, the other defaulted to the number's activity (T0-5h … T0-1h): still refused when inverted or empty.
      [`/api/numbers/${encodeURIComponent(HARASSER)}?to=1`, /from must be before to: to=1 is not after the default from/],
      [`/api/numbers/${encodeURIComponent(HARASSER)}?to=${T0 - 5 * H}`, /from must be before to/],
      [`/api/numbers/${encodeURIComponent(HARASSER)}?from=${T0}`, /from must be before to: from=\d+ is not before the default to/],
      ['/api/providers?minSeverity=WATCH', /unknown parameter "minSeverity"/],
    ];
    for (const [path, message] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.message, path).toMatch(message);
    }
    const review = await post(`/api/flags/${FLAGS[1].flagId}/review`, { decision: "CONFIRMED' --" });
    expect(review.status).toBe(400);
    expect(review.body.message).toMatch(/decision must be one of: CONFIRMED, DISMISSED/);
    expect((await post(`/api/flags/${FLAGS[1].flagId}/review`, { decision: 'CONFIRMED', note: 'x'.repeat(1001) })).status).toBe(400);
  });

  it('a hostile string bound as a query parameter matches nothing and breaks nothing', async () => {
    const q = investigatorQueries(ch, database);
    for (const attack of attacks) {
      const s = await q.numberSummary(attack, 0, T0 + H);
      expect(s.calls, attack).toBe(0);
      expect(await q.numberFlags(attack, 10), attack).toEqual([]);
      expect(await q.flagById(attack), attack).toBeNull();
    }
    const [count] = await ch.query<{ n: string }>(`SELECT count() AS n FROM ${database}.number_minute FINAL`);
    expect(Number(count.n)).toBe(fixtureRows);
    expect(() => investigatorQueries(ch, 'callguard; DROP DATABASE x')).toThrow(/identifier/);
  });
});

describe('profile and evidence', () => {
  it('a number searched in national form: totals, hourly activity, flags with reasons, evidence and review state', async () => {
    const r = await get('/api/numbers/13800000001');
    expect(r.status).toBe(200);
    const p = r.body;
    expect(p.number).toBe(HARASSER);
    expect(p.numberClass).toBe('MOBILE');
    // 40 minutes: the complaints' minute is also a call minute (T0-2h).
    expect(p.summary).toMatchObject({ calls: 40, answered: 5, rejected: 30, complaints: 2, activeMinutes: 40, answerRate: 5 / 40 });
    // The chart spans its activity (T0-4h … T0-1h24m) with an hour's margin: short enough for minute buckets.
    expect(p.range).toEqual({ fromMs: T0 - 5 * H, toMs: T0 - H, bucketSeconds: 60 });
    expect(p.series).toHaveLength(40);
    expect(p.series.reduce((n: number, s: { calls: number }) => n + s.calls, 0)).toBe(40);
    expect(p.series[0]).toMatchObject({ t: T0 - 4 * H, calls: 1, answered: 1 });
    const hourly = await get(`/api/numbers/${encodeURIComponent(HARASSER)}?from=${T0 - 24 * H}&to=${T0}`);
    expect(hourly.body.range.bucketSeconds).toBe(3600);
    expect(hourly.body.series.map((s: { t: number; calls: number }) => [s.t, s.calls])).toEqual([[T0 - 4 * H, 15], [T0 - 3 * H, 15], [T0 - 2 * H, 10]]);
    expect(p.flags.map((f: { flagId: string }) => f.flagId)).toEqual([FLAGS[1].flagId, FLAGS[0].flagId]); // newest first, redelivery collapsed
    expect(p.flags[0]).toMatchObject({
      severity: 'BLOCK_RECOMMENDED',
      score: 95,
      reasons: FLAGS[1].reasons,
      evidence: FLAGS[1].evidence,
      windowStart: FLAGS[1].windowStart,
      windowEnd: FLAGS[1].windowEnd,
      accessProvider: 'TRUNK-X',
      review: null,
    });
    expect(p.enforcement).toEqual({ view: null, dismissed: null });
  });

  it('a flag’s evidence window: the calls inside it and a series around it', async () => {
    const r = await get(`/api/flags/${FLAGS[1].flagId}`);
    expect(r.status).toBe(200);
    expect(r.body.window).toEqual({ fromMs: FLAGS[1].windowStart, toMs: FLAGS[1].windowEnd });
    expect(r.body.summary.calls).toBe(40);
    expect(r.body.series.reduce((n: number, s: { calls: number }) => n + s.calls, 0)).toBe(40);
    expect(await get('/api/flags/no-such-flag')).toMatchObject({ status: 404, body: { error: 'not_found', message: 'no flag no-such-flag' } });
  });

  it('a number without traffic or flags answers with zeros, not an error', async () => {
    const r = await get('/api/numbers/%2B8613811112222');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ number: '+8613811112222', summary: { calls: 0, firstSeen: null }, flags: [], series: [] });
  });
});

describe('queues and rankings', () => {
  it('review queue: most severe first, then newest; WATCH only on request; the period ends at the data clock', async () => {
    const r = await get('/api/queue');
    expect(r.status).toBe(200);
    expect(r.body.until).toBe(T0);
    expect(r.body.rows.map((x: { number: string }) => x.number)).toEqual([HARASSER, DIALLER, LURE]);
    expect(r.body.rows[0]).toMatchObject({ flagId: FLAGS[1].flagId, severity: 'BLOCK_RECOMMENDED', waitingFlags: 1, rules: ['REJECTION_REPEAT', 'COMPLAINTS'], accessProvider: 'TRUNK-X' });
    expect(r.body.total).toEqual({ numbers: 3, flags: 3 });
    const all = await get('/api/queue?minSeverity=WATCH');
    expect(all.body.rows.map((x: { number: string }) => x.number)).toEqual([HARASSER, DIALLER, LURE, WATCHED]);
    expect(all.body.rows[0].waitingFlags).toBe(2);
    const week = await get('/api/queue?period=7d');
    expect(week.body.rows.map((x: { number: string }) => x.number)).toEqual([HARASSER, OLD_OFFENDER, DIALLER, LURE]);
    const paged = await get('/api/queue?period=7d&limit=2&offset=1');
    expect(paged.body.rows.map((x: { number: string }) => x.number)).toEqual([OLD_OFFENDER, DIALLER]);
  });

  it('top offenders with their traffic in the period', async () => {
    const r = await get('/api/offenders?period=7d');
    expect(r.status).toBe(200);
    expect(r.body.rows.map((x: { number: string }) => x.number)).toEqual([HARASSER, OLD_OFFENDER, DIALLER, LURE]);
    expect(r.body.rows[0]).toMatchObject({ severity: 'BLOCK_RECOMMENDED', flagCount: 1, evidenceCalls: 40, traffic: { calls: 40, answered: 5, rejected: 30, complaints: 2 } });
    expect(r.body.rows[1].traffic).toBeNull(); // flagged, no calls in the period
  });

  it('top offenders: the score, severity and flag of each number’s strongest flag (severity, then score), ranked on that score', async () => {
    const r = await get('/api/offenders?period=30d');
    expect(r.status).toBe(200);
    // The scorer's LABEL scored 100 does not lend its score to its BLOCK_RECOMMENDED scored 85: the runner-up (90) ranks above it.
    expect(r.body.rows.map((x: { number: string }) => x.number)).toEqual([HARASSER, OLD_OFFENDER, RUNNER_UP, SCORER, DIALLER, LURE, TIED]);
    const scorer = r.body.rows.find((x: { number: string }) => x.number === SCORER);
    expect(scorer).toMatchObject({ severity: 'BLOCK_RECOMMENDED', score: 85, flagId: SCORER_BLOCK.flagId, evidenceCalls: 300, flagCount: 2, rules: ['COMPLAINTS', 'LOW_ANSWER_FANOUT'] });
    // Flags alike but for their ids: the greater id, every time.
    expect(r.body.rows.find((x: { number: string }) => x.number === TIED)).toMatchObject({ flagId: 'fx-09-b', evidenceCalls: 2, flagCount: 2 });
  });

  it('top offenders: the review shown is that of the flag shown, not another flag’s of the number', async () => {
    const r = await get('/api/offenders?period=30d');
    const scorer = r.body.rows.find((x: { number: string }) => x.number === SCORER);
    // Its LABEL was dismissed; the BLOCK_RECOMMENDED shown never was reviewed.
    expect(scorer).toMatchObject({ flagId: SCORER_BLOCK.flagId, review: null });
    const profile = await get(`/api/numbers/${encodeURIComponent(SCORER)}`);
    expect(profile.body.flags.map((f: { flagId: string; review: { decision: string } | null }) => [f.flagId, f.review?.decision ?? null])).toEqual([
      [SCORER_BLOCK.flagId, null],
      [SCORER_LABEL.flagId, 'DISMISSED'],
    ]);
    // …and is waiting in the review queue, as the offenders' review column now says.
    const queue = await get('/api/queue?period=all');
    expect(queue.body.rows.find((x: { number: string }) => x.number === SCORER)).toMatchObject({ flagId: SCORER_BLOCK.flagId, waitingFlags: 1 });
  });

  it('top offenders page with offset; providers page with offset', async () => {
    const paged = await get('/api/offenders?period=30d&limit=2&offset=2');
    expect(paged.status).toBe(200);
    expect(paged.body.rows.map((x: { number: string }) => x.number)).toEqual([RUNNER_UP, SCORER]);
    expect(paged.body.rows[1].traffic).toBeNull();
    const last = await get('/api/offenders?period=30d&limit=50&offset=6');
    expect(last.body.rows.map((x: { number: string }) => x.number)).toEqual([TIED]);
    const providers = await get('/api/providers?period=24h&limit=1&offset=1');
    expect(providers.body.rows.map((x: { accessProvider: string }) => x.accessProvider)).toEqual(['TRUNK-X']);
  });

  it('access providers ranked by the calls of flagged numbers they carried', async () => {
    const r = await get('/api/providers?period=24h');
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([
      { accessProvider: 'CMCC', calls: 78, flaggedCalls: 12, flaggedShare: 12 / 78, flaggedNumbers: 2, blockRecommendedNumbers: 0 },
      { accessProvider: 'TRUNK-X', calls: 40, flaggedCalls: 0, flaggedShare: 0, flaggedNumbers: 1, blockRecommendedNumbers: 1 },
    ]);
    // Flagged calls are those within 24 h after a LABEL-or-above flag of the caller: the lure's 12, made after
    // its flag; not the harasser's 40 nor the dialler's 60, all made before theirs. CMCC's other six are the
    // neighbour's, an unflagged number on the same provider.
    const neighbour = await get(`/api/numbers/${encodeURIComponent(NEIGHBOUR)}`);
    expect(neighbour.body).toMatchObject({ number: NEIGHBOUR, summary: { calls: 6, answered: 6 }, flags: [] });
  });
});

describe('decisions taken more than once, and ties', () => {
  it('a flag confirmed and later dismissed shows the decision in force, DISMISSED, in the profile and the top offenders', async () => {
    const profile = await get(`/api/numbers/${encodeURIComponent(REVISED)}`);
    expect(profile.status).toBe(200);
    expect(profile.body.flags).toHaveLength(1);
    expect(profile.body.flags[0]).toMatchObject({ flagId: REVISED_FLAG.flagId, review: { decision: 'DISMISSED', note: 'a school after all', decidedAt: TB + 2 * H } });
    expect(profile.body.reviews.map((r: { decision: string }) => r.decision)).toEqual(['DISMISSED', 'CONFIRMED']); // both kept, newest first
    const offenders = await get(`/api/offenders?period=24h&until=${TB}`);
    expect(offenders.body.rows.map((x: { number: string }) => x.number)).toEqual([REVISED, SETTLED]);
    expect(offenders.body.rows[0]).toMatchObject({ flagId: REVISED_FLAG.flagId, review: 'DISMISSED' });
  });

  it('a number whose two flags are both reviewed is not in the review queue (its later reviewed flag settles it)', async () => {
    const queue = await get('/api/queue?period=all');
    const numbers = queue.body.rows.map((x: { number: string }) => x.number);
    expect(numbers).toContain(SCORER); // the queue is read, and holds numbers still waiting
    expect(numbers).not.toContain(SETTLED);
    expect(numbers).not.toContain(REVISED);
    const window = await get(`/api/queue?period=24h&until=${TB}`);
    expect(window.body).toMatchObject({ rows: [], total: { numbers: 0, flags: 0 } });
    expect(SETTLED_FLAGS[1].detectedAt).toBeGreaterThan(SETTLED_FLAGS[0].detectedAt);
  });

  it('top offenders tied on severity, score and time come in number order, page after page', async () => {
    const until = TB - 2 * 24 * H;
    const all = await get(`/api/offenders?period=24h&until=${until}`);
    expect(all.body.rows.map((x: { number: string }) => x.number)).toEqual(TIES);
    const pages: string[] = [];
    for (let offset = 0; offset < TIES.length; offset++) {
      const page = await get(`/api/offenders?period=24h&until=${until}&limit=1&offset=${offset}`);
      expect(page.body.rows).toHaveLength(1);
      pages.push(page.body.rows[0].number);
    }
    expect(pages).toEqual(TIES);
  });

  it('queue rows tied on severity and time come in number order, page after page', async () => {
    const until = TB - 2 * 24 * H;
    const all = await get(`/api/queue?period=24h&until=${until}`);
    expect(all.body.rows.map((x: { number: string }) => x.number)).toEqual(TIES);
    const pages: string[] = [];
    for (let offset = 0; offset < TIES.length; offset++) {
      const page = await get(`/api/queue?period=24h&until=${until}&limit=1&offset=${offset}`);
      expect(page.body.rows).toHaveLength(1);
      pages.push(page.body.rows[0].number);
    }
    expect(pages).toEqual(TIES);
  });
});

describe('review decisions', () => {
  it('CONFIRMED: a ReviewDecision (Avro) on the reviews topic, noted in ClickHouse, the number leaves the queue', async () => {
    const r = await post(`/api/flags/${FLAGS[1].flagId}/review`, { decision: 'CONFIRMED', note: '  30 rejections, 2 complaints  ' });
    expect(r.status).toBe(201);
    expect(r.body.warnings).toEqual([]);
    expect(r.body.review).toMatchObject({ number: HARASSER, flagId: FLAGS[1].flagId, decision: 'CONFIRMED', reviewer: USER, note: '30 rejections, 2 complaints' });

    const registry = createSchemaRegistry();
    const seen: unknown[] = [];
    const groupId = randomTopic('inv-reviews-reader');
    groups.push(groupId);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: reviewsTopic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: String(message.key), value: await registry.decode(message.value!) }) });
    await waitFor(() => seen.length >= 1, { what: 'the ReviewDecision on the reviews topic' });
    await consumer.disconnect();
    const { key, value } = seen[0] as { key: string; value: unknown };
    expect(key).toBe(HARASSER);
    const decoded = parseReviewDecision(value);
    expect(decoded).toEqual({ ok: true, value: r.body.review });

    const queue = await get('/api/queue');
    expect(queue.body.rows.map((x: { number: string }) => x.number)).toEqual([DIALLER, LURE]);
    const profile = await get(`/api/numbers/${encodeURIComponent(HARASSER)}`);
    expect(profile.body.flags[0].review).toMatchObject({ decision: 'CONFIRMED', reviewer: USER, note: '30 rejections, 2 complaints' });
    // The earlier WATCH flag is settled by the later decision too.
    expect((await get('/api/queue?minSeverity=WATCH')).body.rows.map((x: { number: string }) => x.number)).toEqual([DIALLER, LURE, WATCHED]);
    expect(profile.body.reviews).toHaveLength(1);
    const offenders = await get('/api/offenders?period=7d');
    expect(offenders.body.rows[0]).toMatchObject({ number: HARASSER, review: 'CONFIRMED' });
  });

  it('DISMISSED: records the dismissed evidence in Redis for the detector', async () => {
    const lure = FLAGS[3];
    const r = await post(`/api/flags/${lure.flagId}/review`, { decision: 'DISMISSED', note: 'a pharmacy calling back' });
    expect(r.status).toBe(201);
    const rec = await redis.hgetall(`${prefix}:dismissed:${LURE}`);
    expect(rec).toEqual({
      flagId: lure.flagId,
      windowEnd: String(lure.windowEnd),
      windowStart: String(lure.windowStart),
      severity: 'LABEL',
      reviewer: USER,
      decidedAt: String(r.body.review.decidedAt),
    });
    const ttl = await redis.pttl(`${prefix}:dismissed:${LURE}`);
    expect(ttl).toBeGreaterThan(29 * 24 * H);
    expect((await get('/api/queue')).body.rows.map((x: { number: string }) => x.number)).toEqual([DIALLER]);
    const profile = await get(`/api/numbers/${encodeURIComponent(LURE)}`);
    expect(profile.body.enforcement.dismissed).toMatchObject({ flagId: lure.flagId });
  });

  it('an unknown flag is a 404 and publishes nothing', async () => {
    const offsets = async () => (await admin.fetchTopicOffsets(reviewsTopic)).map((p) => p.high);
    const reviewRows = async () => Number((await ch.query<{ n: string }>(`SELECT count() AS n FROM ${database}.reviews`))[0].n);
    const [topicBefore, rowsBefore] = [await offsets(), await reviewRows()];
    const r = await post('/api/flags/no-such-flag/review', { decision: 'CONFIRMED' });
    expect(r).toMatchObject({ status: 404, body: { error: 'not_found', message: 'no flag no-such-flag' } });
    expect(await offsets()).toEqual(topicBefore);
    expect(await reviewRows()).toBe(rowsBefore);
  });
});
