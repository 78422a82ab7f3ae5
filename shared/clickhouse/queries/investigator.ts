/**
 * Typed access to the investigator queries of ./sql.ts: each method binds
 * its parameters (never concatenates), runs one query and maps the rows
 * (64-bit integers arrive as strings) to plain objects with ms timestamps.
 */
import type { ClickHouse } from '../client.ts';
import { quoteIdentifier } from '../params.ts';
import { SEVERITY_RANK, type FlagEvent, type ReviewDecision, type RuleName, type Severity } from '../../contracts/records.ts';
import * as Q from './sql.ts';

/** A number's totals over a period. */
export interface NumberSummary {
  calls: number;
  answered: number;
  rejected: number;
  complaints: number;
  /** Sum of per-minute distinct callees (upper bound of distinct callees). */
  calleeMinutes: number;
  talkSeconds: number;
  activeMinutes: number;
  /** ms, null when the number has no activity in the period. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** answered / calls (0 when no calls). */
  answerRate: number;
}

/** One bucket of a number's activity. */
export interface SeriesPoint {
  /** Bucket start, ms. */
  t: number;
  calls: number;
  answered: number;
  rejected: number;
  complaints: number;
  calleeMinutes: number;
  talkSeconds: number;
}

/** The review decision in force on a flag. */
export interface ReviewInForce {
  decision: ReviewDecision['decision'];
  reviewer: string;
  note: string;
  decidedAt: number;
}

/** A flag as the console shows it: the FlagEvent (its number class as stored) and the review in force. */
export interface FlagView extends Omit<FlagEvent, 'numberClass'> {
  numberClass: string;
  review: ReviewInForce | null;
}

/** A decision as stored in `reviews`. */
export interface ReviewRecord {
  number: string;
  flagId: string | null;
  decision: ReviewDecision['decision'];
  reviewer: string;
  note: string | null;
  decidedAt: number;
  flagSeverity: string;
  flagDetectedAt: number;
  flagWindowStart: number;
  flagWindowEnd: number;
}

/** One row of the review queue. */
export interface QueueRow {
  number: string;
  flagId: string;
  severity: Severity;
  score: number;
  rules: string[];
  windowStart: number;
  windowEnd: number;
  lastDetectedAt: number;
  waitingFlags: number;
  accessProvider: string | null;
  numberClass: string;
}

/** One row of the top offenders. */
export interface OffenderRow {
  number: string;
  severity: Severity;
  score: number;
  flagCount: number;
  rules: string[];
  /** `calls` of the shown (strongest) flag's evidence; `score` is that flag's. */
  evidenceCalls: number;
  accessProvider: string | null;
  numberClass: string;
  flagId: string;
  lastDetectedAt: number;
  /** The decision in force on the shown flag (`flagId`), null when that flag was never reviewed. */
  review: ReviewDecision['decision'] | null;
}

/** One row of the access-provider ranking. */
export interface ProviderRow {
  accessProvider: string | null;
  calls: number;
  flaggedCalls: number;
  flaggedShare: number;
  flaggedNumbers: number;
  blockRecommendedNumbers: number;
}

/** Calls of one number in a period. */
export interface NumberTraffic {
  number: string;
  calls: number;
  answered: number;
  rejected: number;
  complaints: number;
}

