/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro
 * binary), with writer schemas fetched from the registry once per id and
 * kept. Decoding is synchronous once {@link AvroCodec.prepare} has fetched
 * the ids a batch uses, so a batch decodes in one pass. An id the registry
 * does not know is bad input (DLQ); a registry that does not answer is not
 * (the caller retries).
 *
 * So is an id whose schema the registry gave but the client cannot use: a
 * JSON Schema or Protobuf id (e.g. of Confluent's JSON serializer or a
 * Kafka Connect producer), or a schema avsc refuses to build (an unknown
 * keyword such as `javaType` or `connect.index`, a union default that does
 * not match its first branch). That answer is final for the id, so it is
 * kept like an unknown id and its records go to the DLQ (`unusable schema
 * id N (…): …`); before, any failure without status 404/422 was taken for
 * an unavailable registry, retried without end inside the pipeline's one
 * work loop, and froze every partition. Only a transport failure is
 * retried: no answer (connection refused or reset, a timeout), a 5xx, 408,
 * 429, or a registry refusing this client (401/403: not the input's fault).
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

/** What a failed schema fetch says about the id. */
export type FetchFailure = 'unavailable' | 'unknown' | 'unusable';

/**
 * Sorts a `registry.getSchema` failure. The client (mappersmith under
 * @kafkajs/confluent-schema-registry) reports every HTTP outcome as a
 * ResponseError with `status`, and a request that got no answer at all
 * (connection refused or reset, DNS, its timeout) as one with status 400
 * whose message is `<client id> - Error, status 400: <cause>`; a 400 the
 * registry sent with a JSON error body reads `<client id> - <message>`
 * instead. (A 400 with a body that is not JSON reads like a transport
 * failure and is retried: the cautious side.) Failures without a status
 * come after the answer, from building the schema
 * (ConfluentSchemaRegistryArgumentError and the like), unless they carry a
 * Node system error code (a transport failure that reached us unwrapped).
 */
export function classifyFetchFailure(e: unknown): FetchFailure {
  const err = e as { status?: unknown; code?: unknown; name?: unknown; message?: unknown } | null;
  const status = err?.status;
  if (typeof status === 'number') {
    if (status === 404 || status === 422) return 'unknown';
    if (status >= 500 || status === 408 || status === 429 || status === 401 || status === 403) return 'unavailable';
    if (status === 400 && typeof err?.message === 'string' && /(^|- )Error, status 400(: |$)/.test(err.message)) return 'unavailable';
    return 'unusable';
  }
  if (typeof err?.code === 'string' || err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'unavailable';
  return 'unusable';
}

/** Reads the schema id of a wire-format value, or null when it is not one. */
export function schemaIdOf(value: Buffer | null): number | null {
  if (value === null || value.length < 5 || value[0] !== 0) return null;
  return value.readUInt32BE(1);
}

/** An avsc Type (what the client builds for an Avro id), as opposed to its JsonSchema or ProtoSchema. */
function isAvroType(schema: unknown): schema is AvroType {
  const t = schema as { decode?: unknown; toBuffer?: unknown } | null;
  return typeof t === 'object' && t !== null && typeof t.decode === 'function' && typeof t.toBuffer === 'function';
}

/** Avro codec over a schema registry, with the writer schemas cached by id. */
export class AvroCodec {
  private readonly types = new Map<number, AvroType>();
  /** Ids that cannot be decoded (unknown to the registry, or a schema the client cannot use), with why: the DLQ's x-error. */
  private readonly unknown = new Map<number, string>();

  constructor(private readonly registry: SchemaRegistry) {}

  /**
   * Fetches every schema id used by `values` that is not cached yet. Ids
   * found unknown or unusable are kept as such (their records decode to an
   * error) and returned, so that the caller can say so once. Throws
   * {@link RegistryUnavailableError} when the registry does not answer.
   */
  async prepare(values: ReadonlyArray<Buffer | null>): Promise<Array<{ id: number; error: string }>> {
    const missing = new Set<number>();
    for (const v of values) {
      const id = schemaIdOf(v);
      if (id !== null && !this.types.has(id) && !this.unknown.has(id)) missing.add(id);
    }
    const refused: Array<{ id: number; error: string }> = [];
    for (const id of missing) {
      let schema: unknown;
      try {
        schema = await this.registry.getSchema(id);
      } catch (e) {
        const failure = classifyFetchFailure(e);
        if (failure === 'unavailable') throw new RegistryUnavailableError(id, e);
        const message = (e as Error)?.message ?? String(e);
        const status = (e as { status?: unknown }).status;
        const kind = typeof status === 'number' ? `HTTP ${status}` : ((e as Error)?.name ?? typeof e);
        const error = failure === 'unknown' ? `unknown schema id ${id} (registry: ${message})` : `unusable schema id ${id} (${kind}): ${message}`;
        this.unknown.set(id, error);
        refused.push({ id, error });
        continue;
      }
      if (!isAvroType(schema)) {
        // A JSON Schema or Protobuf id the client could build: its bytes are not Avro.
        const kind = (schema as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof schema;
        const error = `unusable schema id ${id} (${kind}): not an Avro schema; this topic's values must be Avro`;
        this.unknown.set(id, error);
        refused.push({ id, error });
        continue;
      }
      this.types.set(id, schema);
    }
    return refused;
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
