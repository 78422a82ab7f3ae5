/**
 * Where a `callguard detect` child runs, as the environment
 * `loadDetectorConfig` reads: for the launchers that start one on their own
 * topics (the demo, the end-to-end benchmark, the soak, the integration
 * tests). Every other setting keeps its default unless the launcher adds it.
 */

/** The detector's five topics. */
export interface DetectorTopics {
  calls: string;
  complaints: string;
  consents: string;
  flags: string;
  dlq: string;
}

export interface DetectorPlacement {
  topics: DetectorTopics;
  group: string;
  redisPrefix: string;
  /** ClickHouse database; the default (`CALLGUARD_CLICKHOUSE_DATABASE` or the stack's) when absent. */
  database?: string;
  /** HTTP port for /metrics and health (0: any free port). */
  port: number;
}

/** A run's own topics, named `<id>.calls`, `<id>.complaints`, …. */
export function runTopics(id: string): DetectorTopics {
  return { calls: `${id}.calls`, complaints: `${id}.complaints`, consents: `${id}.consents`, flags: `${id}.flags`, dlq: `${id}.dlq` };
}

/** The environment variables that place a detector (add them to the launcher's own environment). */
export function detectorEnv(p: DetectorPlacement): Record<string, string> {
  return {
    CALLGUARD_TOPIC_CALLS: p.topics.calls,
    CALLGUARD_TOPIC_COMPLAINTS: p.topics.complaints,
    CALLGUARD_TOPIC_CONSENTS: p.topics.consents,
    CALLGUARD_TOPIC_FLAGS: p.topics.flags,
    CALLGUARD_TOPIC_DLQ: p.topics.dlq,
    CALLGUARD_DETECTOR_GROUP: p.group,
    CALLGUARD_REDIS_PREFIX: p.redisPrefix,
    ...(p.database === undefined ? {} : { CALLGUARD_CLICKHOUSE_DATABASE: p.database }),
    CALLGUARD_DETECTOR_PORT: String(p.port),
  };
}
