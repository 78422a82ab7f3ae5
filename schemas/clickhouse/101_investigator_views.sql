-- Views for investigators' ad-hoc questions (docs/investigator.md has
-- example queries). They hold no data: each reads the contract tables
-- deduplicated (FINAL) and aggregated. They run on ClickHouse 18.16 and on
-- current releases. On 18.16 a WHERE on a view is applied after the view's
-- GROUP BY (no predicate push-down by default), so for one number over a
-- long history prefer the parameterised queries of
-- shared/clickhouse/queries/ (what the console runs), which filter first.
--
-- v_flags: every flag once, severity as a rank (1 WATCH, 2 LABEL,
-- 3 BLOCK_RECOMMENDED), reasons and evidence as parallel arrays.
CREATE VIEW IF NOT EXISTS ${database}.v_flags AS
SELECT
    flag_id,
    number,
    severity,
    CAST(severity AS UInt8) AS severity_rank,
    score,
    reasons.rule AS rules,
    reasons.window_name AS rule_windows,
    reasons.value AS rule_values,
    reasons.threshold AS rule_thresholds,
    window_start_ms,
    window_end_ms,
    detected_at_ms,
    emitted_at_ms,
    toDateTime(intDiv(detected_at_ms, 1000)) AS detected_at,
    toDateTime(intDiv(window_start_ms, 1000)) AS window_start,
    toDateTime(intDiv(window_end_ms, 1000)) AS window_end,
    number_class,
    access_provider,
    evidence.key AS evidence_keys,
    evidence.value AS evidence_values
FROM ${database}.flags FINAL;

-- v_number_hour: a number's activity per hour (event time, UTC).
-- distinct_callees_sum adds the per-minute distinct counts: an upper bound
-- of the hour's distinct callees (the flags' evidence has exact counts).
CREATE VIEW IF NOT EXISTS ${database}.v_number_hour AS
SELECT
    number,
    hour,
    c AS calls,
    a AS answered,
    r AS rejected,
    k AS complaints,
    d AS distinct_callees_sum,
    t AS talk_seconds,
    if(c = 0, 0, a / c) AS answer_rate
FROM
(
    SELECT number, toStartOfHour(minute) AS hour, sum(calls) AS c, sum(answered) AS a, sum(rejected) AS r,
           sum(complaints) AS k, sum(distinct_callees) AS d, sum(talk_seconds) AS t
    FROM ${database}.number_minute FINAL
    GROUP BY number, hour
);

-- v_offenders_day: per UTC day and number, its strongest flag of the day.
CREATE VIEW IF NOT EXISTS ${database}.v_offenders_day AS
SELECT
    toDate(toDateTime(intDiv(detected_at_ms, 1000))) AS day,
    number,
    max(CAST(severity AS UInt8)) AS max_severity_rank,
    max(score) AS max_score,
    count() AS flag_count,
    groupUniqArrayArray(reasons.rule) AS rules,
    anyLast(access_provider) AS access_provider,
    max(detected_at_ms) AS last_detected_at_ms
FROM ${database}.flags FINAL
GROUP BY day, number;

-- v_provider_day: per access provider and UTC day, the calls it carried and
-- those made by numbers flagged at LABEL or above (nuisance traffic).
CREATE VIEW IF NOT EXISTS ${database}.v_provider_day AS
SELECT
    access_provider,
    day,
    c AS calls,
    f AS flagged_calls,
    if(c = 0, 0, f / c) AS flagged_share,
    p AS peak_flagged_numbers_per_hour
FROM
(
    SELECT access_provider, toDate(hour) AS day, sum(calls) AS c, sum(flagged_calls) AS f, max(flagged_numbers) AS p
    FROM ${database}.provider_hour FINAL
    GROUP BY access_provider, day
);

-- v_review_latest: the decision in force per reviewed flag.
CREATE VIEW IF NOT EXISTS ${database}.v_review_latest AS
SELECT
    flag_id,
    any(number) AS number,
    argMax(decision, decided_at_ms) AS latest_decision,
    argMax(reviewer, decided_at_ms) AS latest_reviewer,
    argMax(note, decided_at_ms) AS latest_note,
    max(decided_at_ms) AS latest_decided_at_ms
FROM ${database}.reviews FINAL
GROUP BY flag_id;

-- v_waiting_flags: flags at LABEL or above still waiting for review (no
-- decision on them or on a later flag of the same number).
CREATE VIEW IF NOT EXISTS ${database}.v_waiting_flags AS
SELECT
    flag_id,
    number,
    severity_name AS severity,
    score,
    rules,
    detected_at_ms,
    window_start_ms,
    window_end_ms,
    access_provider
FROM
(
    SELECT flag_id, number, toString(severity) AS severity_name, score, reasons.rule AS rules,
           detected_at_ms, window_start_ms, window_end_ms, access_provider
    FROM ${database}.flags FINAL
    WHERE CAST(severity AS UInt8) >= 2
)
ANY LEFT JOIN
(
    SELECT number, max(flag_detected_at_ms) AS reviewed_until_ms
    FROM ${database}.reviews FINAL
    GROUP BY number
) USING number
WHERE detected_at_ms > reviewed_until_ms;
