/**
 * The partition a key lands on with Kafka's default partitioner (Java
 * client and kafkajs' DefaultPartitioner alike): murmur2 of the key's UTF-8
 * bytes, made positive, modulo the partition count. The detector uses it to
 * find which partition's engine owns a number (calls are keyed by the
 * normalised caller), e.g. to pass contact knowledge across partitions.
 */

const M = 0x5bd1e995;
const SEED = 0x9747b28c;
const encoder = new TextEncoder();

/** Kafka's murmur2 (32-bit, seed 0x9747b28c) of `key`'s UTF-8 bytes. */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? asciiOrUtf8(key) : key;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of `key` among `partitions` partitions, as Kafka's default partitioner picks it. */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

const scratch = new Uint8Array(64);

/** Phone numbers are ASCII: copy them into a scratch buffer instead of allocating. */
function asciiOrUtf8(s: string): Uint8Array {
  if (s.length > scratch.length) return encoder.encode(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(s);
    scratch[i] = c;
  }
  return scratch.subarray(0, s.length);
}
