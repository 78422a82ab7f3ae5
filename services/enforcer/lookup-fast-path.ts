/**
 * The hot path of call setup: `GET /v1/numbers/{n}` answered straight from
 * the label replica, with the response body the replica keeps as Redis
 * holds it (no route lookup, schema validation, hooks, reply object or
 * serialisation per request), or with one Redis GET when the replica cannot
 * tell (not loaded, key being re-read, no replica). Anything else — another
 * path or method, a number not in the usual ASCII forms, a failed Redis
 * read — is left to Fastify, so every error response stays exactly as it
 * was. lookup.ts calls it for each request, in front of Fastify, on the
 * same Node HTTP server.
 */
import { normalizeOrError } from '../../shared/numbers/index.ts';
import type { EnforcerMetrics } from './metrics.ts';
import type { LabelReplica } from './label-replica.ts';
import type { EnforcementStore } from './store.ts';
import { statusOfJson } from './label-entries.ts';

const PREFIX = '/v1/numbers/';
const READ_REPLICA = { from: 'replica' } as const;
const READ_REDIS = { from: 'redis' } as const;

/** A hot-path answer: status 200, this JSON body of `bytes` bytes (UTF-8). */
export interface HotAnswer {
  body: string;
  bytes: number;
}

/** Answers a request (now or later), or null to leave it to Fastify. */
export type HotPath = (method: string, target: string) => HotAnswer | Promise<HotAnswer | null> | null;

/** The view of a number nobody has flagged, as JSON: the same bytes `JSON.stringify(clearView(number))` gives for an E.164 number. */
export function clearViewJson(e164: string): string {
  return (
    '{"number":"' +
    e164 +
    '","status":"CLEAR","label":null,"category":null,"blocked":false,"severity":null,"score":null,"reasons":[],"flagId":null,"windowStart":null,"windowEnd":null,"expiresAt":null,"verifiedBy":null,"updatedAt":null}'
  );
}

/**
 * The hot path's quick test of the path parameter: 3 to 32 ASCII
 * characters, `^[+0-9][0-9 ().-]*$` — the usual forms. A fast path only:
 * what it refuses (full-width digits, '＋', a leading '(', a tab, …) is left
 * to Fastify's route, which normalises it like any other number and answers
 * 400 only for what does not normalise, so the 400 reads the same on both paths.
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

/** What the hot path reads: the replica when there is one, else (or when it cannot tell) the store. */
export interface HotPathSources {
  replica?: LabelReplica;
  store: Pick<EnforcementStore, 'lookupJson'>;
  metrics: EnforcerMetrics;
}

/** The hot path: a 200 answer (now, or once Redis has answered), or null when Fastify must answer. */
export function lookupHotPath(o: HotPathSources): HotPath {
  const { replica, store, metrics } = o;
  const lookups = { CLEAR: metrics.lookups.labels({ status: 'CLEAR' }) };
  const counterOf = (status: string) => (lookups[status as 'CLEAR'] ??= metrics.lookups.labels({ status }));
  const fromReplica = metrics.lookupReads.labels(READ_REPLICA);
  const fromRedis = metrics.lookupReads.labels(READ_REDIS);
  const seconds = metrics.lookupSeconds;
  const answer = (number: string, body: string | null, bytes: number, status: string, started: number): HotAnswer => {
    if (body === null) {
      body = clearViewJson(number); // ASCII: an E.164 number is '+' and digits
      bytes = body.length;
      status = 'CLEAR';
    }
    counterOf(status).inc();
    seconds.observe((performance.now() - started) / 1000);
    return { body, bytes };
  };
  return (method, target) => {
    if (method !== 'GET') return null;
    const started = performance.now();
    const param = numberParam(target);
    if (param === null || !acceptedParam(param)) return null;
    const n = normalizeOrError(param);
    if (!n.ok) return null; // Fastify words the 400
    const number = n.value;
    const hit = replica?.response(number);
    if (hit !== undefined) {
      fromReplica.inc();
      return hit === null ? answer(number, null, 0, 'CLEAR', started) : answer(number, hit.body, hit.bytes, hit.status, started);
    }
    // The replica cannot tell: one GET of the label key. A failed read goes to Fastify, which words the 503.
    fromRedis.inc();
    return store.lookupJson(number).then(
      (json) => (json === null ? answer(number, null, 0, 'CLEAR', started) : answer(number, json, Buffer.byteLength(json), statusOfJson(json), started)),
      () => null,
    );
  };
}
