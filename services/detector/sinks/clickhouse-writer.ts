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
import { TsvBytes } from './tsv-bytes.ts';

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
/**
 * Rows encoded at a stretch within an insert. The body is a stream of such
 * pieces, each encoded when the HTTP request asks for more, so the event
 * loop runs I/O between them: encoding a checkpoint's 50,000 rows at once
 * held it for 100-160 ms at 50,000 events/s, and with it the input and the
 * flag lane.
 */
const PIECE = 5_000;

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
      await this.tsv(this.tables.numberMinute, NUMBER_MINUTE_COLUMNS, tsvPieces(rows.numberMinute, i, Math.min(rows.numberMinute.length, i + CHUNK), numberMinuteTsv));
    }
    for (let i = 0; i < rows.providerHour.length; i += CHUNK) {
      await this.tsv(this.tables.providerHour, PROVIDER_HOUR_COLUMNS, tsvPieces(rows.providerHour, i, Math.min(rows.providerHour.length, i + CHUNK), providerHourTsv));
    }
  }

  private async tsv(table: string, columns: [string, ...string[]], pieces: Iterable<Buffer>): Promise<void> {
    await this.ch.raw.insert({ table, values: Readable.from(pieces, { objectMode: false }), format: 'TabSeparated', columns });
  }
}

/** Rows [from, to) as TabSeparated bytes in pieces of {@link PIECE} rows, each encoded when it is pulled. */
export function* tsvPieces<R>(rows: readonly R[], from: number, to: number, encode: (rows: readonly R[], from: number, to: number) => Buffer): Generator<Buffer> {
  for (let i = from; i < to; i += PIECE) yield encode(rows, i, Math.min(to, i + PIECE));
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

/** Rows [from, to) of number_minute as TabSeparated lines (UTF-8 bytes). */
export function numberMinuteTsv(rows: readonly NumberMinuteRow[], from: number, to: number): Buffer {
  const out = new TsvBytes(tsvString, (to - from) * 64);
  for (let i = from; i < to; i++) {
    const r = rows[i];
    out.str(r.number).tab().unix(r.minute).tab().str(r.src).tab().num(r.calls).tab().num(r.answered).tab().num(r.rejected).tab();
    out.num(r.distinct_callees).tab().num(r.talk_seconds).tab().num(r.complaints).tab().num(r.version).newline();
  }
  return out.bytes();
}

/** Rows [from, to) of provider_hour as TabSeparated lines (UTF-8 bytes). */
export function providerHourTsv(rows: readonly ProviderHourRow[], from: number, to: number): Buffer {
  const out = new TsvBytes(tsvString, (to - from) * 48);
  for (let i = from; i < to; i++) {
    const r = rows[i];
    out.str(r.access_provider).tab().unix(r.hour).tab().str(r.src).tab().num(r.calls).tab().num(r.flagged_calls).tab().num(r.flagged_numbers).tab().num(r.version).newline();
  }
  return out.bytes();
}
