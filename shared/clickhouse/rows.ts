/**
 * Row shapes of the contract tables (schemas/clickhouse/) and the mapping
 * from a FlagEvent to its `flags` row, so every writer stores flags alike.
 */
import type { FlagEvent } from '../contracts/records.ts';

/** A row of `flags` as inserted (JSONEachRow). */
export interface FlagRow {
  flag_id: string;
  number: string;
  severity: FlagEvent['severity'];
  score: number;
  'reasons.rule': string[];
  'reasons.window_name': string[];
  'reasons.value': number[];
  'reasons.threshold': number[];
  window_start_ms: number;
  window_end_ms: number;
  detected_at_ms: number;
  emitted_at_ms: number;
  number_class: string;
  access_provider: string;
  'evidence.key': string[];
  'evidence.value': number[];
  version: number;
}

/** A row of `number_minute` (values cumulative per (number, minute, src); see the DDL). */
export interface NumberMinuteRow {
  number: string;
  /** Start of the minute, epoch seconds (UTC). */
  minute: number;
  src: string;
  calls: number;
  answered: number;
  rejected: number;
  distinct_callees: number;
  talk_seconds: number;
  complaints: number;
  version: number;
}

/** A row of `provider_hour` (values cumulative per (access_provider, hour, src)). */
export interface ProviderHourRow {
  access_provider: string;
  /** Start of the hour, epoch seconds (UTC). */
  hour: number;
  src: string;
  calls: number;
  flagged_calls: number;
  flagged_numbers: number;
  version: number;
}

/** Maps a FlagEvent to its `flags` row; `version` defaults to `emittedAt`. */
export function flagRow(flag: FlagEvent, version: number = flag.emittedAt): FlagRow {
  const evidence = Object.entries(flag.evidence);
  return {
    flag_id: flag.flagId,
    number: flag.number,
    severity: flag.severity,
    score: flag.score,
    'reasons.rule': flag.reasons.map((r) => r.rule),
    'reasons.window_name': flag.reasons.map((r) => r.window),
    'reasons.value': flag.reasons.map((r) => r.value),
    'reasons.threshold': flag.reasons.map((r) => r.threshold),
    window_start_ms: flag.windowStart,
    window_end_ms: flag.windowEnd,
    detected_at_ms: flag.detectedAt,
    emitted_at_ms: flag.emittedAt,
    number_class: flag.numberClass,
    access_provider: flag.accessProvider ?? '',
    'evidence.key': evidence.map(([k]) => k),
    'evidence.value': evidence.map(([, v]) => v),
    version,
  };
}
