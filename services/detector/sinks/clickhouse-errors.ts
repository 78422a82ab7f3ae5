/**
 * Tells a ClickHouse failure that will pass by itself (no connection, a
 * timeout, a server that is overloaded or restarting) from one that will
 * not until someone acts (a table or database missing, a column or type
 * that does not match, a syntax or permission error). Both are retried —
 * rows are only ever late, never dropped — but a permanent one is reported
 * loudly: error logs with the server's message, a gauge, and /readyz.
 *
 * Works with the error texts of 18.16 (`Code: 60, e.displayText() = …`,
 * not parsed by @clickhouse/client) and of current releases
 * (`ClickHouseError` with a `code`).
 */

/** A classified ClickHouse failure. */
export interface ClickHouseFailure {
  permanent: boolean;
  /** The server's error code, when the server answered with one. */
  code: number | null;
  /** The server's message (or the client's), first line, trimmed. */
  message: string;
}

/** Server codes that describe a passing condition (overload, timeouts, network, restarts, replicas). */
const TRANSIENT_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut mid-request)
  159, // TIMEOUT_EXCEEDED
  164, // READONLY (e.g. a replica in read-only mode while ZooKeeper/Keeper is away)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);

/** Node socket error codes of a connection that failed or broke. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** Classifies an error thrown by a ClickHouse call. Unknown shapes count as transient. */
export function classifyClickHouseError(err: unknown): ClickHouseFailure {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const raw = typeof e?.message === 'string' ? e.message : String(err);
  const text = raw.replace(/, e\.what\(\) = DB::Exception\s*$/s, '').trim().split('\n')[0] ?? '';
  const sys = typeof e?.code === 'string' ? e.code : '';
  const m = /^Code: (\d+)[.,]/.exec(text);
  const code = m ? Number(m[1]) : /^\d+$/.test(sys) ? Number(sys) : null;
  // No server code: the request did not get an answer (refused, cut, timed out) or the shape is unknown.
  if (code === null || CONNECTION_CODES.has(sys)) return { permanent: false, code: null, message: text || sys || 'request timed out' };
  return { permanent: !TRANSIENT_CODES.has(code), code, message: text };
}
