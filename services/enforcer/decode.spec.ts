import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { RegistryAnswerError, SchemaNotUsableError } from '../../shared/kafka/registry.ts';
import { BadInputError, decodeValue } from './decode.ts';

/** A registry whose decode fails with `err`. */
const failing = (err: Error) => ({ decode: async () => Promise.reject(err) }) as unknown as SchemaRegistry;
const framed = Buffer.from([0, 0, 0, 0, 7, 2, 4]);

describe('decodeValue', () => {
  it('retries an answer that was no schema document (a proxy page): an outage, not bad input', async () => {
    const err = new RegistryAnswerError(7, 'the registry answered schema id 7 with something that is not a schema: <html>');
    await expect(decodeValue(failing(err), framed)).rejects.toBe(err);
  });

  it('routes a schema id the registry does not know, or whose schema cannot be built, as bad input', async () => {
    await expect(decodeValue(failing(Object.assign(new Error('Schema not found'), { status: 404 })), framed)).rejects.toBeInstanceOf(BadInputError);
    const unusable = new SchemaNotUsableError(7, 'JSON', new Error('unknown keyword "javaType"'));
    await expect(decodeValue(failing(unusable), framed)).rejects.toBeInstanceOf(BadInputError);
  });

  it('retries a registry that answers 5xx', async () => {
    const err = Object.assign(new Error('Service Unavailable'), { status: 503 });
    await expect(decodeValue(failing(err), framed)).rejects.toBe(err);
  });

  it('routes values that are not Confluent-framed as bad input', async () => {
    await expect(decodeValue(failing(new Error('never called')), Buffer.from([1, 2, 3]))).rejects.toBeInstanceOf(BadInputError);
    await expect(decodeValue(failing(new Error('never called')), null)).rejects.toBeInstanceOf(BadInputError);
  });
});
