/**
 * ClickHouse through the migration's tables: a fresh database created by
 * the migration runner, rows written and read back, replays that do not
 * double count, parameters that cannot inject. Dropped afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, dropDatabase, flagRow, migrate, type ClickHouse, type NumberMinuteRow, type ProviderHourRow } from '../../shared/clickhouse/index.ts';
import { randomDatabase } from './helpers/names.ts';
import { sampleFlag } from './helpers/samples.ts';

let ch: ClickHouse;
const database = randomDatabase();

beforeAll(async () => {
  ch = createClickHouse();
});

afterAll(async () => {
  if (ch) {
    await dropDatabase(ch, database);
    await ch.close();
  }
});

describe('ClickHouse migrations', () => {
  it('creates the database and every table, and a second run applies nothing', async () => {
    const first = await migrate(ch, { database });
    expect(first.applied.slice(0, 4)).toEqual(['000_schema_migrations.sql', '001_flags.sql', '002_number_minute.sql', '003_provider_hour.sql']);
    const second = await migrate(ch, { database });
    expect(second.applied).toEqual([]);
    expect(second.skipped).toHaveLength(first.applied.length);

    const tables = await ch.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', { db: database });
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['flags', 'number_minute', 'provider_hour', 'schema_migrations']));
    const recorded = await ch.query<{ n: string }>(`SELECT count() AS n FROM ${database}.schema_migrations FINAL`);
    expect(Number(recorded[0].n)).toBe(first.applied.length);
  });
});

describe('contract tables', () => {
  it('stores a FlagEvent and keeps one row when the same flag is written again', async () => {
    const row = flagRow(sampleFlag);
    await ch.insert(`${database}.flags`, [row]);
    await ch.insert(`${database}.flags`, [row]); // a redelivery
    const rows = await ch.query<Record<string, unknown>>(
      `SELECT flag_id, severity, score, reasons.rule AS rules, reasons.window_name AS windows, evidence.key AS ek, evidence.value AS ev,
              detected_at_ms, toUnixTimestamp(detected_at) AS detected_s, access_provider
       FROM ${database}.flags FINAL WHERE number = {n:String}`,
      { n: sampleFlag.number },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      flag_id: sampleFlag.flagId,
      severity: 'BLOCK_RECOMMENDED',
      score: 91,
      rules: ['HIGH_FREQUENCY', 'COMPLAINTS'],
      windows: ['1h', '7d'],
      ek: Object.keys(sampleFlag.evidence),
      ev: Object.values(sampleFlag.evidence),
      detected_at_ms: String(sampleFlag.detectedAt),
      detected_s: Math.floor(sampleFlag.detectedAt / 1000),
      access_provider: 'carrier-a',
    });
  });

  it('number_minute: a replayed write replaces, a newer version wins, sources add up', async () => {
    const minute = Math.floor(Date.UTC(2026, 10, 28, 9, 30) / 1000);
    const base: NumberMinuteRow = {
      number: '+8613812345678', minute, src: 'callguard.calls.v1/2',
      calls: 10, answered: 2, rejected: 5, distinct_callees: 9, talk_seconds: 61.5, complaints: 0, version: 1000,
    };
    await ch.insert(`${database}.number_minute`, [base]);
    await ch.insert(`${database}.number_minute`, [base]); // retry of the same batch
    await ch.insert(`${database}.number_minute`, [{ ...base, calls: 12, rejected: 6, distinct_callees: 11, version: 1003 }]); // later cumulative
    await ch.insert(`${database}.number_minute`, [{ ...base, calls: 10, version: 1000 }]); // replay of the old batch after a crash
    await ch.insert(`${database}.number_minute`, [{ ...base, src: 'callguard.complaints.v1/2', calls: 0, answered: 0, rejected: 0, distinct_callees: 0, talk_seconds: 0, complaints: 2, version: 17 }]);
    await ch.insert(`${database}.number_minute`, [{ ...base, number: '+8613900000000', calls: 1, version: 5 }]);

    const rows = await ch.query<Record<string, string | number>>(
      `SELECT number, sum(calls) AS calls, sum(rejected) AS rejected, sum(distinct_callees) AS callees, sum(complaints) AS complaints, sum(talk_seconds) AS talk
       FROM ${database}.number_minute FINAL
       WHERE number = {n:String} AND minute = {m:DateTime}
       GROUP BY number`,
      { n: '+8613812345678', m: minute },
    );
    expect(rows).toEqual([{ number: '+8613812345678', calls: '12', rejected: '6', callees: '11', complaints: '2', talk: 61.5 }]);
  });

  it('provider_hour: keeps the highest version per (provider, hour, src)', async () => {
    const hour = Math.floor(Date.UTC(2026, 10, 28, 9) / 1000);
    const row: ProviderHourRow = { access_provider: 'carrier-a', hour, src: 'callguard.calls.v1/0', calls: 100, flagged_calls: 40, flagged_numbers: 2, version: 50 };
    await ch.insert(`${database}.provider_hour`, [row, { ...row, src: 'callguard.calls.v1/1', calls: 7, flagged_calls: 0, flagged_numbers: 0, version: 9 }]);
    await ch.insert(`${database}.provider_hour`, [{ ...row, calls: 130, flagged_calls: 55, version: 80 }, row]);
    const rows = await ch.query<{ calls: string; flagged: string }>(
      `SELECT sum(calls) AS calls, sum(flagged_calls) AS flagged FROM ${database}.provider_hour FINAL WHERE access_provider = {p:String} AND hour = {h:DateTime}`,
      { p: 'carrier-a', h: hour },
    );
    expect(rows).toEqual([{ calls: '137', flagged: '55' }]);
  });

  it('a parameter cannot inject SQL', async () => {
    // A row of its own, so that an injected `OR 1=1` would have something to match.
    await ch.insert(`${database}.flags`, [flagRow({ ...sampleFlag, flagId: 'inject-control', number: '+8613900000042' })]);
    const count = async (n: string) =>
      (await ch.query<{ n: string }>(`SELECT count() AS n FROM ${database}.flags WHERE number = {n:String}`, { n }))[0].n;
    expect(await count('+8613900000042')).toBe('1');
    expect(await count(`x' OR 1=1 OR number = '`)).toBe('0');
    expect(await count(`+8613900000042' OR '1'='1`)).toBe('0');
  });
});
