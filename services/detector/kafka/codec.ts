/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro
 * binary), with writer schemas fetched from the registry once per id and
 * kept. Decoding is synchronous once {@link AvroCodec.prepare} has fetched
 * the ids a batch uses, so a batch decodes in one pass. An id the registry
 * does not know is bad input (DLQ); a registry that does not answer is not
 * (the caller retries).
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** The part of an avsc Type the codec uses. */
interface AvroType {
  /** Decodes one value starting at `pos`; `offset` is where it ended, -1 when the buffer ended first. */
  decode(buf: Buffer, pos: number): { value: unknown; offset: number };
  toBuffer(value: unknown): Buffer;
}

/** Outcome of decoding one value. */
export type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

/** Thrown when the registry cannot be reached: retry later, the input is not at fault. */
export class RegistryUnavailableError extends Error {
  readonly retriable = true;
  constructor(
    readonly schemaId: number,
    cause: unknown,
  ) {
    super(`schema registry unavailable while fetching schema ${schemaId}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'RegistryUnavailableError';
  }
}

/** Reads the schema id of a wire-format value, or null when it is not one. */
export function schemaIdOf(value: Buffer | null): number | null {
  if (value === null || value.length < 5 || value[0] !== 0) return null;
  return value.readUInt32BE(1);
}

/** Avro codec over a schema registry, with the writer schemas cached by id. */
export class AvroCodec {
  private readonly types = new Map<number, AvroType>();
  private readonly unknown = new Map<number, string>();

  constructor(private readonly registry: SchemaRegistry) {}

  /** Fetches every schema id used by `values` that is not cached yet. Throws {@link RegistryUnavailableError} when the registry does not answer. */
  async prepare(values: ReadonlyArray<Buffer | null>): Promise<void> {
    const missing = new Set<number>();
    for (const v of values) {
      const id = schemaIdOf(v);
      if (id !== null && !this.types.has(id) && !this.unknown.has(id)) missing.add(id);
    }
    for (const id of missing) {
      try {
        this.types.set(id, (await this.registry.getSchema(id)) as unknown as AvroType);
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (status === 404 || status === 422) this.unknown.set(id, `unknown schema id ${id} (registry: ${(e as Error).message})`);
        else throw new RegistryUnavailableError(id, e);
      }
    }
  }

  /** Decodes one value whose schema was prepared; never throws. */
  decode(value: Buffer | null): Decoded {
    if (value === null) return { ok: false, error: 'null value (tombstone)' };
    const id = schemaIdOf(value);
    if (id === null) return { ok: false, error: `not Confluent wire format (${value.length} bytes, first byte ${value.length > 0 ? value[0] : 'none'})` };
    const type = this.types.get(id);
    if (!type) return { ok: false, error: this.unknown.get(id) ?? `schema ${id} not prepared` };
    try {
      // From offset 5 of the consumed bytes: no view of the payload is made (this runs once per event).
      const r = type.decode(value, 5);
      if (r.offset === value.length) return { ok: true, value: r.value };
      return { ok: false, error: `Avro decode with schema ${id} failed: ${r.offset < 0 ? 'truncated buffer' : `trailing data (${value.length - r.offset} bytes)`}` };
    } catch (e) {
      return { ok: false, error: `Avro decode with schema ${id} failed: ${(e as Error).message}` };
    }
  }

  /** Encodes `value` with the registered schema `id` (fetched if needed). */
  async encoder(id: number): Promise<(value: unknown) => Buffer> {
    let type = this.types.get(id);
    if (!type) {
      type = (await this.registry.getSchema(id)) as unknown as AvroType;
      this.types.set(id, type);
    }
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    const t = type;
    return (value) => Buffer.concat([header, t.toBuffer(value)]);
  }
}
