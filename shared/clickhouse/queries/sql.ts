/**
 * Every investigator query, in one place, parameterised with `{name:Type}`
 * placeholders (bound by the server, or rendered as escaped literals on
 * ClickHouse 18.16 by ../params.ts). Nothing here is ever concatenated from
 * input: even the database name is an `{db:Identifier}` parameter.
 *
 * Written for ClickHouse 18.16 and current releases alike, which means:
 * contract tables deduplicated (FINAL, or argMax per key for the large
 * number_minute); aliases never reuse a column name that
 * another expression aggregates (18.16 resolves the alias first);
 * `ANY LEFT JOIN … USING` (explicit strictness); `IN (subquery)` rather
 * than `IN [array]`; enums turned to strings before argMax (18.16 fails on
 * an empty enum aggregate); no window functions, no WITH subqueries.
 * Times: `*_ms` columns are UInt64 ms, compared with UInt64 parameters;
 * `minute`/`hour` are DateTime, compared with DateTime (epoch seconds).
 *
 * Row limits are the constant `LIMIT 1000` ({@link MAX_ROWS}): 18.16 takes
 * only a literal after LIMIT, and a client-side bound parameter renders as
 * `toUInt32(n)`. The caller slices the page it wants (./investigator.ts).
 */

/** The most rows any list query returns. */
export const MAX_ROWS = 1000;

/**
 * `number_minute` rows matching `where`, deduplicated the way its DDL says:
 * per (number, minute, src) the row with the highest version (argMax), as
 * n, m, src, c(alls), a(nswered), r(ejected), d(istinct callees), t_s (talk
 * seconds), k (complaints). Several times faster than FINAL on 18.16 (which
 * merges on one thread), the same result. `where` is fixed text from this
 * file with placeholders, never input.
 */
function numberMinutes(where: string): string {
  return `
    SELECT number AS n, minute AS m, src,
           argMax(calls, version) AS c, argMax(answered, version) AS a, argMax(rejected, version) AS r,
           argMax(distinct_callees, version) AS d, argMax(talk_seconds, version) AS t_s, argMax(complaints, version) AS k
    FROM {db:Identifier}.number_minute
    WHERE ${where}
    GROUP BY number, minute, src`;
}

/**
 * A number's totals over [from, to): calls, answered, rejected, complaints,
 * talk time, active minutes, first and last activity (epoch s; 0 when none).
 * `callee_minutes` adds per-minute distinct callees (an upper bound of the
 * distinct callees: exact counts are in the flags' evidence).
 */
export const NUMBER_SUMMARY = `
SELECT
    sum(c) AS total_calls,
    sum(a) AS total_answered,
    sum(r) AS total_rejected,
    sum(k) AS total_complaints,
    sum(d) AS callee_minutes,
    sum(t_s) AS total_talk_seconds,
    uniqExact(m) AS active_minutes,
    toUInt32(min(m)) AS first_seen,
    toUInt32(max(m)) AS last_seen
FROM
(${numberMinutes('number = {number:String} AND minute >= {from:DateTime} AND minute < {to:DateTime}')}
)`;

/** A number's first and last minute of activity ever (epoch s; 0 when none): the default span of its chart. */
export const NUMBER_ACTIVITY_SPAN = `
SELECT toUInt32(min(minute)) AS first_seen, toUInt32(max(minute)) AS last_seen
FROM {db:Identifier}.number_minute
WHERE number = {number:String}`;

/**
 * A number's activity in buckets of `bucket` seconds (60 = per minute,
 * 3600 = per hour) over [from, to): the console's chart and a flag's
 * evidence window. Only buckets with activity are returned.
 */
export const NUMBER_SERIES = `
SELECT
    intDiv(toUInt32(m), {bucket:UInt32}) * {bucket:UInt32} AS t,
    sum(c) AS n_calls,
    sum(a) AS n_answered,
    sum(r) AS n_rejected,
    sum(k) AS n_complaints,
    sum(d) AS n_callee_minutes,
    sum(t_s) AS n_talk_seconds
FROM
(${numberMinutes('number = {number:String} AND minute >= {from:DateTime} AND minute < {to:DateTime}')}
)
GROUP BY t
ORDER BY t`;

