/** Schema registry client factory (Confluent wire format, Apicurio's ccompat API or Confluent's). */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrlFromEnv } from './env.ts';

type ClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type Middleware = NonNullable<ClientArgs['middlewares']>[number];
type RetryOptions = NonNullable<ClientArgs['retry']>;

/**
 * How long one registry request may take, its whole answer included,
 * before it is abandoned and tried again. The client has no timeout of its
 * own: a request whose answer never came (seen once: `callguard stack up`
 * waited 13 minutes on a PUT of a subject's compatibility that Apicurio
 * never logged) held its caller for ever. Registry requests take
 * milliseconds; the first ones after a cold start a second or two.
 */
export const REGISTRY_REQUEST_TIMEOUT_MS = 15_000;

/** Options of {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** Base URL (default `CALLGUARD_SCHEMA_REGISTRY_URL` or http://127.0.0.1:8081/apis/ccompat/v7). */
  url?: string;
  /** Client id sent with requests (default `callguard`). */
  clientId?: string;
  /** Per-request timeout, the whole answer included (default {@link REGISTRY_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
}

/**
 * The registry answered `GET /schemas/ids/N` with something that is not a
 * schema document (a proxy's HTML page, a body cut short, an empty body):
 * the registry is not reachable as it should be; nothing is known about the
 * id. Retriable.
 */
export class RegistryAnswerError extends Error {
  readonly retriable = true;
  constructor(
    readonly schemaId: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryAnswerError';
  }
}

/**
 * The registry answered for the id with a well-formed schema document (JSON
 * with a string `schema`; `schemaType` absent or a name) and the client
 * could not build a schema from it: the id's answer, not an outage. `cause`
 * is the client's error (e.g. ConfluentSchemaRegistryArgumentError: an
 * unknown keyword, an invalid union default, an unknown schemaType).
 */
export class SchemaNotUsableError extends Error {
  constructor(
    readonly schemaId: number,
    /** The document's `schemaType` (absent: AVRO). */
    readonly schemaType: string,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'SchemaNotUsableError';
  }
}

/** Sets the timeout of every request the client makes (mappersmith's own: no bytes for that long). */
function requestTimeout(ms: number): Middleware {
  return () => ({
    async prepareRequest(next) {
      return (await next()).enhance({ timeout: ms });
    },
  });
}

/** The error a request's whole-answer deadline fails it with: retried like the client's own timeout (name TimeoutError). */
function deadlineError(ms: number): Error {
  return Object.assign(new Error(`Timeout (${ms}ms): the registry's answer was not complete in time`), { name: 'TimeoutError' });
}

/**
 * Bounds each request by `ms` from the moment it is handed to the agent to
 * the last byte of its answer, and fails at once an answer whose connection
 * closed before its body was complete (`content-length` or chunked).
 *
 * The client's timeout (mappersmith's HTTP gateway) is an idle timeout of
 * the socket, and once an answer has started the gateway listens only for
 * the body's `end`: an answer cut after its headers (a registry or proxy
 * restarting) left the request pending for ever (`prepare` of the detector's
 * codec never returned), and a body trickling in never timed out. The
 * gateway's only failure path is the request's `error` event, so that is
 * where both are reported: the client then retries them (the timeout as a
 * TimeoutError, the cut as ECONNRESET) and finally throws its status-400
 * ResponseError, which callers take for an unreachable registry.
 *
 * Done in the agent because it is the one place each attempt passes (the
 * client's retry runs inside every middleware it lets us add).
 */
function wholeAnswerDeadline<A extends http.Agent>(agent: A, ms: number): A {
  const a = agent as unknown as { addRequest(req: ClientRequest, options: unknown): void };
  const addRequest = a.addRequest.bind(agent);
  a.addRequest = (req, options) => {
    let res: IncomingMessage | undefined;
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
    };
    const fail = (err: Error) => {
      if (settled) return;
      settle();
      if (res) {
        // A request whose answer has started emits no error of its own when destroyed: the gateway would wait for ever.
        req.destroy();
        req.emit('error', err);
      } else {
        req.destroy(err);
      }
    };
    const timer = setTimeout(() => fail(deadlineError(ms)), ms);
    req.once('response', (r: IncomingMessage) => {
      res = r;
      r.once('end', settle);
    });
    // Until the gateway has the whole answer ('end') or an error: a request closed otherwise has failed (Node emits its error).
    req.once('error', settle);
    req.once('close', () => {
      if (res && !res.complete) fail(Object.assign(new Error("the registry's answer was cut short (connection closed before the end of its body)"), { code: 'ECONNRESET' }));
    });
    addRequest(req, options);
  };
  return agent;
}

