/**
 * A DLQ record for one unusable input record: the original key and bytes
 * with the contract's four headers (`x-error`, `x-source-topic`,
 * `x-source-partition`, `x-source-offset`).
 *
 * The DLQ is produced with gzip (main.ts), so a value a client wrote
 * compressed, larger than a Kafka message once uncompressed, still fits.
 * One that does not fit even compressed would be refused by the broker at
 * every retry, and the checkpoint, which waits for its DLQ records before
 * anything is committed, would never end: such a value is cut to its first
 * {@link DLQ_VALUE_MAX_BYTES} bytes and the record says so in
 * `x-value-truncated` (the original length); the original stays at its
 * source coordinates for as long as that topic keeps it.
 */
import { gzipSync } from 'node:zlib';
import type { OutMessage } from '../kafka/source.ts';

/** Largest value sent (compressed) to the DLQ: under Kafka's default 1 MiB message limit, with room for key and headers. */
export const DLQ_VALUE_MAX_BYTES = 900 * 1024;

/** Where an unusable record came from and why it is unusable. */
export interface DlqSource {
  topic: string;
  partition: number;
  offset: string | number;
  error: string;
}

/** The DLQ message for `message` (its key and value as read). */
export function dlqRecord(dlqTopic: string, message: { key: Buffer | string | null; value: Buffer | null }, src: DlqSource): OutMessage {
  const headers: Record<string, string> = {
    'x-error': src.error,
    'x-source-topic': src.topic,
    'x-source-partition': String(src.partition),
    'x-source-offset': String(src.offset),
  };
  const value = message.value;
  if (value !== null && value.length > DLQ_VALUE_MAX_BYTES && gzipSync(value, { level: 1 }).length > DLQ_VALUE_MAX_BYTES) {
    headers['x-value-truncated'] = String(value.length);
    return { topic: dlqTopic, key: message.key, value: value.subarray(0, DLQ_VALUE_MAX_BYTES), headers };
  }
  return { topic: dlqTopic, key: message.key, value, headers };
}
