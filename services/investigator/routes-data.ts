/**
 * The console's data API. Every parameter is validated by a JSON schema
 * (bad ones get a 400 saying which) and reaches ClickHouse only as a bound
 * query parameter (shared/clickhouse/queries).
 *
 * - GET  /api/numbers/:number       profile, activity series, flags, reviews, enforcement
 * - GET  /api/flags/:flagId         one flag and its evidence window
 * - POST /api/flags/:flagId/review  confirm or dismiss → ReviewDecision
 * - GET  /api/queue                 numbers with flags waiting for review
 * - GET  /api/offenders             top offenders of a period
 * - GET  /api/providers             access providers by nuisance traffic
 */
import type { FastifyInstance } from 'fastify';
import { classify, normalizeOrError } from '../../shared/numbers/index.ts';
import { REVIEW_DECISIONS, SEVERITIES, type ReviewDecision, type Severity } from '../../shared/contracts/records.ts';
import { bucketFor, chartRange, periodRange, PERIODS, type Period } from './period.ts';
import type { ConsoleDeps } from './server.ts';

/** A number's enforcement as the enforcer left it in Redis (null parts: nothing stored). */
export interface EnforcementInfo {
  /** The lookup view (`<prefix>:label:<number>`), as JSON. */
  view: Record<string, unknown> | null;
  /** The dismissal record (`<prefix>:dismissed:<number>`). */
  dismissed: Record<string, string> | null;
}

/** Reads a number's enforcement; may throw when Redis is down (the profile then shows it unknown). */
export type EnforcementReader = (number: string) => Promise<EnforcementInfo>;

/**
 * A number as typed, in any form shared/numbers accepts (full-width digits,
 * plus, spaces and brackets from Chinese input methods, a leading '(', …): no
 * pattern here, `number()` answers 400 with normalizeOrError's reason. The
 * length bound only keeps absurd input out.
 */
const NUMBER_PARAM = { type: 'string', minLength: 1, maxLength: 64 } as const;
const FLAG_ID_PARAM = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' } as const;
const MS = { type: 'integer', minimum: 0, maximum: 4_102_444_800_000 } as const;
const PERIOD_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    period: { type: 'string', enum: [...PERIODS], default: '24h' },
    until: MS,
    minSeverity: { type: 'string', enum: [...SEVERITIES], default: 'LABEL' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: 500, default: 0 },
  },
} as const;
/**
 * The provider ranking takes no minSeverity (refused as unknown, 400): its
 * flagged calls are those of numbers flagged at LABEL or above, fixed when
 * provider_hour is written, so no other severity could be applied to them.
 */
const { minSeverity: _noSeverity, ...PROVIDER_PROPERTIES } = PERIOD_QUERY.properties;
const PROVIDER_QUERY = { ...PERIOD_QUERY, properties: PROVIDER_PROPERTIES } as const;

interface PeriodQs {
  period: Period;
  until?: number;
  minSeverity: Severity;
  limit: number;
  offset: number;
}

/** A 400 with a clear message (a number that is not one, …). */
function badRequest(message: string): Error & { statusCode: number; code: string } {
  return Object.assign(new Error(message), { statusCode: 400, code: 'bad_request' });
}

function number(raw: string): string {
  const n = normalizeOrError(raw);
  if (!n.ok) throw badRequest(`not a phone number (${n.error}): ${JSON.stringify(raw)}`);
  return n.value;
}

/** The start of the minute of `ms`. */
const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

