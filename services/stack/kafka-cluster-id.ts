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
