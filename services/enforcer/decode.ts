/**
 * Decoding of Confluent-framed Avro values with a split that matters for
 * delivery: a value that can never be decoded (not Avro, unknown schema id,
 * truncated, wrong record) is bad input, routed to the DLQ; a registry that
 * does not answer is an outage, thrown so the message is retried.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { RegistryAnswerError, SchemaNotUsableError } from '../../shared/kafka/registry.ts';

/** The value could not be decoded and never will be. */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** Decodes `value`; throws {@link BadInputError} for bad input, anything else for outages. */
export async function decodeValue(registry: SchemaRegistry, value: Buffer | null): Promise<unknown> {
  if (value === null || value.length === 0) throw new BadInputError('empty value (tombstone)');
  if (value.length < 5 || value[0] !== 0) throw new BadInputError('not in the Confluent wire format (magic byte 0 + 4-byte schema id)');
  try {
    return await registry.decode(value);
  } catch (err) {
    const e = err as Error & { status?: number };
    if (typeof e.status === 'number') {
      // 404: the schema id is unknown to the registry, so nothing can ever decode it.
      if (e.status === 404) throw new BadInputError(`schema id ${value.readInt32BE(1)} is unknown to the registry`);
      throw err;
    }
    // An answer that was no schema document (a proxy's page, a body cut short): the registry is not reachable as it
    // should be, so the message is retried, like an outage (shared/kafka/registry.ts).
    if (err instanceof RegistryAnswerError) throw err;
    if (e.name === 'ConfluentSchemaRegistryArgumentError' || err instanceof SchemaNotUsableError) throw new BadInputError(e.message);
    // avsc's own errors: truncated or otherwise undecodable payload.
    throw new BadInputError(`undecodable Avro payload: ${e.message}`);
  }
}
