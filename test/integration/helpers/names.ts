/** Random names so that every test uses its own topics, groups and databases. */
import { randomBytes } from 'node:crypto';

/** `<prefix>-<12 hex chars>`: a fresh Kafka topic or consumer group name. */
export function randomTopic(prefix = 'test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** `<prefix>_<12 hex chars>`: a fresh ClickHouse database name (identifier-safe). */
export function randomDatabase(prefix = 'cg_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A fresh Redis key under `callguard:test:`. */
export function randomKey(prefix = 'callguard:test'): string {
  return `${prefix}:${randomBytes(6).toString('hex')}`;
}
