/**
 * Whether topics exist, asked without creating them: the services never
 * create a topic (the local broker auto-creates one on a metadata request
 * that allows it, and kafkajs's consumers and producers allow it by
 * default). A misconfigured topic name would otherwise become an empty topic
 * with the broker's defaults, which a consumer waits on forever or a
 * producer publishes to for nobody. kafkajs's admin client never asks for
 * auto-creation, so its metadata requests are safe to make.
 */
import type { Admin } from 'kafkajs';

/** How many partitions `topic` has: 0 when it does not exist. */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.length ?? 0;
  } catch (err) {
    if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return 0; // the topic does not exist
    throw err;
  }
}

/** A topic a service needs, with what sets its name (e.g. `--flags-topic or CALLGUARD_TOPIC_FLAGS`), for the error. */
export interface RequiredTopic {
  topic: string;
  setBy?: string;
}

/**
 * What {@link requireTopics} asks: a kafkajs admin, or anything that counts a
 * topic's partitions without creating it (0: it does not exist), such as the
 * detector's group source, which its unit specs replace with a fake.
 */
export type TopicCounter = Admin | { partitionCount(topic: string): Promise<number> };

/**
 * Throws `topic <name> does not exist` (followed by what sets the name) for
 * the first of `required` the broker does not have; creates nothing.
 * Returns each topic's partition count, in the order given.
 */
export async function requireTopics(counter: TopicCounter, required: readonly RequiredTopic[]): Promise<number[]> {
  const count = 'partitionCount' in counter ? (t: string) => counter.partitionCount(t) : (t: string) => partitionCount(counter, t);
  const counts: number[] = [];
  for (const { topic, setBy } of required) {
    const n = await count(topic);
    if (n === 0) throw new Error(`topic ${topic} does not exist${setBy ? ` (set by ${setBy})` : ''}`);
    counts.push(n);
  }
  return counts;
}
