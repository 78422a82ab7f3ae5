/**
 * The enforcer end to end against the real stack: FlagEvents and
 * ReviewDecisions as Avro on random topics → Redis state → lookup API; bad
 * records to the DLQ with the contract's headers; a second instance
 * re-reading everything from the beginning changes nothing (idempotence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createSchemaRegistry, registerValueSchema } from '../../shared/kafka/index.ts';
import { createClickHouse, dropDatabase, migrate, type ClickHouse } from '../../shared/clickhouse/index.ts';
import { investigatorQueries, type FlagView } from '../../shared/clickhouse/queries/index.ts';
import { parseReviewDecision } from '../../shared/contracts/validate.ts';
import type { FlagEvent, ReviewDecision } from '../../shared/contracts/records.ts';
import { loadEnforcerConfig, type EnforcerConfig } from '../../services/enforcer/config.ts';
import { startEnforcer, type RunningEnforcer } from '../../services/enforcer/main.ts';
import { createEnforcementStore } from '../../services/enforcer/store.ts';
import { applyFlag, applyReview } from '../../services/enforcer/machine.ts';
import { createReviewService } from '../../services/investigator/reviews.ts';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import type { LookupView } from '../../services/enforcer/view.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomDatabase, randomKey, randomTopic } from './helpers/names.ts';
import { connectTestRedis, deleteKeysUnder } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';
import { requestWithHost } from './helpers/host-request.ts';

const H = 3_600_000;
const now = Date.now();
const prefix = randomKey();
const log = pino({ level: 'warn' }, pino.destination(2));

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let redis: Redis;
let flagsTopic: string;
let reviewsTopic: string;
let dlqTopic: string;
let flagSchema: number;
let reviewSchema: number;
const registry = createSchemaRegistry();
const running: RunningEnforcer[] = [];
const groups: string[] = [];

function config(groupId: string, env: NodeJS.ProcessEnv = {}): EnforcerConfig {
  return loadEnforcerConfig({ port: '0', flagsTopic, reviewsTopic, dlqTopic, group: groupId, keyPrefix: prefix }, { ...process.env, ...env });
}

function flag(number: string, over: Partial<FlagEvent> = {}): FlagEvent {
  return {
    flagId: `flag-${number.slice(-4)}-${over.severity ?? 'LABEL'}`,
    number,
    severity: 'LABEL',
    score: 72,
    reasons: [{ rule: 'LOW_ANSWER_FANOUT', window: '24h', value: 120, threshold: 40 }],
    windowStart: now - 24 * H,
    windowEnd: now - H,
    detectedAt: now - H,
    emittedAt: now,
    numberClass: 'MOBILE',
    accessProvider: 'CMCC',
    evidence: { calls: 300, distinctCallees: 280, answered: 20 },
    ...over,
  };
}

function review(number: string, flagId: string, decision: ReviewDecision['decision'], decidedAt = now): ReviewDecision {
  return { number, flagId, decision, reviewer: 'inv-test', note: decision === 'DISMISSED' ? 'a courier' : null, decidedAt };
}

async function sendFlags(flags: FlagEvent[]): Promise<void> {
  const messages = await Promise.all(flags.map(async (f) => ({ key: f.number, value: await registry.encode(flagSchema, f) })));
  await producer.send({ topic: flagsTopic, messages });
}

async function sendReviews(reviews: ReviewDecision[]): Promise<void> {
  const messages = await Promise.all(reviews.map(async (r) => ({ key: r.number, value: await registry.encode(reviewSchema, r) })));
  await producer.send({ topic: reviewsTopic, messages });
}

async function lookup(e: RunningEnforcer, number: string): Promise<{ status: number; body: LookupView & { error?: string; message?: string } }> {
  const res = await fetch(`${e.url}/v1/numbers/${encodeURIComponent(number)}`);
  return { status: res.status, body: (await res.json()) as LookupView };
}

async function outcomes(e: RunningEnforcer): Promise<Record<string, number>> {
  const m = await e.metrics.records.get();
  return Object.fromEntries(m.values.map((v) => [`${v.labels.kind}:${v.labels.outcome}`, v.value]));
}

beforeAll(async () => {
  kafka = testKafka('callguard-enforcer-test');
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  flagsTopic = await createTestTopic(admin, 2, 'enf-flags');
  reviewsTopic = await createTestTopic(admin, 1, 'enf-reviews');
  dlqTopic = await createTestTopic(admin, 1, 'enf-dlq');
  flagSchema = await registerValueSchema(registry, flagsTopic, 'FlagEvent');
  reviewSchema = await registerValueSchema(registry, reviewsTopic, 'ReviewDecision');
  redis = await connectTestRedis();
});

afterAll(async () => {
  for (const e of running) await e.close();
  await producer?.disconnect();
  if (admin) {
    await deleteTestTopics(admin, [flagsTopic, reviewsTopic, dlqTopic].filter(Boolean));
    if (groups.length) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
});

const LABELLED = '+8613900000101';
const BLOCKED = '+8613900000102';
const DISMISSED = '+8613900000103';
const EARLY = '+8613900000104';
const WATCHED = '+8613900000105';

describe('callguard enforce', () => {
  let first: RunningEnforcer;

  it('labels, holds for verification, blocks on CONFIRMED, unlabels and protects on DISMISSED', async () => {
    const group = randomTopic('enf-group');
    groups.push(group);
    first = await startEnforcer(config(group), log);
    running.push(first);

    const block = (n: string) => flag(n, { severity: 'BLOCK_RECOMMENDED', score: 93, reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 8, threshold: 3 }] });
    // A review that overtakes its flag (different topics): applied when the flag comes.
    await sendReviews([review(EARLY, block(EARLY).flagId, 'CONFIRMED')]);
    await waitFor(async () => (await outcomes(first))['review:deferred'] === 1, { what: 'early review held' });
    await sendFlags([flag(LABELLED), flag(LABELLED), block(BLOCKED), block(DISMISSED), flag(WATCHED, { severity: 'WATCH', score: 40 })]);
    await waitFor(async () => (await lookup(first, BLOCKED)).body.status === 'PENDING_VERIFICATION', { what: 'BLOCK_RECOMMENDED pending' });
    expect((await lookup(first, BLOCKED)).body.blocked).toBe(false);

    await sendReviews([review(BLOCKED, block(BLOCKED).flagId, 'CONFIRMED'), review(DISMISSED, block(DISMISSED).flagId, 'DISMISSED')]);
    await sendFlags([block(EARLY)]);
    await waitFor(async () => (await lookup(first, BLOCKED)).body.status === 'BLOCKED', { what: 'BLOCKED after CONFIRMED' });
    await waitFor(async () => (await lookup(first, DISMISSED)).body.status === 'DISMISSED', { what: 'DISMISSED' });
    await waitFor(async () => (await lookup(first, EARLY)).body.status === 'BLOCKED', { what: 'early review applied' });

    // The same evidence again, at a lower severity: the dismissal protects the number.
    await sendFlags([flag(DISMISSED)]);
    await waitFor(async () => (await outcomes(first))['flag:protected'] === 1, { what: 'protected re-flag' });

    const labelled = await lookup(first, '13900000101'); // national form: normalised
    expect(labelled.status).toBe(200);
    expect(labelled.body).toMatchObject({
      number: LABELLED,
      status: 'LABELED',
      label: 'SUSPECTED_NUISANCE',
      category: 'TELEMARKETING',
      blocked: false,
      severity: 'LABEL',
      flagId: flag(LABELLED).flagId,
      reasons: flag(LABELLED).reasons,
    });
    expect(labelled.body.expiresAt).toBe(now - H + 7 * 24 * H);
    // The label ages out in Redis by itself.
    const ttl = await redis.pttl(`${prefix}:label:${LABELLED}`);
    expect(ttl).toBeGreaterThan(6 * 24 * H);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * H);

    expect((await lookup(first, BLOCKED)).body).toMatchObject({ status: 'BLOCKED', blocked: true, label: 'VERIFIED_NUISANCE', category: 'HARASSMENT', verifiedBy: 'inv-test' });
    expect((await lookup(first, DISMISSED)).body).toMatchObject({ status: 'DISMISSED', label: null, blocked: false });
    expect((await lookup(first, WATCHED)).body).toMatchObject({ status: 'CLEAR', label: null });
    expect((await lookup(first, '+8613900000999')).body).toMatchObject({ number: '+8613900000999', status: 'CLEAR', label: null, reasons: [] });

    // The dismissal record the detector reads.
    expect(await redis.hgetall(`${prefix}:dismissed:${DISMISSED}`)).toMatchObject({
      flagId: block(DISMISSED).flagId,
      severity: 'BLOCK_RECOMMENDED',
      windowEnd: String(now - H),
      reviewer: 'inv-test',
    });

    const o = await outcomes(first);
    expect(o).toMatchObject({ 'flag:labeled': 1, 'flag:duplicate': 1, 'flag:pending': 2, 'flag:watch': 1, 'flag:protected': 1, 'review:deferred': 1, 'review:blocked': 1, 'review:dismissed': 1 });
    expect(o['flag:blocked']).toBe(1); // the early-confirmed flag
  });

  it('routes undecodable and invalid records to the DLQ with the contract headers and keeps going', async () => {
    const bad = await registry.encode(flagSchema, flag('+8613900000106', { score: 250 }));
    await producer.send({ topic: flagsTopic, messages: [{ key: 'junk', value: Buffer.from('not avro at all') }, { key: 'bad-score', value: bad }] });
    await sendFlags([flag('+8613900000107')]);
    await waitFor(async () => (await lookup(first, '+8613900000107')).body.status === 'LABELED', { what: 'good flag after bad ones' });

    const dlq: Array<{ key: string; headers: Record<string, string> }> = [];
    const group = randomTopic('enf-dlq-reader');
    groups.push(group);
    const reader: Consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    await reader.connect();
    await reader.subscribe({ topic: dlqTopic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        dlq.push({ key: String(message.key), headers });
      },
    });
    await waitFor(() => dlq.length >= 2, { what: 'two DLQ records' });
    await reader.disconnect();
    const byKey = Object.fromEntries(dlq.map((d) => [d.key, d.headers]));
    expect(byKey.junk).toMatchObject({ 'x-source-topic': flagsTopic });
    expect(byKey.junk['x-error']).toMatch(/wire format/);
    expect(byKey['bad-score']['x-error']).toMatch(/score/);
    expect(Number(byKey['bad-score']['x-source-offset'])).toBeGreaterThanOrEqual(0);
    expect(byKey['bad-score']['x-source-partition']).toMatch(/^\d+$/);
  });

  it('answers 400 for what is not a phone number, and serves /healthz and /metrics', async () => {
    // Refused by normalisation (the route's schema bounds only the length, 64): each 400 names the
    // parameter, echoes the value and says what is wrong with it.
    const cases: Array<[string, string]> = [
      ["' OR 1=1 --", `number "' OR 1=1 --" is not a phone number: unexpected character "'" at position 1`],
      ['abc', 'number "abc" is not a phone number: unexpected character "a" at position 1'],
      ['138 0000 0001x', 'number "138 0000 0001x" is not a phone number: unexpected character "x" at position 14'],
      ['12', 'number "12" is not a phone number: too short (2 digits)'],
      ['+86 1390000010612345678901', 'number "+86 1390000010612345678901" is not a phone number: too long (24 digits)'],
      ['+86139000001', 'number "+86139000001" is not a phone number: mobile number must have 11 digits, not 9'],
    ];
    for (const [bad, message] of cases) {
      const r = await lookup(first, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body, bad).toEqual({ error: 'invalid_number', message });
    }
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: true, consumer: 'running', replica: 'ready' });
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/callguard_enforcer_records_total\{kind="flag",outcome="labeled"\} 2/);
    expect(metrics).toMatch(/callguard_enforcer_lookup_seconds_bucket/);
    // Lookups are answered from the in-process label replica once it has loaded.
    expect(Number(/callguard_enforcer_lookup_reads_total\{from="replica"\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
    expect(metrics).toMatch(/callguard_enforcer_label_replica_ready 1/);
    // The labels' JSON lives off the V8 heap, in at least one 1 MiB segment.
    expect(Number(/callguard_enforcer_label_replica_bytes (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(2 ** 20);
  });

  it('serves a label from the replica byte for byte as stored in Redis, no-store, and the same view as the Redis path', async () => {
    const res = await fetch(`${first.url}/v1/numbers/${encodeURIComponent(LABELLED)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const stored = await redis.get(`${prefix}:label:${LABELLED}`);
    expect(await res.text()).toBe(stored);
    // HEAD is not on the hot path: Fastify answers it from the same route.
    const head = await fetch(`${first.url}/v1/numbers/${encodeURIComponent(LABELLED)}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(stored ?? ''));
  });

  it('refuses a DNS-rebinding Host with 421 on the lookup hot path and on Fastify\'s routes; the loopback names work; /healthz is exempt', async () => {
    const port = new URL(first.url).port;
    const rebound = `rebind.attacker.example:${port}`;
    const path = `/v1/numbers/${encodeURIComponent(LABELLED)}`;
    const refusedBefore = (await first.metrics.misdirected.get()).values[0]?.value ?? 0;
    const lookupsBefore = (await first.metrics.lookupReads.get()).values.reduce((a, v) => a + v.value, 0);
    // The hot path (a label from the replica), and what Fastify answers: HEAD, a 400, /metrics, an unknown path.
    const refused: Array<[string, string]> = [['GET', path], ['HEAD', path], ['GET', '/v1/numbers/12'], ['GET', '/metrics'], ['GET', '/nowhere']];
    for (const [method, p] of refused) {
      const r = await requestWithHost(first.url, p, rebound, { method });
      expect(r.status, `${method} ${p}`).toBe(421);
      if (method === 'GET') expect(r.body, p).toEqual({ error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_ENFORCER_ALLOWED_HOSTS)' });
      expect(r.text, p).not.toContain('SUSPECTED_NUISANCE');
    }
    // Not a lookup: nothing was read for them.
    expect((await first.metrics.lookupReads.get()).values.reduce((a, v) => a + v.value, 0)).toBe(lookupsBefore);
    expect((await first.metrics.misdirected.get()).values[0].value).toBe(refusedBefore + refused.length);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`callguard_enforcer_misdirected_requests_total ${refusedBefore + refused.length}`));

    const stored = await redis.get(`${prefix}:label:${LABELLED}`);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LocalHost']) {
      const r = await requestWithHost(first.url, path, host);
      expect(r.status, host).toBe(200);
      expect(r.text, host).toBe(stored);
    }
    const health = await requestWithHost(first.url, '/healthz', `10.1.2.3:${port}`); // a Kubernetes probe: the pod's IP
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: true });
  });

  it('a second instance re-reading both topics from the beginning changes nothing (idempotent on redelivery)', async () => {
    // The machine's state and the lookup view of each number, as the first instance left them.
    const keys = [LABELLED, BLOCKED, DISMISSED, EARLY].flatMap((n) => [`${prefix}:enforce:state:${n}`, `${prefix}:label:${n}`]);
    const before = await redis.mget(...keys);
    expect(before.filter((v) => v === null)).toEqual([]);
    await first.close();
    const group = randomTopic('enf-replay');
    groups.push(group);
    const second = await startEnforcer(config(group, { CALLGUARD_ENFORCER_ALLOWED_HOSTS: 'lookup.callguard.test' }), log);
    running.push(second);
    // 8 good flags + 3 reviews on the topics, all seen before: nothing but duplicates.
    await waitFor(async () => Object.values(await outcomes(second)).reduce((a, b) => a + b, 0) >= 11, { what: 'replay of all records' });
    const o = await outcomes(second);
    expect(Object.keys(o).every((k) => k.endsWith(':duplicate')), JSON.stringify(o)).toBe(true);
    const after = await redis.mget(...keys);
    expect(after).toEqual(before);
    expect((await lookup(second, BLOCKED)).body.status).toBe('BLOCKED');
    // It was given a name of its own: that name is answered as well as the loopback ones, another still is not.
    const port = new URL(second.url).port;
    const path = `/v1/numbers/${encodeURIComponent(BLOCKED)}`;
    expect((await requestWithHost(second.url, path, `Lookup.Callguard.Test:${port}`)).body).toMatchObject({ status: 'BLOCKED' });
    expect((await requestWithHost(second.url, path, `localhost:${port}`)).status).toBe(200);
    expect((await requestWithHost(second.url, path, `other.callguard.test:${port}`)).status).toBe(421);
  });
});

describe('the dismissal record the detector reads, written by the console (its real review service) and the enforcer store (both Lua scripts)', () => {
  const keys = () => enforcerKeys(prefix);
  const protectTtlMs = 30 * 24 * H;
  const store = () => createEnforcementStore(redis, { keys: keys(), protectTtlMs, minRetentionMs: 7 * 24 * H, now: () => now });
  const dismissedFlag = (number: string) =>
    flag(number, { flagId: `flag-${number.slice(-4)}-BLOCK`, severity: 'BLOCK_RECOMMENDED', score: 93, reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 8, threshold: 3 }] });
  // The console's review service as the console builds it: the real registry and producer on a reviews topic of
  // its own (the enforcers above re-read theirs and would apply the dismissal themselves), and a fresh ClickHouse
  // database for its `reviews` note.
  const database = randomDatabase('cg_enf_console');
  let ch: ClickHouse;
  let consoleTopic: string;
  beforeAll(async () => {
    ch = createClickHouse();
    await migrate(ch, { database });
    consoleTopic = await createTestTopic(admin, 1, 'enf-console-reviews');
  });
  afterAll(async () => {
    if (ch) {
      await dropDatabase(ch, database);
      await ch.close();
    }
    if (admin && consoleTopic) await deleteTestTopics(admin, [consoleTopic]);
  });
  const consoleReviews = () =>
    createReviewService({ producer, registry, redis, queries: investigatorQueries(ch, database), reviewsTopic: consoleTopic, keyPrefix: prefix, protectTtlMs, now: () => now });

  /** The records on the console's reviews topic, decoded (key and value). */
  async function publishedReviews(expected: number): Promise<Array<{ key: string; value: unknown }>> {
    const seen: Array<{ key: string; value: unknown }> = [];
    const groupId = randomTopic('enf-console-reader');
    groups.push(groupId);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: consoleTopic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: String(message.key), value: await registry.decode(message.value!) }) });
      await waitFor(() => seen.length >= expected, { what: 'the ReviewDecision on the console reviews topic' });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  it("keeps the console's window when the enforcer reads the DISMISSED review before its flag (so the detector does not re-flag that evidence)", async () => {
    const number = '+8613900000110';
    const f = dismissedFlag(number);
    const { review: decision, warnings } = await consoleReviews().decide({ ...f, review: null } satisfies FlagView, 'DISMISSED', 'inv-test', 'a courier');
    expect(warnings).toEqual([]); // published, noted in ClickHouse and recorded in Redis
    const consoleRecord = await redis.hgetall(keys().dismissed(number));
    expect(consoleRecord).toMatchObject({ flagId: f.flagId, windowEnd: String(f.windowEnd), windowStart: String(f.windowStart), severity: 'BLOCK_RECOMMENDED' });
    // What the enforcer reads: the decision, as Avro under the topic's registered schema, keyed by the number.
    const published = await publishedReviews(1);
    expect(published).toHaveLength(1);
    expect(published[0].key).toBe(number);
    const onTopic = parseReviewDecision(published[0].value);
    expect(onTopic).toEqual({ ok: true, value: decision });
    expect(await investigatorQueries(ch, database).numberReviews(number, 10)).toMatchObject([
      { flagId: f.flagId, decision: 'DISMISSED', reviewer: 'inv-test', note: 'a courier', decidedAt: now, flagWindowEnd: f.windowEnd },
    ]);

    // The reviews topic overtakes the flags topic: the enforcer holds the dismissal, its flag's window unknown (-1).
    const s = store();
    expect((await s.update(number, (st, t) => applyReview(st, decision, t))).outcome).toBe('deferred');
    expect(await redis.hgetall(keys().dismissed(number))).toEqual(consoleRecord);

    // The flag comes: the dismissal applies with the flag's own window, the same as the console's.
    expect((await s.update(number, (st, t) => applyFlag(st, f, t))).outcome).toBe('dismissed');
    expect(await redis.hgetall(keys().dismissed(number))).toMatchObject({ flagId: f.flagId, windowEnd: String(f.windowEnd), severity: 'BLOCK_RECOMMENDED' });
    expect((await s.lookup(number))?.status).toBe('DISMISSED');
  });

  it('two console dismissals of one number: the later windowEnd is kept, whichever is decided last (docs/investigator.md)', async () => {
    const number = '+8613900000112';
    const newer = dismissedFlag(number); // window ends at W2 = now - 1h
    const older = { ...dismissedFlag(number), flagId: `flag-${number.slice(-4)}-OLDER`, windowStart: now - 48 * H, windowEnd: now - 24 * H, detectedAt: now - 24 * H }; // W1 < W2
    const reviews = consoleReviews();
    expect((await reviews.decide({ ...newer, review: null }, 'DISMISSED', 'inv-test', 'a courier')).warnings).toEqual([]);
    const kept = await redis.hgetall(keys().dismissed(number));
    expect(kept).toMatchObject({ flagId: newer.flagId, windowEnd: String(newer.windowEnd) });
    // The older flag dismissed afterwards: published and noted, but its narrower window does not replace the record.
    expect((await reviews.decide({ ...older, review: null }, 'DISMISSED', 'inv-test', 'the same courier')).warnings).toEqual([]);
    expect(await redis.hgetall(keys().dismissed(number))).toEqual(kept);
    expect((await investigatorQueries(ch, database).numberReviews(number, 10)).map((r) => r.flagId).sort()).toEqual([newer.flagId, older.flagId].sort());
  });

  it('without a console record, an early DISMISSED records an unknown window, which its flag then widens (widest window wins)', async () => {
    const number = '+8613900000111';
    const f = dismissedFlag(number);
    const s = store();
    const decision: ReviewDecision = review(number, f.flagId, 'DISMISSED');
    expect((await s.update(number, (st, t) => applyReview(st, decision, t))).outcome).toBe('deferred');
    expect(await redis.hgetall(keys().dismissed(number))).toMatchObject({ flagId: f.flagId, windowEnd: '-1', severity: '' });
    expect((await s.update(number, (st, t) => applyFlag(st, f, t))).outcome).toBe('dismissed');
    expect(await redis.hgetall(keys().dismissed(number))).toMatchObject({ flagId: f.flagId, windowEnd: String(f.windowEnd), severity: 'BLOCK_RECOMMENDED' });
  });
});

