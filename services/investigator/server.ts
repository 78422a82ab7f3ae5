/**
 * The console's HTTP server (Fastify): security headers, authentication of
 * every request except /healthz and the login page, JSON-only writes, one
 * error table, then the routes (routes-auth.ts, routes-data.ts) and the
 * static files. Built from its collaborators so tests can pass real ones.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { QueryParamError } from '../../shared/clickhouse/index.ts';
import type { InvestigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { readCookie, SESSION_COOKIE, type Auth } from './auth.ts';
import type { ReviewService } from './reviews.ts';
import { loadStaticFiles, type StaticFile } from './static.ts';
import { lockedOut, registerAuthRoutes } from './routes-auth.ts';
import { registerDataRoutes, type EnforcementReader } from './routes-data.ts';
import { hostPolicy, hostRefused, misdirectedBody, MISDIRECTED_STATUS, type HostPolicy } from '../../shared/http/allowed-hosts.ts';

/** What the console is built from. */
export interface ConsoleDeps {
  queries: InvestigatorQueries;
  reviews: ReviewService;
  auth: Auth;
  /** Current enforcement of a number as the enforcer wrote it in Redis. */
  enforcement: EnforcementReader;
  /** Dependency checks for /healthz. */
  health: () => Promise<Record<string, boolean>>;
  log?: Logger;
  staticFiles?: Map<string, StaticFile>;
  /** Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges; none by default). */
  trustedProxies?: string[];
  /** The Host names answered for (DNS rebinding guard); unless given, those of a loopback bind. */
  allowedHosts?: HostPolicy;
}

/** The setting that widens {@link ConsoleDeps.allowedHosts}, named in the warning and the 421's message. */
export const ALLOWED_HOSTS_VARIABLE = 'CALLGUARD_CONSOLE_ALLOWED_HOSTS';
const MISDIRECTED_BODY = misdirectedBody(ALLOWED_HOSTS_VARIABLE);

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (set by the auth hook). */
    user?: string;
  }
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: { allowedValues?: unknown[]; additionalProperty?: string; missingProperty?: string };
}

