/**
 * A small ClickHouse client factory over @clickhouse/client that works the
 * same on Debian's ClickHouse 18.16 and on current releases: queries use
 * `{name:Type}` parameters, bound by the server when it supports them and
 * otherwise rendered client-side as escaped literals (see params.ts).
 */
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { bindQueryParams, type ParamValue } from './params.ts';
import { clickHouseUrlFromEnv } from './env.ts';

/** Options of {@link createClickHouse}. */
export interface ClickHouseOptions {
  /** HTTP endpoint, credentials allowed in the URL. Default: `CALLGUARD_CLICKHOUSE_URL` or http://127.0.0.1:8123. */
  url?: string;
  /** Request timeout in ms (default 30 000). */
  requestTimeoutMs?: number;
  /** `server` = always server-side params, `client` = always bind locally, `auto` (default) = ask the server once. */
  paramMode?: 'auto' | 'server' | 'client';
}

/** Query parameters keyed by placeholder name. */
export type QueryParams = Record<string, ParamValue>;

/** The project's ClickHouse handle. */
export interface ClickHouse {
  /** The underlying @clickhouse/client instance, for streaming and anything not wrapped here. */
  readonly raw: ClickHouseClient;
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers come back as strings). */
  query<T = Record<string, unknown>>(query: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, ALTER, ...). */
  command(query: string, params?: QueryParams): Promise<void>;
  /** Inserts rows as JSONEachRow into `table` (may be `db.table`). */
  insert(table: string, rows: readonly object[]): Promise<void>;
  /** True when `SELECT 1` answers. Never throws. */
  ping(): Promise<boolean>;
  /** The server's version string, e.g. `18.16.1`. */
  version(): Promise<string>;
  close(): Promise<void>;
}

/** Creates a {@link ClickHouse} handle; no connection is made until first use. */
export function createClickHouse(options: ClickHouseOptions = {}): ClickHouse {
  const raw = createClient({
    url: options.url ?? clickHouseUrlFromEnv(),
    request_timeout: options.requestTimeoutMs ?? 30_000,
    // 18.16 rejects settings it does not know, so send none by default.
    clickhouse_settings: {},
    // Failures are thrown to the caller, who logs them with context.
    log: { level: ClickHouseLogLevel.OFF },
  });
  let serverParams: Promise<boolean> | undefined;
  const useServerParams = (): Promise<boolean> => {
    if (options.paramMode === 'server') return Promise.resolve(true);
    if (options.paramMode === 'client') return Promise.resolve(false);
    serverParams ??= raw
      .query({ query: 'SELECT {p:UInt8} AS p', query_params: { p: 1 }, format: 'JSONEachRow' })
      .then(async (rs) => (await rs.json()).length === 1)
      .catch((err: unknown) => {
        // 18.16: "Unknown setting param_p" -> bind client-side from now on.
        if (String((err as Error)?.message).includes('param_')) return false;
        serverParams = undefined; // the server was simply unreachable: ask again next time
        throw err;
      });
    return serverParams;
  };
  const prepare = async (query: string, params?: QueryParams) => {
    if (!params || Object.keys(params).length === 0) return { query };
    return (await useServerParams()) ? { query, query_params: params } : { query: bindQueryParams(query, params) };
  };
  return {
    raw,
    async query<T>(query: string, params?: QueryParams): Promise<T[]> {
      const rs = await raw.query({ ...(await prepare(query, params)), format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async command(query: string, params?: QueryParams): Promise<void> {
      await raw.command(await prepare(query, params));
    },
    async insert(table: string, rows: readonly object[]): Promise<void> {
      if (rows.length === 0) return;
      await raw.insert({ table, values: rows as object[], format: 'JSONEachRow' });
    },
    async ping(): Promise<boolean> {
      try {
        const rs = await raw.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
        const rows = await rs.json<{ ok: number }>();
        return rows[0]?.ok === 1;
      } catch {
        return false;
      }
    },
    async version(): Promise<string> {
      const rs = await raw.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
      const rows = await rs.json<{ v: string }>();
      return rows[0]?.v ?? 'unknown';
    },
    close: () => raw.close(),
  };
}
