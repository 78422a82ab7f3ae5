-- flags: one row per emitted FlagEvent (topic callguard.flags.v1).
--
-- Keying: ORDER BY (number, flag_id) in a ReplacingMergeTree(version).
-- flagId is deterministic (same number, severity and evidence window give
-- the same id), so a redelivered or replayed flag lands on the same key and
-- collapses into one row at merge time. Write version = emitted_at_ms (or
-- any non-decreasing number); the highest version wins. Read with FINAL (or
-- GROUP BY flag_id with argMax) for exact counts before merges happen.
-- The partition is taken from detected_at_ms, which is part of the flag's
-- identity, so duplicates always meet in the same partition.
--
-- Timestamps are kept exact as ms since the epoch (UInt64, as in the
-- contract) with DateTime companions MATERIALIZED for querying (server
-- timezone UTC). FlagEvent.reasons and .evidence are Nested columns:
-- insert them as parallel arrays `reasons.rule`, `reasons.window_name`,
-- `reasons.value`, `reasons.threshold` and `evidence.key`, `evidence.value`.
-- A null accessProvider is stored as ''.
CREATE TABLE IF NOT EXISTS ${database}.flags
(
    flag_id          String,
    number           String,
    severity         Enum8('WATCH' = 1, 'LABEL' = 2, 'BLOCK_RECOMMENDED' = 3),
    score            UInt8,
    reasons          Nested(rule String, window_name String, value Float64, threshold Float64),
    window_start_ms  UInt64,
    window_end_ms    UInt64,
    detected_at_ms   UInt64,
    emitted_at_ms    UInt64,
    number_class     String,
    access_provider  String,
    evidence         Nested(key String, value Float64),
    version          UInt64,
    detected_at      DateTime MATERIALIZED toDateTime(intDiv(detected_at_ms, 1000)),
    window_start     DateTime MATERIALIZED toDateTime(intDiv(window_start_ms, 1000)),
    window_end       DateTime MATERIALIZED toDateTime(intDiv(window_end_ms, 1000))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(toDateTime(intDiv(detected_at_ms, 1000)))
ORDER BY (number, flag_id);