describe('the allowlist (<prefix>:allowlist, read by the enforcer itself)', () => {
  // Topics of its own: the instances above re-read theirs from the beginning and count every record.
  let topics: { flags: string; reviews: string; dlq: string };
  let flagsSchema: number;
  let reviewsSchema: number;
  let e: RunningEnforcer;
  const POLL_MS = 300;
  const key = () => `${prefix}:allowlist`;
  const LABELLED_THEN_ALLOWED = '+8613900000201';
  const BLOCKED_THEN_ALLOWED = '+8613900000202';
  const ALLOWED_FIRST = '+8613900000203';
  const NOT_ALLOWED = '+8613900000204';
  const blockFlag = (n: string) => flag(n, { severity: 'BLOCK_RECOMMENDED', score: 93, reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 8, threshold: 3 }] });

  beforeAll(async () => {
    topics = { flags: await createTestTopic(admin, 2, 'enf-al-flags'), reviews: await createTestTopic(admin, 1, 'enf-al-reviews'), dlq: await createTestTopic(admin, 1, 'enf-al-dlq') };
    flagsSchema = await registerValueSchema(registry, topics.flags, 'FlagEvent');
    reviewsSchema = await registerValueSchema(registry, topics.reviews, 'ReviewDecision');
    const group = randomTopic('enf-al-group');
    groups.push(group);
    const c = loadEnforcerConfig(
      { port: '0', flagsTopic: topics.flags, reviewsTopic: topics.reviews, dlqTopic: topics.dlq, group, keyPrefix: prefix },
      { ...process.env, CALLGUARD_ENFORCER_ALLOWLIST_POLL: `${POLL_MS}ms` },
    );
    e = await startEnforcer(c, log);
    running.push(e);
  });

  afterAll(async () => {
    await e?.close(); // before its topics go
    if (admin && topics) await deleteTestTopics(admin, [topics.flags, topics.reviews, topics.dlq]);
  });

  const send = async (fs: FlagEvent[]) =>
    producer.send({ topic: topics.flags, messages: await Promise.all(fs.map(async (f) => ({ key: f.number, value: await registry.encode(flagsSchema, f) }))) });

  it('a labelled, and a blocked, number is unlabelled within a poll of being added to the allowlist set (any form); its history is kept', async () => {
    await send([flag(LABELLED_THEN_ALLOWED), blockFlag(BLOCKED_THEN_ALLOWED)]);
    const f = blockFlag(BLOCKED_THEN_ALLOWED);
    await producer.send({ topic: topics.reviews, messages: [{ key: f.number, value: await registry.encode(reviewsSchema, review(f.number, f.flagId, 'CONFIRMED')) }] });
    await waitFor(async () => (await lookup(e, LABELLED_THEN_ALLOWED)).body.status === 'LABELED', { what: 'labelled' });
    await waitFor(async () => (await lookup(e, BLOCKED_THEN_ALLOWED)).body.status === 'BLOCKED', { what: 'blocked' });

    await redis.sadd(key(), '139 0000 0201', `0086${BLOCKED_THEN_ALLOWED.slice(3)}`);
    const added = Date.now();
    await waitFor(async () => (await lookup(e, LABELLED_THEN_ALLOWED)).body.status === 'CLEAR' && (await lookup(e, BLOCKED_THEN_ALLOWED)).body.status === 'CLEAR', {
      what: 'unlabelled after allowlisting',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    // Within a poll (and the lookup replica's invalidation), with room for a loaded machine.
    expect(Date.now() - added).toBeLessThan(POLL_MS + 2_000);
    expect((await lookup(e, BLOCKED_THEN_ALLOWED)).body).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
    expect(await redis.exists(`${prefix}:label:${LABELLED_THEN_ALLOWED}`, `${prefix}:label:${BLOCKED_THEN_ALLOWED}`)).toBe(0);
    // The history stays, so a redelivery is recognised.
    expect((await e.store.state(LABELLED_THEN_ALLOWED)).seen.map((s) => s.flagId)).toEqual([flag(LABELLED_THEN_ALLOWED).flagId]);
    await waitFor(async () => (await outcomes(e))['allowlist:allowlisted'] === 2, { what: 'two numbers unlabelled, counted' });
  });

  it('a flag for an allowlisted number does not label it; one for another number does', async () => {
    await redis.sadd(key(), ALLOWED_FIRST);
    await new Promise((r) => setTimeout(r, 3 * POLL_MS)); // read by the enforcer
    await send([blockFlag(ALLOWED_FIRST), flag(ALLOWED_FIRST), flag(NOT_ALLOWED)]);
    await waitFor(async () => (await lookup(e, NOT_ALLOWED)).body.status === 'LABELED', { what: 'the other number labelled' });
    // All six records of this enforcer handled (three in the case before), whichever partition they were on.
    await waitFor(() => e.consumer.handled() >= 6, { what: 'every flag handled' });
    expect((await lookup(e, ALLOWED_FIRST)).body).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
    expect(await redis.exists(`${prefix}:label:${ALLOWED_FIRST}`)).toBe(0);
    expect((await outcomes(e))['flag:allowlisted']).toBe(2);
  });
});
