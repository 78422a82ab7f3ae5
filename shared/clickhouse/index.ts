/** ClickHouse helpers shared by the services: client factory, parameter binding, migrations, row shapes. */
export { createClickHouse, type ClickHouse, type ClickHouseOptions, type QueryParams } from './client.ts';
export { bindQueryParams, quoteIdentifier, quoteString, QueryParamError, type ParamValue } from './params.ts';
export { migrate, dropDatabase, loadMigrations, parseMigration, DEFAULT_MIGRATIONS_DIR, type MigrateResult, type MigrateOptions, type Migration } from './migrate.ts';
export { flagRow, type FlagRow, type NumberMinuteRow, type ProviderHourRow } from './rows.ts';
export { clickHouseUrlFromEnv, clickHouseDatabaseFromEnv, DEFAULT_CLICKHOUSE_URL, DEFAULT_CLICKHOUSE_DATABASE } from './env.ts';
