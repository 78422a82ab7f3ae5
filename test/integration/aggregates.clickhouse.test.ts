/**
 * The detector's aggregate rows on the real ClickHouse, through the
 * detector's own writer (TabSeparated bytes): odd strings arrive intact,
 * rewrites replace, and what the investigator views make of rows of several
 * srcs. A scratch database, dropped afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, dropDatabase, migrate, type ClickHouse, type NumberMinuteRow, type ProviderHourRow } from '../../shared/clickhouse/index.ts';
import { ClickHouseRowWriter } from '../../services/detector/sinks/clickhouse-writer.ts';
import { randomDatabase } from './helpers/names.ts';

let ch: ClickHouse;
let writer: ClickHouseRowWriter;
const database = randomDatabase();
const H = Date.UTC(2025, 2, 2, 10, 0, 0) / 1000;

beforeAll(async () => {
  ch = createClickHouse();
  await migrate(ch, { database });
  writer = new ClickHouseRowWriter(ch, database);
});

afterAll(async () => {
  if (ch) {
    await dropDatabase(ch, database);
    await ch.close();
  }
});

const hourRow = (over: Partial<ProviderHourRow>): ProviderHourRow => ({
  access_provider: 'CMCC',
  hour: H,
  src: 'calls/0',
  calls: 1,
  flagged_calls: 0,
  flagged_numbers: 0,
  version: 1,
  ...over,
});

describe('aggregate rows in ClickHouse', () => {
  it('keeps odd provider names and srcs exactly (tabs, newlines, backslashes, quotes, NUL, \\N, non-ASCII)', async () => {
    const names = ['tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', "quote'd", 'nul\0byte', '\\N', '\\', '中国移动', 'émoji 📞', 'x\t\n\\N\'y', ''];
    await writer.write({ flags: [], numberMinute: [], providerHour: names.map((n, i) => hourRow({ access_provider: n, src: `odd/${i}\t${n}`, calls: i + 1, version: i })) });
    const rows = await ch.query<{ access_provider: string; src: string; calls: string }>(
      `SELECT access_provider, src, calls FROM ${database}.provider_hour FINAL WHERE hour = toDateTime(${H}) AND src LIKE 'odd/%'`,
    );
    expect(rows.map((r) => [r.access_provider, r.src, Number(r.calls)]).sort((a, b) => (a[2] as number) - (b[2] as number))).toEqual(
      names.map((n, i) => [n, `odd/${i}\t${n}`, i + 1]),
    );
  });

  it('an insert of more rows than one streamed piece (5,000) arrives whole: every row once', async () => {
    const n = 12_345;
    const rows: NumberMinuteRow[] = Array.from({ length: n }, (_, i) => ({
      number: `+86139${String(i).padStart(8, '0')}`,
      minute: H + 60 * (i % 3),
      src: 'pieces/0',
      calls: (i % 5) + 1,
      answered: 0,
      rejected: 0,
      distinct_callees: 1,
      talk_seconds: 0,
      complaints: 0,
      version: i,
    }));
    await writer.write({ flags: [], numberMinute: rows, providerHour: [] });
    const [got] = await ch.query<{ n: string; calls: string; first: string; last: string }>(
      `SELECT count() AS n, sum(calls) AS calls, min(number) AS first, max(number) AS last FROM ${database}.number_minute FINAL WHERE src = 'pieces/0'`,
    );
    expect([Number(got.n), Number(got.calls), got.first, got.last]).toEqual([n, rows.reduce((a, r) => a + r.calls, 0), '+8613900000000', `+86139${String(n - 1).padStart(8, '0')}`]);
  });

  it('a rewrite of the same row or an older version replaces, never adds', async () => {
    const row: NumberMinuteRow = { number: '+8613800000001', minute: H, src: 'calls/1', calls: 3, answered: 1, rejected: 1, distinct_callees: 2, talk_seconds: 0.1 + 0.2, complaints: 0, version: 12 };
    await writer.write({ flags: [], numberMinute: [row], providerHour: [] });
    await writer.write({ flags: [], numberMinute: [row, { ...row, calls: 2, distinct_callees: 1, version: 11 }], providerHour: [] });
    const rows = await ch.query<{ calls: string; d: string; t: number; v: string }>(
      `SELECT calls, distinct_callees AS d, talk_seconds AS t, version AS v FROM ${database}.number_minute FINAL WHERE number = '+8613800000001'`,
    );
    expect(rows.map((r) => [Number(r.calls), Number(r.d), Number(r.t), Number(r.v)])).toEqual([[3, 2, 0.1 + 0.2, 12]]);
  });

  it('v_provider_day: the peak of flagged numbers per hour adds up the srcs of the hour', async () => {
    // Four partitions' rows of one provider and hour: 2 + 3 + 1 flagged numbers in hour H, 4 in hour H+1 (one src).
    const p = 'PEAK';
    await writer.write({
      flags: [],
      numberMinute: [],
      providerHour: [
        hourRow({ access_provider: p, src: 'calls/0', calls: 10, flagged_calls: 4, flagged_numbers: 2 }),
        hourRow({ access_provider: p, src: 'calls/1', calls: 10, flagged_calls: 5, flagged_numbers: 3 }),
        hourRow({ access_provider: p, src: 'calls/2', calls: 10, flagged_calls: 1, flagged_numbers: 1 }),
        hourRow({ access_provider: p, src: 'calls/3', hour: H + 3600, calls: 10, flagged_calls: 8, flagged_numbers: 4 }),
      ],
    });
    const rows = await ch.query<{ calls: string; flagged_calls: string; peak: string }>(
      `SELECT calls, flagged_calls, peak_flagged_numbers_per_hour AS peak FROM ${database}.v_provider_day WHERE access_provider = '${p}'`,
    );
    expect(rows.map((r) => [Number(r.calls), Number(r.flagged_calls), Number(r.peak)])).toEqual([[40, 18, 6]]);
  });
});