/** The columns of a flag as the console shows it (used inside FROM subqueries). */
const FLAG_COLUMNS = `
        flag_id, number, toString(severity) AS severity_name, CAST(severity AS UInt8) AS severity_rank, score,
        reasons.rule AS rules, reasons.window_name AS rule_windows, reasons.value AS rule_values, reasons.threshold AS rule_thresholds,
        window_start_ms, window_end_ms, detected_at_ms, emitted_at_ms, number_class, access_provider,
        evidence.key AS evidence_keys, evidence.value AS evidence_values`;

/** The decision in force per flag of one number (joined onto its flags). */
const REVIEWS_BY_FLAG = `
    SELECT
        flag_id,
        argMax(toString(decision), decided_at_ms) AS review_decision,
        argMax(reviewer, decided_at_ms) AS review_reviewer,
        argMax(note, decided_at_ms) AS review_note,
        max(decided_at_ms) AS review_decided_at_ms
    FROM {db:Identifier}.reviews FINAL
    WHERE number = {number:String}
    GROUP BY flag_id`;

/** A number's flags, newest first, with reasons, evidence and the review in force ('' when none). */
export const NUMBER_FLAGS = `
SELECT *
FROM
(
    SELECT ${FLAG_COLUMNS}
    FROM {db:Identifier}.flags FINAL
    WHERE number = {number:String}
)
ANY LEFT JOIN
(${REVIEWS_BY_FLAG}
) USING flag_id
ORDER BY detected_at_ms DESC
LIMIT 1000`;

/** One flag by id (with its number's review in force for it). */
export const FLAG_BY_ID = `
SELECT *
FROM
(
    SELECT ${FLAG_COLUMNS}
    FROM {db:Identifier}.flags FINAL
    WHERE flag_id = {flagId:String}
    LIMIT 1
)
ANY LEFT JOIN
(${REVIEWS_BY_FLAG.replace('WHERE number = {number:String}', 'WHERE flag_id = {flagId:String}')}
) USING flag_id`;

/** Every decision taken on a number, newest first. */
export const NUMBER_REVIEWS = `
SELECT number, flag_id, toString(decision) AS decision_name, reviewer, note, decided_at_ms, flag_severity, flag_detected_at_ms, flag_window_start_ms, flag_window_end_ms
FROM {db:Identifier}.reviews FINAL
WHERE number = {number:String}
ORDER BY decided_at_ms DESC
LIMIT 1000`;

/**
 * The newest event time in the database (ms): the end of the default
 * period of the queues ("the last 24 h" of the data, which is now on a live
 * system and the end of the simulation on a seeded one).
 */
export const DATA_CLOCK = `
SELECT
    (SELECT max(detected_at_ms) FROM {db:Identifier}.flags) AS last_flag_ms,
    (SELECT toUInt32(max(hour)) FROM {db:Identifier}.provider_hour) AS last_hour_s`;

/** Numbers with unreviewed flags: the flags detected after the number's last reviewed flag, in the period. */
const WAITING = `
    SELECT ${FLAG_COLUMNS}, (severity_rank, detected_at_ms) AS rank
    FROM {db:Identifier}.flags FINAL
    WHERE detected_at_ms >= {from:UInt64} AND detected_at_ms < {to:UInt64} AND CAST(severity AS UInt8) >= {minSeverity:UInt8}`;

const REVIEWED_UNTIL = `
    SELECT number, max(flag_detected_at_ms) AS reviewed_until_ms
    FROM {db:Identifier}.reviews FINAL
    GROUP BY number`;

/**
 * The review queue: one row per number with flags waiting for review (no
 * decision on that flag or a later one of the number), its strongest
 * newest waiting flag, most severe first, then newest first, then by
 * number (so that pages of the queue do not overlap).
 */
export const REVIEW_QUEUE = `
SELECT
    number,
    argMax(flag_id, rank) AS top_flag_id,
    argMax(severity_name, rank) AS top_severity,
    max(severity_rank) AS top_rank,
    argMax(score, rank) AS flag_score,
    argMax(rules, rank) AS flag_rules,
    argMax(window_start_ms, rank) AS flag_window_start_ms,
    argMax(window_end_ms, rank) AS flag_window_end_ms,
    max(detected_at_ms) AS last_detected_at_ms,
    count() AS waiting_flags,
    argMax(access_provider, rank) AS provider,
    argMax(number_class, rank) AS class_name
FROM
(${WAITING}
)
ANY LEFT JOIN
(${REVIEWED_UNTIL}
) USING number
WHERE detected_at_ms > reviewed_until_ms
GROUP BY number
ORDER BY top_rank DESC, last_detected_at_ms DESC, number ASC
LIMIT 1000`;

