/**
 * Writes the detector's rows to the contract tables (flags, number_minute,
 * provider_hour) in large JSONEachRow inserts. Rows are deterministic and
 * keyed for ReplacingMergeTree (see schemas/clickhouse/), so writing the
 * same rows again, after a retry or a replay, does not double count.
 *
 * The aggregate tables get about one row per active number and minute, so
 * they are sent as TabSeparated text built directly (several times cheaper
 * than JSON objects); flags, few and with Nested columns, as JSONEachRow.
 * DateTime columns are sent as ten-digit Unix timestamps (time-zone free;
 * 18.16 accepts no other length).
 */
import { Readable } from 'node:stream';
import { quoteIdentifier, type ClickHouse, type FlagRow, type NumberMinuteRow, type ProviderHourRow } from '../../../shared/clickhouse/index.ts';

/** One checkpoint's rows. */
export interface RowBatch {
  flags: FlagRow[];
  numberMinute: NumberMinuteRow[];
  providerHour: ProviderHourRow[];
}

/** Where rows go; `write` resolves once every row is stored. */
export interface RowWriter {
  write(rows: RowBatch): Promise<void>;
}

const CHUNK = 50_000;

/** {@link RowWriter} over the project's ClickHouse client. */
export class ClickHouseRowWriter implements RowWriter {
  private readonly tables: { flags: string; numberMinute: string; providerHour: string };

  constructor(
    private readonly ch: ClickHouse,
    database: string,
  ) {
    const db = quoteIdentifier(database);
    this.tables = { flags: `${db}.flags`, numberMinute: `${db}.number_minute`, providerHour: `${db}.provider_hour` };
  }

  async write(rows: RowBatch): Promise<void> {
    for (let i = 0; i < rows.flags.length; i += CHUNK) await this.ch.insert(this.tables.flags, rows.flags.slice(i, i + CHUNK));
    for (let i = 0; i < rows.numberMinute.length; i += CHUNK) {
      await this.tsv(this.tables.numberMinute, NUMBER_MINUTE_COLUMNS, numberMinuteTsv(rows.numberMinute, i, Math.min(rows.numberMinute.length, i + CHUNK)));
    }
    for (let i = 0; i < rows.providerHour.length; i += CHUNK) {
      await this.tsv(this.tables.providerHour, PROVIDER_HOUR_COLUMNS, providerHourTsv(rows.providerHour, i, Math.min(rows.providerHour.length, i + CHUNK)));
    }
  }

  private async tsv(table: string, columns: [string, ...string[]], text: string): Promise<void> {
    await this.ch.raw.insert({ table, values: Readable.from([Buffer.from(text)], { objectMode: false }), format: 'TabSeparated', columns });
  }
}

const NUMBER_MINUTE_COLUMNS: [string, ...string[]] = ['number', 'minute', 'src', 'calls', 'answered', 'rejected', 'distinct_callees', 'talk_seconds', 'complaints', 'version'];
const PROVIDER_HOUR_COLUMNS: [string, ...string[]] = ['access_provider', 'hour', 'src', 'calls', 'flagged_calls', 'flagged_numbers', 'version'];

/** TabSeparated escaping of a String value. */
export function tsvString(v: string): string {
  return plain(v) ? v : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\0/g, '\\0').replace(/'/g, "\\'");
}

/** Whether `v` has none of the characters TabSeparated escapes (a character loop: several times cheaper than a regex on phone numbers). */
function plain(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13 || c === 0 || c === 39) return false;
  }
  return true;
}

/** A DateTime as ClickHouse 18.16 reads it in text formats time-zone free: exactly ten digits of Unix seconds. */
function unix(seconds: number): string {
  return seconds >= 1_000_000_000 && seconds < 10_000_000_000 ? String(seconds) : String(seconds).padStart(10, '0');
}

/** Escapes a row's `src` once per run of rows with the same one (a partition's rows share it). */
class SrcCache {
  private raw: string | null = null;
  private escaped = '';
  get(src: string): string {
    if (src !== this.raw) {
      this.raw = src;
      this.escaped = tsvString(src);
    }
    return this.escaped;
  }
}

/** Rows [from, to) of number_minute as TabSeparated lines. */
export function numberMinuteTsv(rows: readonly NumberMinuteRow[], from: number, to: number): string {
  let out = '';
  const src = new SrcCache();
  for (let i = from; i < to; i++) {
    const r = rows[i];
    out += `${tsvString(r.number)}\t${unix(r.minute)}\t${src.get(r.src)}\t${r.calls}\t${r.answered}\t${r.rejected}\t${r.distinct_callees}\t${r.talk_seconds}\t${r.complaints}\t${r.version}\n`;
  }
  return out;
}

/** Rows [from, to) of provider_hour as TabSeparated lines. */
export function providerHourTsv(rows: readonly ProviderHourRow[], from: number, to: number): string {
  let out = '';
  const src = new SrcCache();
  for (let i = from; i < to; i++) {
    const r = rows[i];
    out += `${tsvString(r.access_provider)}\t${unix(r.hour)}\t${src.get(r.src)}\t${r.calls}\t${r.flagged_calls}\t${r.flagged_numbers}\t${r.version}\n`;
  }
  return out;
}
