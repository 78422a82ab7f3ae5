/** The ClickHouse aggregates a partition computes from its events (pure, no I/O). */
export { NumberMinuteAggregate, type MinuteCall } from './number-minute.ts';
export { ProviderHourAggregate, type UndecidedFlag } from './provider-hour.ts';
export { PartitionAggregates, type AggregateRows } from './partition.ts';