/** "querystring/period must be one of: 24h, 7d, 30d, all" — what was wrong and what is accepted. */
export function validationMessage(err: { validation?: unknown; validationContext?: string; message: string }): string {
  const items = Array.isArray(err.validation) ? (err.validation as ValidationItem[]) : [];
  if (items.length === 0) return err.message;
  return items
    .map((v) => {
      const where = `${err.validationContext ?? 'request'}${v.instancePath ?? ''}`;
      if (v.params?.allowedValues) return `${where} must be one of: ${v.params.allowedValues.join(', ')}`;
      if (v.params?.additionalProperty) return `${where}: unknown parameter ${JSON.stringify(v.params.additionalProperty)}`;
      return `${where} ${v.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/**
 * Fastify's `frameworkErrors`: a request it refuses before any hook runs — a URL whose percent-encoding does not
 * decode (`/%zz`, FST_ERR_BAD_URL) or a path parameter over the router's length limit (FST_ERR_MAX_PARAM_LENGTH) —
 * answered as every other console error: the security headers, no-store, a JSON `{error, message}`. Fastify's own
 * answer had none of the headers. The Host check comes first here too, as in the onRequest hook.
 */
function frameworkError(hosts: HostPolicy, err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
  if (hostRefused(hosts, req.raw.rawHeaders, req.raw.url ?? '')) {
    reply.code(MISDIRECTED_STATUS).send(MISDIRECTED_BODY);
  } else if (err.code === 'FST_ERR_BAD_URL') {
    reply.code(400).send({ error: 'bad_request', message: `not a valid URL: ${err.message}` });
  } else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send({ error: 'uri_too_long', message: `a path parameter is too long: ${err.message}` });
  } else {
    // FST_ERR_ASYNC_CONSTRAINT (the console has no async constraints) or one added in a later Fastify: a fault of ours.
    req.log.error({ err, url: req.raw.url }, 'request failed before routing');
    reply.code(503).send({ error: 'unavailable', message: 'the request could not be handled; try again shortly' });
  }
}

/** The security headers and no-store as raw header lines, for answers written to the socket (no Fastify reply there). */
const RAW_SECURITY_HEADERS = [...Object.entries(SECURITY_HEADERS), ['cache-control', 'no-store']].map(([k, v]) => `${k}: ${v}\r\n`).join('');

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request at all (not HTTP, headers
 * over the limit, a request not complete within {@link CONSOLE_TIMEOUTS}). As Fastify's default (408, 431 or 400,
 * then the connection closed), but with the security headers and the console's JSON error shape.
 */
function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return; // the client is gone: nothing to answer
  const [status, error, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${RAW_SECURITY_HEADERS}content-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Connection limits of the console's HTTP server, ms: time to send a whole request, and how often Node checks it. */
export const CONSOLE_TIMEOUTS = { requestMs: 30_000, checkIntervalMs: 5_000 } as const;

/** Builds the app (not listening yet). */
export function buildConsoleServer(deps: ConsoleDeps): FastifyInstance {
  const files = deps.staticFiles ?? loadStaticFiles();
  const hosts = deps.allowedHosts ?? hostPolicy('127.0.0.1', [], ALLOWED_HOSTS_VARIABLE);
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    // Not Fastify's default (no request timeout): a request (head and body, at most 16 KiB) must arrive within 30 s
    // of its first byte, and a connection that sends nothing is closed after as long. Without it a body trickled in
    // held its connection for ever, and enough of them would use up the process's descriptors.
    requestTimeout: CONSOLE_TIMEOUTS.requestMs,
    http: { headersTimeout: CONSOLE_TIMEOUTS.requestMs, connectionsCheckingInterval: CONSOLE_TIMEOUTS.checkIntervalMs },
    // The client address (the login lockout counts by it) is taken from X-Forwarded-For only when the connection
    // comes from a configured proxy; from anyone else the header is ignored, so it cannot be forged to dodge the lockout.
    trustProxy: deps.trustedProxies && deps.trustedProxies.length > 0 ? deps.trustedProxies : false,
    // Unknown parameters are refused (400), not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // What Fastify and Node refuse before the hooks run gets the security headers too (see the two functions).
    frameworkErrors: (err, req, reply) => frameworkError(hosts, err, req, reply),
    clientErrorHandler: clientError,
  });
  // Writes take JSON only: a cross-site HTML form cannot send it (no text/plain, no form bodies).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // First of all: a request whose Host header is not one of ours (a page on another domain that re-pointed its DNS
  // name at this address) is refused before authentication or any route: 421, JSON, the security headers.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (hostRefused(hosts, req.raw.rawHeaders, req.url)) {
      return reply.code(MISDIRECTED_STATUS).type('application/json; charset=utf-8').send(MISDIRECTED_BODY);
    }
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    if (path === '/healthz' || path === '/api/login' || files.get(path)?.public) return;
    const session = await deps.auth.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session) {
      req.user = session;
      return;
    }
    const authorization = req.headers.authorization;
    if (authorization && /^Basic /i.test(authorization)) {
      // HTTP Basic is a login too: its failures count, and a locked-out address gets 429 whether it was right or not.
      const user = deps.auth.verifyBasic(authorization);
      const wait = await deps.auth.attempt(req.ip, user !== null);
      if (wait > 0) return lockedOut(reply, wait);
      if (user) {
        req.user = user;
        return;
      }
    }
    if (path.startsWith('/api/')) return reply.code(401).send({ error: 'unauthorized', message: 'log in first (session cookie or HTTP Basic credentials)' });
    return reply.redirect('/login', 302);
  });

  app.setErrorHandler((err: Error & { validation?: unknown; validationContext?: string; statusCode?: number; code?: string }, req, reply) => {
    if (err.validation) return reply.code(400).send({ error: 'bad_request', message: validationMessage(err) });
    if (err instanceof QueryParamError) return reply.code(400).send({ error: 'bad_request', message: err.message });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message });
    }
    req.log.error({ err, url: req.url }, 'request failed');
    return reply.code(503).send({ error: 'unavailable', message: 'a backing service failed; try again shortly' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  app.get('/healthz', async (_req, reply) => {
    const checks = await deps.health();
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...checks });
  });

  for (const [url, file] of files) {
    app.get(url, async (req, reply) => {
      reply.header('cache-control', 'no-cache').header('etag', file.etag);
      if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.header('content-type', file.contentType).send(file.body);
    });
  }
  registerAuthRoutes(app, deps.auth);
  registerDataRoutes(app, deps);
  return app;
}
