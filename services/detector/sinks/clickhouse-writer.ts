/**
 * Writes the detector's rows to the contract tables (flags, number_minute,
 * provider_hour) in large JSONEachRow inserts. Rows are deterministic and
 * keyed for ReplacingMergeTree (see schemas/clickhouse/), so writing the
 * same rows again, after a retry or a replay, does not double count.
 */
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
    await this.insert(this.tables.flags, rows.flags);
    await this.insert(this.tables.numberMinute, rows.numberMinute);
    await this.insert(this.tables.providerHour, rows.providerHour);
  }

  private async insert(table: string, rows: readonly object[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) await this.ch.insert(table, rows.slice(i, i + CHUNK));
  }
}
