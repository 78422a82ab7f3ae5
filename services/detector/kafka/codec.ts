/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro
 * binary), with writer schemas fetched from the registry once per id and
 * kept. Decoding is synchronous once {@link AvroCodec.prepare} has fetched
 * the ids a batch uses, so a batch decodes in one pass. An id the registry
 * says it does not know (404/422) is bad input (DLQ); a registry that does
 * not answer, or not as a registry does, is not (the caller retries).
 *
 * So is an id for which the registry sent a well-formed schema document
 * that the client cannot use: a JSON Schema or Protobuf id (e.g. of
 * Confluent's JSON serializer or a Kafka Connect producer), or a schema the
 * client refuses to build (an unknown keyword such as `javaType` or
 * `connect.index`, a union default that does not match its first branch, an
 * unknown schemaType): `unusable schema id N (…): …`. Everything else is
 * taken for an unavailable registry and retried: no answer, a timeout
 * (the whole answer is bounded: shared/kafka/registry.ts), any other
 * status, and a 200 whose body is not a schema document (a proxy's HTML
 * page, a body cut short: RegistryAnswerError). Before, any failure without
 * a status was kept as unusable, so one glitch of the registry or its proxy
 * sent an id's good records to the DLQ until the process restarted.
 *
 * Verdicts "unknown" and "unusable" are not final either: they are asked
 * again after {@link REFUSED_ID_RECHECK_MS} (a registry fixed, a follower
 * that lagged behind the leader), their records going to the DLQ meanwhile.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaNotUsableError } from '../../../shared/kafka/index.ts';

/**
 * How long an id found unknown or unusable is kept as such before the
 * registry is asked again. Its records go to the DLQ meanwhile; a registry
 * fixed, or a follower that answered 404 for an id its leader had just
 * registered, is seen again without a restart. Five minutes: one request
 * per refused id and period, a bounded stretch of DLQ for a good id.
 */
export const REFUSED_ID_RECHECK_MS = 5 * 60_000;

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
 * Sorts a `registry.getSchema` failure. `unknown`: the registry said the id
 * does not exist (404 or 422; from a proxy or a lagging follower too, which
 * is why the verdict expires: {@link REFUSED_ID_RECHECK_MS}). `unusable`: the
 * registry sent a well-formed schema document the client could not build
 * (SchemaNotUsableError, from createSchemaRegistry's client). Everything
 * else is `unavailable`, retried: no answer (the client's status 400
 * `Error, status 400: <cause>`), every other status (5xx, 400, 401/403,
 * 407, 408, 421, 425, 429, …), a body that is not a schema document
 * (RegistryAnswerError), a system error, and any failure of a client that
 * cannot say a document came (an unsure failure waits rather than sending
 * good records to the DLQ).
 */
export function classifyFetchFailure(e: unknown): FetchFailure {
  const err = e as { status?: unknown; name?: unknown; message?: unknown } | null;
  if (e instanceof SchemaNotUsableError || err?.name === 'SchemaNotUsableError') return 'unusable';
  const status = err?.status;
  if (status === 404 || status === 422) return 'unknown';
  return 'unavailable';
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

/** Options of {@link AvroCodec}. */
export interface AvroCodecOptions {
  /** The clock of the refused ids' expiry (default Date.now). */
  now?: () => number;
  /** How long an id is kept as unknown or unusable before it is asked again (default {@link REFUSED_ID_RECHECK_MS}). */
  recheckMs?: number;
}

/** Avro codec over a schema registry, with the writer schemas cached by id. */
export class AvroCodec {
  private readonly types = new Map<number, AvroType>();
  /**
   * Ids that cannot be decoded (unknown to the registry, or a schema the
   * client cannot use), with why (the DLQ's x-error) and when to ask again.
   */
  private readonly refusedIds = new Map<number, { error: string; until: number }>();
  private readonly now: () => number;
  private readonly recheckMs: number;

  constructor(
    private readonly registry: SchemaRegistry,
    options: AvroCodecOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? REFUSED_ID_RECHECK_MS;
  }

  /**
   * Fetches every schema id used by `values` that is not cached yet, or
   * whose refusal has expired. Ids found unknown or unusable are kept as
   * such for {@link REFUSED_ID_RECHECK_MS} (their records decode to an
   * error) and returned, so that the caller can say so. Throws
   * {@link RegistryUnavailableError} when the registry does not answer as
   * it should for an id not refused before; an id asked again keeps its
   * refusal then (its records go on to the DLQ rather than holding the
   * input back) and is asked again after another period.
   */
  async prepare(values: ReadonlyArray<Buffer | null>): Promise<Array<{ id: number; error: string }>> {
    const now = this.now();
    const missing = new Set<number>();
    for (const v of values) {
      const id = schemaIdOf(v);
      if (id === null || this.types.has(id)) continue;
      const r = this.refusedIds.get(id);
      if (r === undefined || r.until <= now) missing.add(id);
    }
    const refused: Array<{ id: number; error: string }> = [];
    const refuse = (id: number, error: string) => {
      this.refusedIds.set(id, { error, until: this.now() + this.recheckMs });
      refused.push({ id, error });
    };
    for (const id of missing) {
      let schema: unknown;
      try {
        schema = await this.registry.getSchema(id);
      } catch (e) {
        const failure = classifyFetchFailure(e);
        if (failure === 'unavailable') {
          const before = this.refusedIds.get(id);
          if (before === undefined) throw new RegistryUnavailableError(id, e);
          before.until = this.now() + this.recheckMs;
          continue;
        }
        const message = (e as Error)?.message ?? String(e);
        const status = (e as { status?: unknown }).status;
        // The client's own error says what failed to build (ConfluentSchemaRegistryArgumentError, …).
        const cause = e instanceof SchemaNotUsableError ? e.cause : e;
        const kind = typeof status === 'number' ? `HTTP ${status}` : ((cause as Error)?.name ?? typeof cause);
        refuse(id, failure === 'unknown' ? `unknown schema id ${id} (registry: ${message})` : `unusable schema id ${id} (${kind}): ${message}`);
        continue;
      }
      if (!isAvroType(schema)) {
        // A JSON Schema or Protobuf id the client could build: its bytes are not Avro.
        const kind = (schema as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof schema;
        refuse(id, `unusable schema id ${id} (${kind}): not an Avro schema; this topic's values must be Avro`);
        continue;
      }
      this.refusedIds.delete(id);
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
    if (!type) return { ok: false, error: this.refusedIds.get(id)?.error ?? `schema ${id} not prepared` };
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