/** How many numbers wait in {@link REVIEW_QUEUE}. */
export const REVIEW_QUEUE_COUNT = `
SELECT uniqExact(number) AS waiting_numbers, count() AS waiting_flags
FROM
(${WAITING}
)
ANY LEFT JOIN
(${REVIEWED_UNTIL}
) USING number
WHERE detected_at_ms > reviewed_until_ms`;

/**
 * Top offenders of a period: per number the flag shown — its strongest: the
 * highest severity, then the highest score, then the newest, then the
 * greatest flag id (a total order, so the choice is deterministic) — with
 * that flag's severity, score, id and evidence calls, how many flags, every
 * rule that fired, and the review decision in force on that flag ('' when it
 * has none; a decision on another flag of the number does not count). Most
 * severe, highest score (of the flag shown), newest first, then by number
 * (so that pages of the list do not overlap).
 */
export const TOP_OFFENDERS = `
SELECT *
FROM
(
    SELECT
        number,
        max(severity_rank) AS top_rank,
        argMax(severity_name, rank) AS top_severity,
        argMax(score, rank) AS top_score,
        count() AS flag_count,
        groupUniqArrayArray(rules) AS all_rules,
        argMax(evidence_calls, rank) AS flag_calls,
        argMax(access_provider, rank) AS provider,
        argMax(number_class, rank) AS class_name,
        argMax(flag_id, rank) AS top_flag_id,
        max(detected_at_ms) AS last_detected_at_ms
    FROM
    (
        SELECT ${FLAG_COLUMNS}, (severity_rank, score, detected_at_ms, flag_id) AS rank,
               evidence.value[indexOf(evidence.key, 'calls')] AS evidence_calls
        FROM {db:Identifier}.flags FINAL
        WHERE detected_at_ms >= {from:UInt64} AND detected_at_ms < {to:UInt64} AND CAST(severity AS UInt8) >= {minSeverity:UInt8}
    )
    GROUP BY number
)
ANY LEFT JOIN
(
    SELECT flag_id AS top_flag_id, argMax(toString(decision), decided_at_ms) AS review_decision
    FROM {db:Identifier}.reviews FINAL
    WHERE flag_id != ''
    GROUP BY flag_id
) USING top_flag_id
ORDER BY top_rank DESC, top_score DESC, last_detected_at_ms DESC, number ASC
LIMIT 1000`;

/**
 * Access providers ranked by the nuisance traffic they let in over [from,
 * to): calls carried, calls by numbers flagged at LABEL or above and their
 * share (from provider_hour), and the distinct numbers flagged through them
 * (from flags, exact). Most flagged calls first.
 */
export const PROVIDER_RANKING = `
SELECT
    access_provider,
    c AS provider_calls,
    fc AS provider_flagged_calls,
    if(c = 0, 0, fc / c) AS flagged_share,
    flagged_numbers,
    blocked_numbers
FROM
(
    SELECT access_provider, sum(calls) AS c, sum(flagged_calls) AS fc
    FROM {db:Identifier}.provider_hour FINAL
    WHERE hour >= {fromHour:DateTime} AND hour < {toHour:DateTime}
    GROUP BY access_provider
)
ANY LEFT JOIN
(
    SELECT access_provider, uniqExact(number) AS flagged_numbers, uniqExactIf(number, severity = 'BLOCK_RECOMMENDED') AS blocked_numbers
    FROM {db:Identifier}.flags FINAL
    WHERE detected_at_ms >= {from:UInt64} AND detected_at_ms < {to:UInt64} AND severity != 'WATCH'
    GROUP BY access_provider
) USING access_provider
ORDER BY provider_flagged_calls DESC, flagged_share DESC
LIMIT 1000`;

/** Calls of some numbers over [from, to) (uses the primary key: IN a subquery, not has()). */
export const NUMBERS_TRAFFIC = `
SELECT n AS number, sum(c) AS n_calls, sum(a) AS n_answered, sum(r) AS n_rejected, sum(k) AS n_complaints
FROM
(${numberMinutes('number IN (SELECT arrayJoin({numbers:Array(String)})) AND minute >= {fromMinute:DateTime} AND minute < {toMinute:DateTime}')}
)
GROUP BY n`;
