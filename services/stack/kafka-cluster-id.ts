import { randomBytes } from 'node:crypto';

/**
 * A new Kafka cluster id in Kafka's Uuid text form: 16 random bytes,
 * base64url without padding. Like Kafka's own `Uuid.randomUuid()`, an id
 * whose text starts with '-' is drawn again: `kafka-storage format -t -x…`
 * would read it as an option and fail ("argument --cluster-id/-t: expected
 * one argument"), which happened to one draw in 64.
 */
export function newKafkaClusterId(draw: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = draw().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** True when `id` is a cluster id `kafka-storage format -t <id>` accepts: 22 base64url characters, not starting with '-'. */
export function isUsableKafkaClusterId(id: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id) && Buffer.from(id, 'base64url').length === 16;
}

/**
 * The cluster id to format a new Kafka data folder with: the one kept from an
 * earlier `stack up` when it is usable, else a new one. An id kept by a
 * version before the '-' fix (or a truncated file) would otherwise make every
 * later `stack up` of that checkout fail the same way.
 */
export function kafkaClusterIdToUse(kept: string | undefined, draw?: () => Buffer): { id: string; fresh: boolean } {
  const k = kept?.trim();
  if (k && isUsableKafkaClusterId(k)) return { id: k, fresh: false };
  return { id: newKafkaClusterId(draw), fresh: true };
}