/** The agent of a client: the defaults of Node's global agent, with {@link wholeAnswerDeadline}. */
function registryAgent(url: string, ms: number): http.Agent {
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 };
  return wholeAnswerDeadline(url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options), ms);
}

/** Whether a `GET /schemas/ids/N` answer is a schema document: JSON with a string `schema`, `schemaType` absent (null) or a string, `references` absent (null) or a list. */
export function isSchemaDocument(data: unknown): data is { schema: string; schemaType?: string | null } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const d = data as { schema?: unknown; schemaType?: unknown; references?: unknown };
  return typeof d.schema === 'string' && (d.schemaType === undefined || d.schemaType === null || typeof d.schemaType === 'string') && (d.references === undefined || d.references === null || Array.isArray(d.references));
}

/** At most this many characters of a body that is not a schema document go into the error. */
const BODY_EXCERPT = 80;

/**
 * Checks the answers to `GET /schemas/ids/N`. One that is not a schema
 * document is rejected as {@link RegistryAnswerError} (before, the client
 * read it as one, failed on `undefined` and threw a
 * ConfluentSchemaRegistryArgumentError, the same as for a schema it cannot
 * build). A well-formed one is noted in `answered` (its schemaType), so that
 * a failure to build it can be told apart ({@link SchemaNotUsableError}).
 */
function schemaAnswers(answered: Map<number, string>): Middleware {
  return ({ resourceName, resourceMethod }) => ({
    async response(next, _renew, request) {
      if (resourceName !== 'Schema' || resourceMethod !== 'find') return next();
      const id = Number((request.params() as { id?: unknown }).id);
      answered.delete(id);
      const response = await next();
      const data: unknown = response.data();
      if (!isSchemaDocument(data)) {
        const raw = response.rawData();
        const text = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : String(raw);
        const excerpt = text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
        throw new RegistryAnswerError(
          id,
          `schema registry answered GET /schemas/ids/${id} with something that is not a schema document (HTTP ${response.status()}, content-type ${response.header('content-type') ?? 'none'}, ${text.length} chars: ${JSON.stringify(excerpt)})`,
        );
      }
      answered.set(id, data.schemaType ?? 'AVRO');
      return response;
    },
  });
}

/**
 * The client, with {@link SchemaRegistry.getSchema} telling a schema it
 * cannot build ({@link SchemaNotUsableError}: the registry sent a
 * well-formed document) from every other failure, which it throws as is.
 */
class CheckedSchemaRegistry extends SchemaRegistry {
  constructor(
    args: ClientArgs,
    private readonly answered: Map<number, string>,
  ) {
    super(args);
  }

  override async getSchema(registryId: number): ReturnType<SchemaRegistry['getSchema']> {
    try {
      return await super.getSchema(registryId);
    } catch (e) {
      const status = (e as { status?: unknown } | null)?.status;
      const schemaType = this.answered.get(registryId);
      if (typeof status !== 'number' && !(e instanceof RegistryAnswerError) && schemaType !== undefined) throw new SchemaNotUsableError(registryId, schemaType, e);
      throw e;
    } finally {
      this.answered.delete(registryId);
    }
  }
}

/**
 * Retried: server errors (the client's default) and requests that timed out
 * (the HTTP gateway reports them as status 400 with a TimeoutError), for
 * every method, not only GET (the client's default): every call it makes is
 * safe to repeat (reads, registering the same schema, which returns the same
 * id, setting the same compatibility). The gateway's connection errors
 * (ECONNRESET, ECONNREFUSED, …; an answer cut short is one) are retried by
 * the client's retry itself.
 */
const retryable: RetryOptions['validateRetry'] = (response) =>
  response.responseStatus >= 500 || (response.responseStatus === 400 && response.error()?.name === 'TimeoutError');

/** Creates a registry client; ids and schemas it fetches are cached for the client's lifetime. */
export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistry {
  const host = options.url ?? schemaRegistryUrlFromEnv();
  const timeoutMs = options.requestTimeoutMs ?? REGISTRY_REQUEST_TIMEOUT_MS;
  const answered = new Map<number, string>();
  return new CheckedSchemaRegistry(
    {
      host,
      clientId: options.clientId ?? 'callguard',
      retry: { retries: 2, initialRetryTimeInSecs: 0.2, validateRetry: retryable, enableRetry: () => true },
      agent: registryAgent(host, timeoutMs),
      middlewares: [requestTimeout(timeoutMs), schemaAnswers(answered)],
    },
    answered,
  );
}
