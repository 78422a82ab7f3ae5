/**
 * Idempotent ClickHouse migrations: applies `schemas/clickhouse/NNN_*.sql`
 * in file-name order to one database, records each applied file (name and
 * sha256) in `<database>.schema_migrations`, and skips recorded files on the
 * next run. A recorded file whose text changed is an error: write a new
 * file instead of editing an applied one.
 *
 * Files use `${database}` where the database name goes; the name is checked
 * against `[A-Za-z_][A-Za-z0-9_]*` and backtick-quoted, never taken raw.
 * Statements are separated by `;` at the end of a line; `--` comment lines
 * are dropped.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouse } from './client.ts';
import { quoteIdentifier } from './params.ts';

/** The project's DDL folder, `schemas/clickhouse/`. */
export const DEFAULT_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../schemas/clickhouse');

/** The bookkeeping file, applied first on every run. */
export const BOOKKEEPING_FILE = '000_schema_migrations.sql';

/** One migration file. */
export interface Migration {
  version: string;
  checksum: string;
  statements: string[];
}

/** What {@link migrate} did. */
export interface MigrateResult {
  database: string;
  applied: string[];
  skipped: string[];
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Target database, created when missing (default `callguard`). */
  database?: string;
  /** Folder of `.sql` files (default {@link DEFAULT_MIGRATIONS_DIR}). */
  dir?: string;
  /** Called once per file applied or skipped, for progress output. */
  onProgress?: (message: string) => void;
}

/** Splits a migration's text into statements, with `${database}` replaced by the quoted name. */
export function parseMigration(text: string, database: string): string[] {
  const db = quoteIdentifier(database);
  const body = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .replaceAll('${database}', db);
  return body
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Reads and parses every `.sql` file of `dir`, sorted by name. */
export async function loadMigrations(dir: string, database: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (version) => {
      const text = await readFile(join(dir, version), 'utf8');
      return {
        version,
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: parseMigration(text, database),
      };
    }),
  );
}

/** Applies the pending migrations to `database` (created if missing). Safe to run again. */
export async function migrate(ch: ClickHouse, options: MigrateOptions = {}): Promise<MigrateResult> {
  const database = options.database ?? 'callguard';
  const db = quoteIdentifier(database);
  const say = options.onProgress ?? (() => {});
  const migrations = await loadMigrations(options.dir ?? DEFAULT_MIGRATIONS_DIR, database);
  const bookkeeping = migrations.find((m) => m.version === BOOKKEEPING_FILE);
  if (!bookkeeping) throw new Error(`migrations folder lacks ${BOOKKEEPING_FILE}`);

  await ch.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  for (const statement of bookkeeping.statements) await ch.command(statement);

  const rows = await ch.query<{ version: string; checksum: string }>(
    `SELECT version, checksum FROM ${db}.schema_migrations FINAL`,
  );
  const recorded = new Map(rows.map((r) => [r.version, r.checksum]));
  const result: MigrateResult = { database, applied: [], skipped: [] };

  for (const m of migrations) {
    const seen = recorded.get(m.version);
    if (seen !== undefined) {
      if (seen !== m.checksum) {
        throw new Error(
          `migration ${m.version} was applied to ${database} with checksum ${seen.slice(0, 12)}… but the file now hashes to ${m.checksum.slice(0, 12)}…; add a new migration file instead of editing an applied one`,
        );
      }
      result.skipped.push(m.version);
      continue;
    }
    for (const statement of m.statements) await ch.command(statement);
    await ch.insert(`${db}.schema_migrations`, [
      { version: m.version, checksum: m.checksum, applied_at: Math.floor(Date.now() / 1000) },
    ]);
    result.applied.push(m.version);
    say(`applied ${m.version} to ${database}`);
  }
  return result;
}

/** Drops `database` (for tests that made their own). */
export async function dropDatabase(ch: ClickHouse, database: string): Promise<void> {
  await ch.command(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
}
