-- v_provider_day, again: its peak_flagged_numbers_per_hour was the largest
-- flagged_numbers of one provider_hour row, i.e. of one (hour, src): one
-- partition's flagged numbers, not the hour's. Each src holds the numbers of
-- its own partition (calls are keyed by caller), so the hour's count is the
-- sum over its srcs; the peak is now the largest of those sums. (101 is
-- applied already and is not edited: its checksum is recorded.)
DROP TABLE IF EXISTS ${database}.v_provider_day;

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
    SELECT access_provider, toDate(h) AS day, sum(hc) AS c, sum(hf) AS f, max(hn) AS p
    FROM
    (
        SELECT access_provider, hour AS h, sum(calls) AS hc, sum(flagged_calls) AS hf, sum(flagged_numbers) AS hn
        FROM ${database}.provider_hour FINAL
        GROUP BY access_provider, hour
    )
    GROUP BY access_provider, day
);
