-- reviews: one row per ReviewDecision taken in the investigators' console
-- (callguard investigate), written when the decision is published to
-- callguard.reviews.v1. It tells the review queue which flags are settled.
--
-- Keying: ORDER BY (number, flag_id, decided_at_ms) in a
-- ReplacingMergeTree(version) with version = decided_at_ms: a retried write
-- of the same decision collapses into one row; a later decision on the same
-- flag is a new row (the newest decided_at_ms is the one in force: read with
-- FINAL and argMax(decision, decided_at_ms) GROUP BY flag_id).
-- flag_id is '' for a decision on a number without a flag. The flag_*
-- columns copy what the reviewer saw (severity, detection time, evidence
-- window), so "reviewed up to" needs no join with flags.
CREATE TABLE IF NOT EXISTS ${database}.reviews
(
    number               String,
    flag_id              String,
    decision             Enum8('CONFIRMED' = 1, 'DISMISSED' = 2),
    reviewer             String,
    note                 String,
    decided_at_ms        UInt64,
    flag_severity        String,
    flag_detected_at_ms  UInt64,
    flag_window_start_ms UInt64,
    flag_window_end_ms   UInt64,
    version              UInt64,
    decided_at           DateTime MATERIALIZED toDateTime(intDiv(decided_at_ms, 1000))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(toDateTime(intDiv(decided_at_ms, 1000)))
ORDER BY (number, flag_id, decided_at_ms);
