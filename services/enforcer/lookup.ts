/**
 * The lookup API for call setup: `GET /v1/numbers/{number}` answers a
 * number's label, status and reasons from the in-process label replica
 * (label-replica.ts), or with one Redis GET on loopback while the replica
 * cannot tell; `/healthz` and `/metrics` for operations. No write endpoints.
 *
 * Lookups take a hot path in front of Fastify (lookup-fast-path.ts) on the
 * same Node HTTP server: the stored JSON straight from the replica, or one
 * Redis GET when it cannot tell. Everything else, including every error
 * response, is this Fastify app's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { normalizeOrError } from '../../shared/numbers/index.ts';
import type { EnforcementStore } from './store.ts';
import type { EnforcerMetrics } from './metrics.ts';
import { clearView } from './view.ts';
import type { LabelReplica, ReplicaState } from './label-replica.ts';
import { lookupHotPath, type HotAnswer, type HotPath } from './lookup-fast-path.ts';
import { hostPolicy, hostRefused, misdirectedResponder, type HostPolicy } from '../../shared/http/allowed-hosts.ts';
import { invalidNumber, normalizeProblem, numberParamProblem, NUMBER_PARAM_MAX } from './number-problem.ts';

/** What /healthz reports. */
export interface EnforcerHealth {
  redis: boolean;
  consumer: string;
  /** The label replica's state (absent when lookups always read Redis). */
  replica?: ReplicaState;
}

/** Options of {@link buildLookupServer}. */
export interface LookupServerOptions {
  store: EnforcementStore;
  metrics: EnforcerMetrics;
  health: () => Promise<EnforcerHealth>;
  log?: Logger;
  /** Answers lookups without a Redis round trip when it can (see label-replica.ts). */
  replica?: LabelReplica;
  /** Connection limits; {@link LOOKUP_TIMEOUTS} unless given (tests shorten them). */
  timeouts?: LookupTimeouts;
  /** The Host names answered for (DNS rebinding guard); unless given, those of a loopback bind. */
  allowedHosts?: HostPolicy;
}

/** The setting that widens {@link LookupServerOptions.allowedHosts}, named in the warning and the 421's message. */
export const ALLOWED_HOSTS_VARIABLE = 'CALLGUARD_ENFORCER_ALLOWED_HOSTS';

/** How long the lookup API lets a client hold a connection without a complete request, ms. */
export interface LookupTimeouts {
  /** Idle time between requests on a keep-alive connection. */
  keepAliveMs: number;
  /**
   * A request's head and body must have arrived this long after its first byte (Node's headersTimeout and
   * requestTimeout); a new connection that sends nothing is closed after this long too.
   */
  requestMs: number;
  /** How often Node checks requestMs (its connectionsCheckingInterval). */
  checkIntervalMs: number;
}

/**
 * The defaults: 72 s keep-alive and 10 s to send a request (a lookup is one short GET). Fastify's default request
 * timeout is none: a client that trickled a request body in held its connection for ever, and enough such
 * connections would use up the process's descriptors, after which call setup's lookups are refused.
 */
export const LOOKUP_TIMEOUTS: LookupTimeouts = { keepAliveMs: 72_000, requestMs: 10_000, checkIntervalMs: 1_000 };

const reason = {
  type: 'object',
  properties: { rule: { type: 'string' }, window: { type: 'string' }, value: { type: 'number' }, threshold: { type: 'number' } },
} as const;

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

/** JSON schema of {@link LookupView} (also serialises it fast). */
export const LOOKUP_VIEW_SCHEMA = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    status: { type: 'string' },
    label: nullable('string'),
    category: nullable('string'),
    blocked: { type: 'boolean' },
    severity: nullable('string'),
    score: nullable('number'),
    reasons: { type: 'array', items: reason },
    flagId: nullable('string'),
    windowStart: nullable('number'),
    windowEnd: nullable('number'),
    expiresAt: nullable('number'),
    verifiedBy: nullable('string'),
    updatedAt: nullable('number'),
  },
} as const;

const ERROR_SCHEMA = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

const READ_REPLICA = { from: 'replica' } as const;
const READ_REDIS = { from: 'redis' } as const;

/** The `status` of a stored view without parsing the whole JSON. */
function statusOf(json: string): string {
  const m = /"status":"([A-Z_]+)"/.exec(json);
  return m ? m[1] : 'unknown';
}

