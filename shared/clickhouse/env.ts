/** Default ClickHouse HTTP endpoint of the local stack. */
export const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:8123';
/** Default database holding the contract tables. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'callguard';

/** ClickHouse URL from `CALLGUARD_CLICKHOUSE_URL` (credentials may be in the URL). */
export function clickHouseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.CALLGUARD_CLICKHOUSE_URL || DEFAULT_CLICKHOUSE_URL;
}

/** Database name from `CALLGUARD_CLICKHOUSE_DATABASE` (default `callguard`). */
export function clickHouseDatabaseFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.CALLGUARD_CLICKHOUSE_DATABASE || DEFAULT_CLICKHOUSE_DATABASE;
}
