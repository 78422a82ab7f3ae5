import { describe, expect, it } from 'vitest';
import { loadMigrations, parseMigration, DEFAULT_MIGRATIONS_DIR } from './migrate.ts';

describe('parseMigration', () => {
  it('drops comment lines, splits statements and quotes the database', () => {
    const text = '-- about t\nCREATE TABLE IF NOT EXISTS ${database}.t (a UInt8)\nENGINE = Memory;\n\n-- next\nCREATE TABLE ${database}.u (b String) ENGINE = Memory;\n';
    expect(parseMigration(text, 'cg_1')).toEqual([
      'CREATE TABLE IF NOT EXISTS `cg_1`.t (a UInt8)\nENGINE = Memory',
      'CREATE TABLE `cg_1`.u (b String) ENGINE = Memory',
    ]);
  });

  it('refuses a database name that is not a plain identifier', () => {
    expect(() => parseMigration('SELECT 1', 'x`; DROP DATABASE y')).toThrow(/identifier/);
  });
});

describe('schemas/clickhouse', () => {
  it('holds the bookkeeping table first, then the contract tables, each keyed by a ReplacingMergeTree', async () => {
    // 00x: the contract tables; 1xx: the investigators' own table and views (checked by test/integration/investigator.*).
    const migrations = (await loadMigrations(DEFAULT_MIGRATIONS_DIR, 'callguard')).filter((m) => m.version.startsWith('00'));
    expect(migrations.map((m) => m.version)).toEqual(['000_schema_migrations.sql', '001_flags.sql', '002_number_minute.sql', '003_provider_hour.sql']);
    for (const m of migrations) {
      const sql = m.statements.join('\n');
      expect(sql).toMatch(/ENGINE = ReplacingMergeTree/);
      // What ClickHouse 18.16 does not have.
      expect(sql).not.toMatch(/\bTTL\b|DateTime64|LowCardinality|\bMap\(|\bJSON\b/);
    }
  });
});
