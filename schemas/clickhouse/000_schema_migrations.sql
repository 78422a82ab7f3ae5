-- Bookkeeping of applied migrations (written by shared/clickhouse/migrate.ts).
-- One row per applied file: version = file name, checksum = sha256 of the
-- file's text. Re-recording a file (two runners at once) is harmless: the
-- ReplacingMergeTree keeps one row per version. Always applied first.
CREATE TABLE IF NOT EXISTS ${database}.schema_migrations
(
    version    String,
    checksum   String,
    applied_at DateTime
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;
