/**
 * Taking a review decision: publish the ReviewDecision (Avro, registry
 * schema of `<reviews topic>-value`, key = number) to the reviews topic —
 * the record of truth the enforcer and the detector consume — then note it
 * in ClickHouse (`reviews`, for the queue) and, for a dismissal, in Redis
 * (`<prefix>:dismissed:<number>`, read by the detector to stop re-flagging
 * the same evidence). A failure to publish fails the decision; a failure
 * after publishing is reported as a warning (the decision stands).
 */
import type { Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Redis } from 'ioredis';
import type { ReviewDecision } from '../../shared/contracts/records.ts';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import { registerValueSchema, valueSubject } from '../../shared/kafka/index.ts';
import type { FlagView, InvestigatorQueries } from '../../shared/clickhouse/queries/index.ts';

/** Keeps the widest dismissed window: writes only when the new windowEnd is not older than the stored one. */
const DISMISS_SCRIPT = `
local oldEnd = tonumber(redis.call('HGET', KEYS[1], 'windowEnd') or '-1') or -1
if tonumber(ARGV[2]) < oldEnd then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'flagId', ARGV[1], 'windowEnd', ARGV[2], 'windowStart', ARGV[3], 'severity', ARGV[4], 'reviewer', ARGV[5], 'decidedAt', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], ARGV[7])
return 1
`;

/** What a decision did. */
export interface ReviewOutcome {
  review: ReviewDecision;
  /** Problems after publishing (the decision was published nonetheless). */
  warnings: string[];
}

/** Takes review decisions. */
export interface ReviewService {
  decide(flag: FlagView, decision: ReviewDecision['decision'], reviewer: string, note: string | null): Promise<ReviewOutcome>;
}

/** Options of {@link createReviewService}. */
export interface ReviewServiceOptions {
  producer: Producer;
  registry: SchemaRegistry;
  redis: Redis;
  queries: InvestigatorQueries;
  reviewsTopic: string;
  keyPrefix: string;
  protectTtlMs: number;
  now?: () => number;
  onWarning?: (message: string, err: unknown) => void;
}

/** Creates the service; the schema id is looked up (or registered) on first use. */
export function createReviewService(o: ReviewServiceOptions): ReviewService {
  const now = o.now ?? Date.now;
  let schemaId: Promise<number> | undefined;
  const id = () =>
    (schemaId ??= o.registry
      .getLatestSchemaId(valueSubject(o.reviewsTopic))
      .catch(() => registerValueSchema(o.registry, o.reviewsTopic, 'ReviewDecision'))
      .catch((err: unknown) => {
        schemaId = undefined;
        throw err;
      }));
  return {
    async decide(flag, decision, reviewer, note) {
      const review: ReviewDecision = { number: flag.number, flagId: flag.flagId, decision, reviewer, note, decidedAt: now() };
      const value = await o.registry.encode(await id(), review);
      await o.producer.send({ topic: o.reviewsTopic, acks: -1, messages: [{ key: flag.number, value }] });
      const warnings: string[] = [];
      try {
        await o.queries.insertReview({
          number: flag.number,
          flagId: flag.flagId,
          decision,
          reviewer,
          note,
          decidedAt: review.decidedAt,
          flagSeverity: flag.severity,
          flagDetectedAt: flag.detectedAt,
          flagWindowStart: flag.windowStart,
          flagWindowEnd: flag.windowEnd,
        });
      } catch (err) {
        warnings.push('the decision was published but could not be noted in ClickHouse: the queue may still list the flag');
        o.onWarning?.('review not stored in ClickHouse', err);
      }
      if (decision === 'DISMISSED') {
        try {
          await o.redis.eval(
            DISMISS_SCRIPT,
            1,
            enforcerKeys(o.keyPrefix).dismissed(flag.number),
            flag.flagId,
            String(flag.windowEnd),
            String(flag.windowStart),
            flag.severity,
            reviewer,
            String(review.decidedAt),
            String(review.decidedAt + o.protectTtlMs),
          );
        } catch (err) {
          warnings.push('the dismissal was published but could not be recorded in Redis for the detector');
          o.onWarning?.('dismissal not recorded in Redis', err);
        }
      }
      return { review, warnings };
    },
  };
}
