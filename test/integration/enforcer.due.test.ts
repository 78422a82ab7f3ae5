/**
 * A flag held back by a block, when the block expires, against the real
 * stack: the enforcer (its own topics, a random key prefix, the due set
 * polled every 300 ms) blocks a number on a confirmation, then gets a newer
 * BLOCK_RECOMMENDED while the block stands. When the block expires, Redis
 * drops the label key by itself; the due poller (services/enforcer/due.ts)
 * must settle the number within a poll, so the lookup answers
 * PENDING_VERIFICATION with the newer flag (before, CLEAR until the
 * number's next record).
 *
 * Time is real: the enforcer's clock is Date.now in its worker thread. The
 * block is made to expire soon by its decision time (the block lasts the
 * default 30 days from `decidedAt`, so a decision 30 days minus a few
 * seconds ago blocks for a few seconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createSchemaRegistry, registerValueSchema } from '../../shared/kafka/index.ts';
import type { FlagEvent, ReviewDecision } from '../../shared/contracts/records.ts';
import { loadEnforcerConfig } from '../../services/enforcer/config.ts';
import { startEnforcer, type RunningEnforcer } from '../../services/enforcer/main.ts';
import type { LookupView } from '../../services/enforcer/view.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomKey, randomTopic } from './helpers/names.ts';
import { connectTestRedis, deleteKeysUnder } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

const H = 3_600_000;
const DAY = 24 * H;
const POLL_MS = 300;
/** How long the block still stands when its confirmation is sent: time to consume it and the newer flag. */
const BLOCK_LEFT_MS = 15_000;
const prefix = randomKey();
const log = pino({ level: 'warn' }, pino.destination(2));
const registry = createSchemaRegistry();
const NUMBER = '+8613900000301';

let admin: Admin;
let producer: Producer;
let redis: Redis;
let topics: { flags: string; reviews: string; dlq: string };
let flagSchema: number;
let reviewSchema: number;
let group: string;
let e: RunningEnforcer | undefined;

function blockFlag(flagId: string, evidenceEnd: number, emittedAt: number): FlagEvent {
  return {
    flagId,
    number: NUMBER,
    severity: 'BLOCK_RECOMMENDED',
    score: 93,
    reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 8, threshold: 3 }],
    windowStart: evidenceEnd - H,
    windowEnd: evidenceEnd,
    detectedAt: evidenceEnd,
    emittedAt,
    numberClass: 'MOBILE',
    accessProvider: 'CMCC',
    evidence: { calls: 300, distinctCallees: 280, answered: 20 },
  };
}

async function lookup(number: string): Promise<LookupView> {
  const res = await fetch(`${e!.url}/v1/numbers/${encodeURIComponent(number)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as LookupView;
}

beforeAll(async () => {
  const kafka = testKafka('callguard-enforcer-due-test');
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  topics = { flags: await createTestTopic(admin, 1, 'enf-due-flags'), reviews: await createTestTopic(admin, 1, 'enf-due-reviews'), dlq: await createTestTopic(admin, 1, 'enf-due-dlq') };
  flagSchema = await registerValueSchema(registry, topics.flags, 'FlagEvent');
  reviewSchema = await registerValueSchema(registry, topics.reviews, 'ReviewDecision');
  redis = await connectTestRedis();
  group = randomTopic('enf-due-group');
  const config = loadEnforcerConfig(
    { port: '0', flagsTopic: topics.flags, reviewsTopic: topics.reviews, dlqTopic: topics.dlq, group, keyPrefix: prefix },
    { ...process.env, CALLGUARD_ENFORCER_DUE_POLL: `${POLL_MS}ms`, CALLGUARD_ENFORCER_BLOCK_TTL: '30d', CALLGUARD_ENFORCER_LABEL_TTL: '7d' },
  );
  e = await startEnforcer(config, log);
});

afterAll(async () => {
  await e?.close();
  await producer?.disconnect();
  if (admin) {
    if (topics) await deleteTestTopics(admin, [topics.flags, topics.reviews, topics.dlq]);
    if (group) await admin.deleteGroups([group]).catch(() => {});
    await admin.disconnect();
  }
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
});

describe('a flag held back by a block (the due set <prefix>:enforce:due)', () => {
  it('stands as PENDING_VERIFICATION within a poll of the block expiring; the due member goes', async () => {
    const t0 = Date.now();
    const old = blockFlag('due-old', t0 - 2 * H, t0 - 2 * H);
    const decision: ReviewDecision = { number: NUMBER, flagId: old.flagId, decision: 'CONFIRMED', reviewer: 'inv-test', note: null, decidedAt: t0 - 30 * DAY + BLOCK_LEFT_MS };
    const blockEnd = decision.decidedAt + 30 * DAY;
    await producer.send({ topic: topics.flags, messages: [{ key: NUMBER, value: await registry.encode(flagSchema, old) }] });
    await producer.send({ topic: topics.reviews, messages: [{ key: NUMBER, value: await registry.encode(reviewSchema, decision) }] });
    await waitFor(async () => (await lookup(NUMBER)).status === 'BLOCKED', { what: 'blocked', intervalMs: 50 });

    // A newer BLOCK_RECOMMENDED on fresh evidence while the block stands: held back, remembered.
    const newer = blockFlag('due-new', Date.now() - 60_000, Date.now());
    await producer.send({ topic: topics.flags, messages: [{ key: NUMBER, value: await registry.encode(flagSchema, newer) }] });
    await waitFor(async () => (await e!.store.state(NUMBER)).seen.some((f) => f.flagId === newer.flagId), { what: 'newer flag remembered', intervalMs: 50 });
    expect(Date.now(), 'the set-up outlasted the block').toBeLessThan(blockEnd);
    expect(await lookup(NUMBER)).toMatchObject({ status: 'BLOCKED', flagId: old.flagId, expiresAt: blockEnd });
    // The due set, under the configured prefix, holds the number at the block's expiry.
    expect(Number(await redis.zscore(`${prefix}:enforce:due`, NUMBER))).toBe(blockEnd);

    await waitFor(() => Date.now() > blockEnd, { what: 'the block expiring', intervalMs: 20, timeoutMs: BLOCK_LEFT_MS + 5_000 });
    const view = await waitFor(
      async () => {
        const v = await lookup(NUMBER);
        return v.status === 'PENDING_VERIFICATION' ? v : undefined;
      },
      { what: 'the held flag standing after the block', intervalMs: 50, timeoutMs: 10_000 },
    );
    // Within a poll (and the lookup replica's invalidation), with room for a loaded machine.
    expect(Date.now() - blockEnd).toBeLessThan(POLL_MS + 2_000);
    expect(view).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: newer.flagId, blocked: false, label: 'SUSPECTED_NUISANCE', verifiedBy: null, expiresAt: newer.windowEnd + 7 * DAY });
    expect(await redis.exists(`${prefix}:label:${NUMBER}`)).toBe(1);
    expect(await redis.zscore(`${prefix}:enforce:due`, NUMBER)).toBeNull();
    await waitFor(async () => (await e!.metrics.records.get()).values.some((v) => v.labels.kind === 'due' && v.labels.outcome === 'pending' && v.value === 1), {
      what: 'the settle counted as records_total{kind="due",outcome="pending"}',
    });
  });
});
