/** The investigator queries: SQL text (sql.ts) and typed access (investigator.ts). */
export * as sql from './sql.ts';
export {
  investigatorQueries,
  type InvestigatorQueries,
  type NumberSummary,
  type SeriesPoint,
  type FlagView,
  type ReviewInForce,
  type ReviewRecord,
  type QueueRow,
  type OffenderRow,
  type ProviderRow,
  type NumberTraffic,
  type PeriodQuery,
} from './investigator.ts';
