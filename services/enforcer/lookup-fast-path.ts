/**
 * The hot path of call setup, in front of Fastify: `GET /v1/numbers/{n}`
 * answered straight from the label replica on Node's own HTTP server, with
 * the response body the replica built once when it read the key (no route
 * lookup, schema validation, hooks, reply object or serialisation per
 * request). Anything else — another path or method, a number Fastify's
 * schema would refuse, a number the replica cannot answer for (not loaded,
 * key being re-read) — returns false and goes to Fastify unchanged, so every
 * error response and the Redis fallback stay exactly as they were.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeOrError } from '../../shared/numbers/index.ts';
import type { EnforcerMetrics } from './metrics.ts';
import type { LabelReplica } from './label-replica.ts';

const PREFIX = '/v1/numbers/';
const JSON_TYPE = 'application/json; charset=utf-8';
const READ_REPLICA = { from: 'replica' } as const;

/** The view of a number nobody has flagged, as JSON: the same bytes `JSON.stringify(clearView(number))` gives for an E.164 number. */
export function clearViewJson(e164: string): string {
  return (
    '{"number":"' +
    e164 +
    '","status":"CLEAR","label":null,"category":null,"blocked":false,"severity":null,"score":null,"reasons":[],"flagId":null,"windowStart":null,"windowEnd":null,"expiresAt":null,"verifiedBy":null,"updatedAt":null}'
  );
}

/**
 * True when Fastify's schema for the path parameter accepts `s`: 3 to 32
 * characters, `^[+0-9][0-9 ().-]*$`. What it refuses is left to Fastify, so
 * the 400 reads the same on both paths.
 */
export function acceptedParam(s: string): boolean {
  const n = s.length;
  if (n < 3 || n > 32) return false;
  const c0 = s.charCodeAt(0);
  if (c0 !== 43 && (c0 < 48 || c0 > 57)) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    // digits, space, '(', ')', '.', '-'
    if ((c < 48 || c > 57) && c !== 32 && c !== 40 && c !== 41 && c !== 46 && c !== 45) return false;
  }
  return true;
}

/** The path parameter of `/v1/numbers/{n}` decoded, or null when the URL is anything else (another path, a query, bad escapes). */
export function numberParam(url: string): string | null {
  if (!url.startsWith(PREFIX)) return null;
  const raw = url.slice(PREFIX.length);
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 59) return null; // '/', '?', '#', ';'
  }
  if (raw.indexOf('%') < 0) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * Returns the request handler of the fast path: true when it answered the
 * request, false when Fastify must.
 */
export function lookupFastPath(replica: LabelReplica, metrics: EnforcerMetrics): (req: IncomingMessage, res: ServerResponse) => boolean {
  const lookups = { CLEAR: metrics.lookups.labels({ status: 'CLEAR' }) };
  const counterOf = (status: string) => (lookups[status as 'CLEAR'] ??= metrics.lookups.labels({ status }));
  const fromReplica = metrics.lookupReads.labels(READ_REPLICA);
  const seconds = metrics.lookupSeconds;
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const started = performance.now();
    const param = numberParam(req.url);
    if (param === null || !acceptedParam(param)) return false;
    const n = normalizeOrError(param);
    if (!n.ok) return false; // Fastify words the 400
    const hit = replica.response(n.value);
    if (hit === undefined) return false; // the replica cannot tell: Fastify's route reads Redis
    let body: string;
    let bytes: number;
    let status: string;
    if (hit === null) {
      body = clearViewJson(n.value); // ASCII: an E.164 number is '+' and digits
      bytes = body.length;
      status = 'CLEAR';
    } else {
      body = hit.body;
      bytes = hit.bytes;
      status = hit.status;
    }
    res.writeHead(200, ['content-type', JSON_TYPE, 'cache-control', 'no-store', 'content-length', String(bytes)]);
    res.end(body);
    fromReplica.inc();
    counterOf(status).inc();
    seconds.observe((performance.now() - started) / 1000);
    return true;
  };
}
