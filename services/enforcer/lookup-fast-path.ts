/**
 * The hot path of call setup: `GET /v1/numbers/{n}` answered straight from
 * the label replica, with the response body the replica keeps as Redis
 * holds it (no route lookup, schema validation, hooks, reply object or
 * serialisation per request). Anything else — another path or method, a
 * number the route's schema would refuse, a number the replica cannot
 * answer for (not loaded, key being re-read) — is left to Fastify, so
 * every error response and the Redis fallback stay exactly as they were.
 * lookup-http.ts calls it for each request.
 */
import { normalizeOrError } from '../../shared/numbers/index.ts';
import type { EnforcerMetrics } from './metrics.ts';
import type { LabelReplica } from './label-replica.ts';
import type { HotAnswer, HotPath } from './lookup-http.ts';

const PREFIX = '/v1/numbers/';
const READ_REPLICA = { from: 'replica' } as const;
const HEADERS = 'content-type: application/json; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: ';

/** The view of a number nobody has flagged, as JSON: the same bytes `JSON.stringify(clearView(number))` gives for an E.164 number. */
export function clearViewJson(e164: string): string {
  return (
    '{"number":"' +
    e164 +
    '","status":"CLEAR","label":null,"category":null,"blocked":false,"severity":null,"score":null,"reasons":[],"flagId":null,"windowStart":null,"windowEnd":null,"expiresAt":null,"verifiedBy":null,"updatedAt":null}'
  );
}

/**
 * True when the route's schema for the path parameter accepts `s`: 3 to 32
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

/** The path parameter of `/v1/numbers/{n}` decoded, or null when the target is anything else (another path, a query, bad escapes). */
export function numberParam(target: string): string | null {
  if (!target.startsWith(PREFIX)) return null;
  const raw = target.slice(PREFIX.length);
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

/** The hot path over `replica`: a 200 answer, or null when Fastify must answer. */
export function lookupHotPath(replica: LabelReplica, metrics: EnforcerMetrics): HotPath {
  const lookups = { CLEAR: metrics.lookups.labels({ status: 'CLEAR' }) };
  const counterOf = (status: string) => (lookups[status as 'CLEAR'] ??= metrics.lookups.labels({ status }));
  const fromReplica = metrics.lookupReads.labels(READ_REPLICA);
  const seconds = metrics.lookupSeconds;
  return (method, target): HotAnswer | null => {
    if (method !== 'GET') return null;
    const started = performance.now();
    const param = numberParam(target);
    if (param === null || !acceptedParam(param)) return null;
    const n = normalizeOrError(param);
    if (!n.ok) return null; // Fastify words the 400
    const hit = replica.response(n.value);
    if (hit === undefined) return null; // the replica cannot tell: Fastify's route reads Redis
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
    fromReplica.inc();
    counterOf(status).inc();
    seconds.observe((performance.now() - started) / 1000);
    return { headers: `${HEADERS}${bytes}\r\n`, body };
  };
}