/** Registers the data routes. */
export function registerDataRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { queries } = deps;
  // The data clock moves with ingestion; a few seconds' staleness saves a round trip per page.
  let cached: { at: number; value: Promise<number> } | undefined;
  const dataClock = (): Promise<number> => {
    if (!cached || Date.now() - cached.at > 5_000) {
      const value = queries.dataClock();
      cached = { at: Date.now(), value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
  const clock = async (until: number | undefined) => until ?? (await dataClock());

  app.get<{ Params: { number: string }; Querystring: { from?: number; to?: number } }>(
    '/api/numbers/:number',
    {
      schema: {
        params: { type: 'object', required: ['number'], properties: { number: NUMBER_PARAM } },
        querystring: { type: 'object', additionalProperties: false, properties: { from: MS, to: MS } },
      },
    },
    async (req) => {
      const n = number(req.params.number);
      const { from, to } = req.query;
      if (from !== undefined && to !== undefined && from >= to) throw badRequest('from must be before to');
      const [span, now] = await Promise.all([queries.numberActivitySpan(n), to === undefined ? dataClock() : Promise.resolve(to)]);
      const range = chartRange(from, to, span, now); // 400 when inverted or empty, a bound defaulted or not
      const bucket = bucketFor(range.toMs - range.fromMs);
      const [summary, total, series, flags, reviews, enforcement] = await Promise.all([
        queries.numberSummary(n, range.fromMs, range.toMs),
        queries.numberSummary(n, 0, 4_102_444_800_000),
        queries.numberSeries(n, range.fromMs, range.toMs, bucket),
        queries.numberFlags(n, 100),
        queries.numberReviews(n, 50),
        deps.enforcement(n).catch((err: unknown) => {
          req.log.warn({ err }, 'enforcement state unavailable');
          return null;
        }),
      ]);
      return { number: n, numberClass: classify(n), range: { ...range, bucketSeconds: bucket }, summary, total, series, flags, reviews, enforcement };
    },
  );

  app.get<{ Params: { flagId: string } }>(
    '/api/flags/:flagId',
    { schema: { params: { type: 'object', required: ['flagId'], properties: { flagId: FLAG_ID_PARAM } } } },
    async (req, reply) => {
      const flag = await queries.flagById(req.params.flagId);
      if (!flag) return reply.code(404).send({ error: 'not_found', message: `no flag ${req.params.flagId}` });
      // The evidence window, with a little context either side. Traffic is kept per minute (number_minute), and a
      // window starts mid-minute (its flag's time less the rule's span): from the start of that minute, or the
      // window's first calls would be left out.
      const span = Math.max(flag.windowEnd - flag.windowStart, 60_000);
      const windowMinute = minuteOf(flag.windowStart);
      const range = { fromMs: Math.max(0, minuteOf(flag.windowStart - Math.round(span * 0.1))), toMs: flag.windowEnd + Math.round(span * 0.1) + 60_000 };
      const bucket = bucketFor(range.toMs - range.fromMs);
      const [summary, series] = await Promise.all([
        queries.numberSummary(flag.number, windowMinute, flag.windowEnd + 1),
        queries.numberSeries(flag.number, range.fromMs, range.toMs, bucket),
      ]);
      return { flag, window: { fromMs: flag.windowStart, toMs: flag.windowEnd }, range: { ...range, bucketSeconds: bucket }, summary, series };
    },
  );

  app.post<{ Params: { flagId: string }; Body: { decision: ReviewDecision['decision']; note?: string } }>(
    '/api/flags/:flagId/review',
    {
      schema: {
        params: { type: 'object', required: ['flagId'], properties: { flagId: FLAG_ID_PARAM } },
        body: {
          type: 'object',
          required: ['decision'],
          additionalProperties: false,
          properties: { decision: { type: 'string', enum: [...REVIEW_DECISIONS] }, note: { type: 'string', maxLength: 1000 } },
        },
      },
    },
    async (req, reply) => {
      const flag = await queries.flagById(req.params.flagId);
      if (!flag) return reply.code(404).send({ error: 'not_found', message: `no flag ${req.params.flagId}` });
      const note = req.body.note?.trim() || null;
      const outcome = await deps.reviews.decide(flag, req.body.decision, req.user ?? 'unknown', note);
      req.log.info({ flagId: flag.flagId, number: flag.number, decision: req.body.decision, reviewer: req.user }, 'review decision published');
      return reply.code(201).send(outcome);
    },
  );

  app.get<{ Querystring: PeriodQs }>('/api/queue', { schema: { querystring: PERIOD_QUERY } }, async (req) => {
    const q = req.query;
    const until = await clock(q.until);
    const range = periodRange(q.period, until);
    const [rows, count] = await Promise.all([
      queries.reviewQueue({ ...range, minSeverity: q.minSeverity, limit: q.limit, offset: q.offset }),
      queries.reviewQueueCount({ ...range, minSeverity: q.minSeverity }),
    ]);
    return { period: q.period, until, ...range, total: count, rows };
  });

  app.get<{ Querystring: PeriodQs }>('/api/offenders', { schema: { querystring: PERIOD_QUERY } }, async (req) => {
    const q = req.query;
    const until = await clock(q.until);
    const range = periodRange(q.period, until);
    const rows = await queries.topOffenders({ ...range, minSeverity: q.minSeverity, limit: q.limit, offset: q.offset });
    const traffic = new Map((await queries.numbersTraffic(rows.map((r) => r.number), range.fromMs, range.toMs)).map((t) => [t.number, t]));
    return { period: q.period, until, ...range, rows: rows.map((r) => ({ ...r, traffic: traffic.get(r.number) ?? null })) };
  });

  app.get<{ Querystring: Omit<PeriodQs, 'minSeverity'> }>('/api/providers', { schema: { querystring: PROVIDER_QUERY } }, async (req) => {
    const q = req.query;
    const until = await clock(q.until);
    const range = periodRange(q.period, until);
    return { period: q.period, until, ...range, rows: await queries.providerRanking({ ...range, limit: q.limit, offset: q.offset }) };
  });
}
