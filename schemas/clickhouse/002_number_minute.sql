-- number_minute: per calling number per minute (event time, UTC): calls,
-- answered, rejected, distinct callees, talk seconds, complaints.
--
-- Keying: ORDER BY (number, minute, src) in a ReplacingMergeTree(version).
--   src     = the writer's dedup key: the source topic partition whose
--             events built the row, e.g. 'callguard.calls.v1/3'. Exactly one
--             consumer owns a partition at a time, and a number's calls all
--             live in one partition (key = caller), so per (number, minute)
--             there is one writer per src.
--   values  = CUMULATIVE for (number, minute, src), never a per-batch delta:
--             the writer rewrites the whole row each time it adds to it.
--   version = the highest source offset folded into the row. A retry, or a
--             replay after a crash, recomputes the same values from the
--             same offsets and so writes the same row with the same or a
--             higher version: it replaces, never adds. (Distinct callees
--             could not be summed from deltas anyway.)
-- Reading: SELECT ... FROM number_minute FINAL, then sum(...) GROUP BY
-- number, minute to add up the srcs (complaints may come from the
-- complaints topic's partition, e.g. src 'callguard.complaints.v1/3').
-- This DDL runs on ClickHouse 18.16 (no TTL: drop old monthly partitions
-- with ALTER TABLE ... DROP PARTITION).
CREATE TABLE IF NOT EXISTS ${database}.number_minute
(
    number            String,
    minute            DateTime,
    src               String,
    calls             UInt32,
    answered          UInt32,
    rejected          UInt32,
    distinct_callees  UInt32,
    talk_seconds      Float64,
    complaints        UInt32,
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(minute)
ORDER BY (number, minute, src);
