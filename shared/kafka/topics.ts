/** The contract topics, how the stack creates them, and an idempotent create step. */
import type { Admin, ITopicConfig } from 'kafkajs';
import { DEFAULT_TOPICS } from '../contracts/records.ts';

/** How one topic is created. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: Array<{ name: string; value: string }>;
}

/**
 * The contract topics as the local stack creates them. Calls and
 * complaints have the same partition count so that, keyed by the same
 * normalised number, a number's calls and complaints share a partition
 * index; consents are compacted (latest record per `caller|callee`).
 */
export function contractTopicSpecs(topics: Partial<Record<keyof typeof DEFAULT_TOPICS, string>> = {}): TopicSpec[] {
  const name = (k: keyof typeof DEFAULT_TOPICS) => topics[k] ?? DEFAULT_TOPICS[k];
  return [
    { topic: name('calls'), numPartitions: 4 },
    { topic: name('complaints'), numPartitions: 4 },
    { topic: name('consents'), numPartitions: 4, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    { topic: name('flags'), numPartitions: 4 },
    { topic: name('reviews'), numPartitions: 1 },
    { topic: name('dlq'), numPartitions: 1 },
  ];
}

/** The variable that renames each contract topic (`CALLGUARD_TOPIC_CALLS` …), as every service reads it. */
export const TOPIC_VARIABLES: Record<keyof typeof DEFAULT_TOPICS, string> = {
  calls: 'CALLGUARD_TOPIC_CALLS',
  complaints: 'CALLGUARD_TOPIC_COMPLAINTS',
  consents: 'CALLGUARD_TOPIC_CONSENTS',
  flags: 'CALLGUARD_TOPIC_FLAGS',
  reviews: 'CALLGUARD_TOPIC_REVIEWS',
  dlq: 'CALLGUARD_TOPIC_DLQ',
};

/** The contract topics renamed by the environment (a blank or unset variable keeps the contract name). */
export function topicNamesFromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof typeof DEFAULT_TOPICS, string>> {
  const names: Partial<Record<keyof typeof DEFAULT_TOPICS, string>> = {};
  for (const [role, variable] of Object.entries(TOPIC_VARIABLES) as Array<[keyof typeof DEFAULT_TOPICS, string]>) {
    const v = env[variable]?.trim();
    if (v) names[role] = v;
  }
  return names;
}

/**
 * Specs for exactly the topics named (by contract role), created as the
 * stack creates the contract topics but with calls and complaints on
 * `partitions` partitions: a run's own topics (the demo, a benchmark, the
 * simulator writing to given topics).
 */
export function topicSpecsFor(topics: Partial<Record<keyof typeof DEFAULT_TOPICS, string>>, partitions = 4): TopicSpec[] {
  const named = new Set(Object.values(topics));
  return contractTopicSpecs(topics)
    .filter((s) => named.has(s.topic))
    .map((s) => (s.topic === topics.calls || s.topic === topics.complaints ? { ...s, numPartitions: partitions } : s));
}

/** Creates the topics that do not exist yet (replication factor 1 unless given); returns the names created. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], replicationFactor = 1): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.topic))
    .map((s) => ({ topic: s.topic, numPartitions: s.numPartitions, replicationFactor, configEntries: s.configEntries }));
  if (missing.length === 0) return [];
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}