/** Builds the Fastify app (not listening yet). */
export function buildLookupServer(o: LookupServerOptions): FastifyInstance {
  const hot = lookupHotPath(o);
  const t = o.timeouts ?? LOOKUP_TIMEOUTS;
  const hosts = o.allowedHosts ?? hostPolicy('127.0.0.1', [], ALLOWED_HOSTS_VARIABLE);
  const misdirected = o.metrics.misdirected;
  const app = Fastify({
    loggerInstance: o.log as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: true }),
    // Node's HTTP server; lookups it can answer never reach Fastify's routing. The Host check comes first, in front
    // of both: a rebinding page must get neither a hot-path answer nor a Fastify route.
    serverFactory: (handler) => {
      const server = createServer(
        { requestTimeout: t.requestMs, headersTimeout: t.requestMs, connectionsCheckingInterval: t.checkIntervalMs },
        (req, res) => {
          if (hostRefused(hosts, req.rawHeaders, req.url ?? '')) {
            misdirected.inc();
            return refuse(res);
          }
          serveHot(hot, req, res, handler);
        },
      );
      server.keepAliveTimeout = t.keepAliveMs;
      return server;
    },
  });

  app.get<{ Params: { number: string } }>(
    '/v1/numbers/:number',
    {
      schema: {
        params: {
          type: 'object',
          required: ['number'],
          // A length bound only: normalisation decides what is a number (full-width digits, '＋', brackets, tabs, …).
          properties: { number: { type: 'string', maxLength: NUMBER_PARAM_MAX } },
        },
        response: { 200: LOOKUP_VIEW_SCHEMA, 400: ERROR_SCHEMA },
      },
    },
    async (req, reply) => {
      const started = performance.now();
      const n = normalizeOrError(req.params.number);
      if (!n.ok) {
        o.metrics.lookups.inc({ status: 'invalid' });
        return reply.code(400).send(invalidNumber(req.params.number, normalizeProblem(req.params.number, n.error)));
      }
      // The hot path of call setup: the replica's copy of the label key, or one GET when the
      // replica cannot tell; the stored JSON goes out as written (the key expires at the view's
      // expiresAt, and so does the replica's copy, so it is live). A clear number gets a CLEAR view.
      const copy = o.replica?.get(n.value);
      if (copy !== undefined) o.metrics.lookupReads.inc(READ_REPLICA);
      else o.metrics.lookupReads.inc(READ_REDIS);
      const stored = copy !== undefined ? copy : await o.store.lookupJson(n.value);
      reply.header('cache-control', 'no-store');
      if (stored !== null) {
        o.metrics.lookups.inc({ status: statusOf(stored) });
        o.metrics.lookupSeconds.observe((performance.now() - started) / 1000);
        return reply.type('application/json; charset=utf-8').send(stored);
      }
      o.metrics.lookups.inc({ status: 'CLEAR' });
      o.metrics.lookupSeconds.observe((performance.now() - started) / 1000);
      return clearView(n.value);
    },
  );

  app.get('/healthz', async (_req, reply) => {
    const h = await o.health();
    return reply.code(h.redis ? 200 : 503).send({ status: h.redis && h.consumer === 'running' ? 'ok' : h.redis ? 'degraded' : 'down', ...h });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });

  app.setErrorHandler((err: Error & { validation?: unknown; validationContext?: string; statusCode?: number }, req, reply) => {
    if (err.validation) {
      // The route's schema refused the number: say which parameter, what came and why, as the handler does.
      const raw = (req.params as { number?: unknown } | undefined)?.number;
      if (err.validationContext === 'params' && typeof raw === 'string') return reply.code(400).send(invalidNumber(raw, numberParamProblem(raw) ?? err.message));
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    }
    o.log?.error({ err }, 'lookup failed');
    return reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 503).send({ error: 'unavailable', message: 'lookup store unavailable' });
  });
  return app;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The hot path's answer written with Node's own response (no Fastify reply, hooks or serialisation), or the request handed to Fastify. */
function serveHot(hot: HotPath, req: IncomingMessage, res: ServerResponse, fastify: Handler): void {
  const a = hot(req.method ?? '', req.url ?? '');
  if (a === null) return fastify(req, res);
  if (!(a instanceof Promise)) return send(res, a);
  a.then(
    (x) => (x === null ? fastify(req, res) : send(res, x)),
    () => fastify(req, res),
  );
}

/** A request whose Host is not ours: 421 and a short JSON error (the connection stays usable). */
const refuse = misdirectedResponder(ALLOWED_HOSTS_VARIABLE);

function send(res: ServerResponse, a: HotAnswer): void {
  res.writeHead(200, ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(a.bytes)]);
  res.end(a.body);
}

/** A listening lookup API: its URL, the Fastify app behind it, and close. */
export interface LookupServer {
  /** Base URL, e.g. http://127.0.0.1:8089. */
  url: string;
  app: FastifyInstance;
  /** Stops accepting, lets answers in flight finish, closes the app. */
  close(): Promise<void>;
}

/** Builds the app and serves it on `host:port` (0 = any free port); the Host names answered for default to those `host` implies. */
export async function startLookupServer(o: LookupServerOptions & { host: string; port: number }): Promise<LookupServer> {
  const app = buildLookupServer({ ...o, allowedHosts: o.allowedHosts ?? hostPolicy(o.host, [], ALLOWED_HOSTS_VARIABLE) });
  const url = await app.listen({ host: o.host, port: o.port });
  return { url, app, close: () => app.close() };
}
