/** Schema registry client factory (Confluent wire format, Apicurio's ccompat API or Confluent's). */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrlFromEnv } from './env.ts';

type ClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type Middleware = NonNullable<ClientArgs['middlewares']>[number];
type RetryOptions = NonNullable<ClientArgs['retry']>;

/**
 * How long one registry request may take before it is abandoned and tried
 * again. The client has no timeout of its own: a request whose answer never
 * came (seen once: `callguard stack up` waited 13 minutes on a PUT of a
 * subject's compatibility that Apicurio never logged) held its caller for
 * ever. Registry requests take milliseconds; the first ones after a cold
 * start a second or two.
 */
export const REGISTRY_REQUEST_TIMEOUT_MS = 15_000;

/** Options of {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** Base URL (default `CALLGUARD_SCHEMA_REGISTRY_URL` or http://127.0.0.1:8081/apis/ccompat/v7). */
  url?: string;
  /** Client id sent with requests (default `callguard`). */
  clientId?: string;
  /** Per-request timeout (default {@link REGISTRY_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
}

/** Sets the timeout of every request the client makes. */
function requestTimeout(ms: number): Middleware {
  return () => ({
    async prepareRequest(next) {
      return (await next()).enhance({ timeout: ms });
    },
  });
}

/**
 * Retried: server errors (the client's default) and requests that timed out
 * (the HTTP gateway reports them as status 400 with a TimeoutError), for
 * every method, not only GET (the client's default): every call it makes is
 * safe to repeat (reads, registering the same schema, which returns the same
 * id, setting the same compatibility).
 */
const retryable: RetryOptions['validateRetry'] = (response) =>
  response.responseStatus >= 500 || (response.responseStatus === 400 && response.error()?.name === 'TimeoutError');

/** Creates a registry client; ids and schemas it fetches are cached for the client's lifetime. */
export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistry {
  return new SchemaRegistry({
    host: options.url ?? schemaRegistryUrlFromEnv(),
    clientId: options.clientId ?? 'callguard',
    retry: { retries: 2, initialRetryTimeInSecs: 0.2, validateRetry: retryable, enableRetry: () => true },
    middlewares: [requestTimeout(options.requestTimeoutMs ?? REGISTRY_REQUEST_TIMEOUT_MS)],
  });
}