/** A period [fromMs, toMs) and filters of the queue-like queries; limit + offset ≤ MAX_ROWS (1000). */
export interface PeriodQuery {
  fromMs: number;
  toMs: number;
  /** Lowest severity included (default LABEL). */
  minSeverity?: Severity;
  limit: number;
  offset?: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
/** A String column's value (JSONEachRow gives strings; anything else is rendered as JSON, never as "[object Object]"). */
const text = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const provider = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const secs = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

function flagView(r: Row): FlagView {
  const rules = arr<string>(r.rules);
  const windows = arr<string>(r.rule_windows);
  const values = arr<number>(r.rule_values);
  const thresholds = arr<number>(r.rule_thresholds);
  const keys = arr<string>(r.evidence_keys);
  const evValues = arr<number>(r.evidence_values);
  const decision = r.review_decision;
  return {
    flagId: String(r.flag_id),
    number: String(r.number),
    severity: String(r.severity_name) as Severity,
    score: num(r.score),
    reasons: rules.map((rule, i) => ({ rule: rule as RuleName, window: windows[i] ?? '', value: num(values[i]), threshold: num(thresholds[i]) })),
    windowStart: num(r.window_start_ms),
    windowEnd: num(r.window_end_ms),
    detectedAt: num(r.detected_at_ms),
    emittedAt: num(r.emitted_at_ms),
    numberClass: String(r.number_class),
    accessProvider: provider(r.access_provider),
    evidence: Object.fromEntries(keys.map((k, i) => [k, num(evValues[i])])),
    review:
      decision === 'CONFIRMED' || decision === 'DISMISSED'
        ? { decision, reviewer: String(r.review_reviewer), note: text(r.review_note), decidedAt: num(r.review_decided_at_ms) }
        : null,
  };
}

/** The investigator queries over one database. */
export interface InvestigatorQueries {
  /**
   * The data clock, ms (0 when empty): the newest flag's time or the end of the newest traffic hour, whichever is
   * later; the traffic hour's end no later than `now` (default: the wall clock).
   */
  dataClock(now?: number): Promise<number>;
  numberSummary(number: string, fromMs: number, toMs: number): Promise<NumberSummary>;
  /** The number's first and last active minute, ms, or null when it has none. */
  numberActivitySpan(number: string): Promise<{ firstSeen: number; lastSeen: number } | null>;
  numberSeries(number: string, fromMs: number, toMs: number, bucketSeconds: number): Promise<SeriesPoint[]>;
  numberFlags(number: string, limit: number): Promise<FlagView[]>;
  flagById(flagId: string): Promise<FlagView | null>;
  numberReviews(number: string, limit: number): Promise<ReviewRecord[]>;
  reviewQueue(q: PeriodQuery): Promise<QueueRow[]>;
  reviewQueueCount(q: Omit<PeriodQuery, 'limit' | 'offset'>): Promise<{ numbers: number; flags: number }>;
  topOffenders(q: PeriodQuery): Promise<OffenderRow[]>;
  /** Flagged calls are those of numbers flagged at LABEL or above (fixed when provider_hour is written): no severity filter. */
  providerRanking(q: Omit<PeriodQuery, 'minSeverity'>): Promise<ProviderRow[]>;
  numbersTraffic(numbers: string[], fromMs: number, toMs: number): Promise<NumberTraffic[]>;
  /** Stores a decision taken in the console (idempotent on retry). */
  insertReview(r: ReviewRecord): Promise<void>;
}

/** Binds the queries to a client and database (the name is checked as an identifier). */
export function investigatorQueries(ch: ClickHouse, database: string): InvestigatorQueries {
  const db = database;
  const table = `${quoteIdentifier(database)}.reviews`;
  const minRank = (s: Severity | undefined) => SEVERITY_RANK[s ?? 'LABEL'];
  return {
    async dataClock(now = Date.now()) {
      const [r] = await ch.query<Row>(Q.DATA_CLOCK, { db });
      // The newest traffic hour ends an hour after it starts, unless that is still to come (a live system: now).
      return Math.max(num(r?.last_flag_ms), Math.min(num(r?.last_hour_s) * 1000 + 3_600_000, now));
    },
    async numberSummary(number, fromMs, toMs) {
      const [r] = await ch.query<Row>(Q.NUMBER_SUMMARY, { db, number, from: secs(fromMs), to: secs(toMs) });
      const calls = num(r?.total_calls);
      const answered = num(r?.total_answered);
      const active = num(r?.active_minutes);
      return {
        calls,
        answered,
        rejected: num(r?.total_rejected),
        complaints: num(r?.total_complaints),
        calleeMinutes: num(r?.callee_minutes),
        talkSeconds: num(r?.total_talk_seconds),
        activeMinutes: active,
        firstSeen: active > 0 ? num(r?.first_seen) * 1000 : null,
        lastSeen: active > 0 ? num(r?.last_seen) * 1000 : null,
        answerRate: calls === 0 ? 0 : answered / calls,
      };
    },
    async numberActivitySpan(number) {
      const [r] = await ch.query<Row>(Q.NUMBER_ACTIVITY_SPAN, { db, number });
      const last = num(r?.last_seen);
      return last > 0 ? { firstSeen: num(r?.first_seen) * 1000, lastSeen: last * 1000 } : null;
    },
    async numberSeries(number, fromMs, toMs, bucketSeconds) {
      const rows = await ch.query<Row>(Q.NUMBER_SERIES, { db, number, from: secs(fromMs), to: secs(toMs), bucket: bucketSeconds });
      return rows.map((r) => ({
        t: num(r.t) * 1000,
        calls: num(r.n_calls),
        answered: num(r.n_answered),
        rejected: num(r.n_rejected),
        complaints: num(r.n_complaints),
        calleeMinutes: num(r.n_callee_minutes),
        talkSeconds: num(r.n_talk_seconds),
      }));
    },
    async numberFlags(number, limit) {
      return (await ch.query<Row>(Q.NUMBER_FLAGS, { db, number })).slice(0, limit).map(flagView);
    },
    async flagById(flagId) {
      const [r] = await ch.query<Row>(Q.FLAG_BY_ID, { db, flagId });
      return r ? flagView(r) : null;
    },
    async numberReviews(number, limit) {
      const rows = (await ch.query<Row>(Q.NUMBER_REVIEWS, { db, number })).slice(0, limit);
      return rows.map((r) => ({
        number: String(r.number),
        flagId: r.flag_id ? text(r.flag_id) : null,
        decision: String(r.decision_name) as ReviewDecision['decision'],
        reviewer: String(r.reviewer),
        note: r.note ? text(r.note) : null,
        decidedAt: num(r.decided_at_ms),
        flagSeverity: String(r.flag_severity),
        flagDetectedAt: num(r.flag_detected_at_ms),
        flagWindowStart: num(r.flag_window_start_ms),
        flagWindowEnd: num(r.flag_window_end_ms),
      }));
    },
    async reviewQueue(q) {
      const offset = q.offset ?? 0;
      const all = await ch.query<Row>(Q.REVIEW_QUEUE, { db, from: q.fromMs, to: q.toMs, minSeverity: minRank(q.minSeverity) });
      const rows = all.slice(offset, offset + q.limit);
      return rows.map((r) => ({
        number: String(r.number),
        flagId: String(r.top_flag_id),
        severity: String(r.top_severity) as Severity,
        score: num(r.flag_score),
        rules: arr<string>(r.flag_rules),
        windowStart: num(r.flag_window_start_ms),
        windowEnd: num(r.flag_window_end_ms),
        lastDetectedAt: num(r.last_detected_at_ms),
        waitingFlags: num(r.waiting_flags),
        accessProvider: provider(r.provider),
        numberClass: String(r.class_name),
      }));
    },
    async reviewQueueCount(q) {
      const [r] = await ch.query<Row>(Q.REVIEW_QUEUE_COUNT, { db, from: q.fromMs, to: q.toMs, minSeverity: minRank(q.minSeverity) });
      return { numbers: num(r?.waiting_numbers), flags: num(r?.waiting_flags) };
    },
    async topOffenders(q) {
      const offset = q.offset ?? 0;
      const all = await ch.query<Row>(Q.TOP_OFFENDERS, { db, from: q.fromMs, to: q.toMs, minSeverity: minRank(q.minSeverity) });
      const rows = all.slice(offset, offset + q.limit);
      return rows.map((r) => ({
        number: String(r.number),
        severity: String(r.top_severity) as Severity,
        score: num(r.top_score),
        flagCount: num(r.flag_count),
        rules: arr<string>(r.all_rules).sort(),
        evidenceCalls: num(r.flag_calls),
        accessProvider: provider(r.provider),
        numberClass: String(r.class_name),
        flagId: String(r.top_flag_id),
        lastDetectedAt: num(r.last_detected_at_ms),
        review: r.review_decision === 'CONFIRMED' || r.review_decision === 'DISMISSED' ? r.review_decision : null,
      }));
    },
    async providerRanking(q) {
      const rows = await ch.query<Row>(Q.PROVIDER_RANKING, {
        db,
        from: q.fromMs,
        to: q.toMs,
        fromHour: Math.floor(secs(q.fromMs) / 3600) * 3600,
        toHour: secs(q.toMs),
      });
      const offset = q.offset ?? 0;
      return rows.slice(offset, offset + q.limit).map((r) => ({
        accessProvider: provider(r.access_provider),
        calls: num(r.provider_calls),
        flaggedCalls: num(r.provider_flagged_calls),
        flaggedShare: num(r.flagged_share),
        flaggedNumbers: num(r.flagged_numbers),
        blockRecommendedNumbers: num(r.blocked_numbers),
      }));
    },
    async numbersTraffic(numbers, fromMs, toMs) {
      if (numbers.length === 0) return [];
      const rows = await ch.query<Row>(Q.NUMBERS_TRAFFIC, { db, numbers, fromMinute: secs(fromMs), toMinute: secs(toMs) });
      return rows.map((r) => ({ number: String(r.number), calls: num(r.n_calls), answered: num(r.n_answered), rejected: num(r.n_rejected), complaints: num(r.n_complaints) }));
    },
    async insertReview(r) {
      await ch.insert(table, [
        {
          number: r.number,
          flag_id: r.flagId ?? '',
          decision: r.decision,
          reviewer: r.reviewer,
          note: r.note ?? '',
          decided_at_ms: r.decidedAt,
          flag_severity: r.flagSeverity,
          flag_detected_at_ms: r.flagDetectedAt,
          flag_window_start_ms: r.flagWindowStart,
          flag_window_end_ms: r.flagWindowEnd,
          version: r.decidedAt,
        },
      ]);
    },
  };
}
