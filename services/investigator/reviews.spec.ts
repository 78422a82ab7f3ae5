/**
 * The review service against fakes of its producer, registry, Redis and
 * queries: what it publishes (docs/investigator.md, "Review decisions") and
 * what it records for the detector. Pure unit test: no servers.
 */
import { describe, expect, it } from 'vitest';
import type { Producer, ProducerRecord } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Redis } from 'ioredis';
import type { FlagView, InvestigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { createReviewService } from './reviews.ts';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 28, 9);
const PROTECT_MS = 30 * 24 * H;

const flag: FlagView = {
  flagId: 'f-1',
  number: '+8613800138000',
  severity: 'BLOCK_RECOMMENDED',
  score: 92,
  reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 9, threshold: 3 }],
  windowStart: NOW - 6 * H,
  windowEnd: NOW - 5 * H,
  detectedAt: NOW - 5 * H,
  emittedAt: NOW - 5 * H,
  numberClass: 'MOBILE',
  accessProvider: 'CMCC',
  evidence: { calls: 120 },
  review: null,
};

function setup() {
  const sent: ProducerRecord[] = [];
  const evals: unknown[][] = [];
  const producer = { send: async (r: ProducerRecord) => (sent.push(r), []) } as unknown as Producer;
  const registry = {
    getLatestSchemaId: async () => 7,
    encode: async (_id: number, v: unknown) => Buffer.from(JSON.stringify(v)),
  } as unknown as SchemaRegistry;
  const redis = { eval: async (...args: unknown[]) => (evals.push(args), 1) } as unknown as Redis;
  const queries = { insertReview: async () => {} } as unknown as InvestigatorQueries;
  const service = createReviewService({ producer, registry, redis, queries, reviewsTopic: 'callguard.reviews.v1', keyPrefix: 'p', protectTtlMs: PROTECT_MS, now: () => NOW });
  return { service, sent, evals };
}

describe('review service', () => {
  it('publishes the decision keyed by the number, acknowledged by all in-sync replicas (acks -1)', async () => {
    const { service, sent } = setup();
    const out = await service.decide(flag, 'CONFIRMED', 'inv', 'seen');
    expect(out.warnings).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'callguard.reviews.v1', acks: -1 });
    expect(sent[0].messages).toHaveLength(1);
    // Keyed by number, so all decisions on a number land in one partition, in order (not by flagId).
    expect(sent[0].messages[0].key).toBe(flag.number);
  });

  it('records a dismissal in Redis for the detector, protected until decidedAt + protectTtlMs', async () => {
    const { service, evals } = setup();
    await service.decide(flag, 'DISMISSED', 'inv', null);
    expect(evals).toHaveLength(1);
    const [, numKeys, key, ...argv] = evals[0];
    expect(numKeys).toBe(1);
    expect(key).toBe(`p:dismissed:${flag.number}`);
    expect(argv).toEqual([flag.flagId, String(flag.windowEnd), String(flag.windowStart), flag.severity, 'inv', String(NOW), String(NOW + PROTECT_MS)]);
  });

  it('records nothing in Redis for a confirmation', async () => {
    const { service, sent, evals } = setup();
    await service.decide(flag, 'CONFIRMED', 'inv', null);
    expect(sent).toHaveLength(1);
    expect(evals).toEqual([]);
  });
});
