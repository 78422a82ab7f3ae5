-- provider_hour: per access provider per hour (event time, UTC): calls, and
-- calls made by numbers flagged at LABEL or above (which carriers let
-- nuisance traffic in).
--
-- Keying: ORDER BY (access_provider, hour, src) in a
-- ReplacingMergeTree(version), the same scheme as number_minute:
--   src     = the writer's dedup key, the source topic partition
--             ('callguard.calls.v1/3'); one writer per partition at a time.
--   values  = cumulative for (access_provider, hour, src), rewritten whole.
--   version = the highest source offset folded into the row, so a retry or
--             a replay replaces the row instead of adding to it.
-- Reading: FROM provider_hour FINAL, sum(...) GROUP BY access_provider, hour.
-- A null accessProvider is stored as ''.
CREATE TABLE IF NOT EXISTS ${database}.provider_hour
(
    access_provider   String,
    hour              DateTime,
    src               String,
    calls             UInt64,
    flagged_calls     UInt64,
    flagged_numbers   UInt32,
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (access_provider, hour, src);
