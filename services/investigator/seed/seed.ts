/**
 * `callguard investigate seed`: fills a ClickHouse database from
 * `callguard simulate` files and `callguard replay` flags — flags as they
 * are, calls and complaints folded into `number_minute` and `provider_hour`
 * rows (src `seed`) — so the console has a realistic database without the
 * streaming detector. Optionally shifts all event times so that the data
 * ends now. Progress on stderr.
 */
import { open, stat } from 'node:fs/promises';
import { createClickHouse, flagRow, migrate, quoteIdentifier, type ClickHouse } from '../../../shared/clickhouse/index.ts';
import { readJsonl } from '../../../shared/contracts/jsonl.ts';
import { parseCallEvent, parseComplaint } from '../../../shared/contracts/validate.ts';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { createProgress } from '../../../shared/io/index.ts';
import { parseFlagEvent } from '../../../shared/contracts/flag.ts';
import { TrafficAggregate, flaggedNumbers, shiftFlag } from './aggregate.ts';

/** Options of {@link seedDatabase}. */
export interface SeedOptions {
  database: string;
  calls: string;
  complaints?: string;
  flags: string;
  /** Move every event time so that the newest call starts about now (whole minutes). */
  shiftToNow?: boolean;
  quiet?: boolean;
  /** Where progress goes (default stderr). */
  say?: (line: string) => void;
}

/** What was written. */
export interface SeedResult {
  database: string;
  flags: number;
  numberMinuteRows: number;
  providerHourRows: number;
  calls: number;
  complaints: number;
  badLines: number;
  shiftMs: number;
}

const BATCH = 50_000;

/** Reads the files, migrates `database` and inserts the rows. */
export async function seedDatabase(o: SeedOptions, client?: ClickHouse): Promise<SeedResult> {
  const ch = client ?? createClickHouse();
  try {
    return await seed(o, ch);
  } finally {
    if (!client) await ch.close();
  }
}

async function seed(o: SeedOptions, ch: ClickHouse): Promise<SeedResult> {
  const say = o.say ?? ((l: string) => process.stderr.write(`[seed] ${l}\n`));
  const db = quoteIdentifier(o.database);
  await migrate(ch, { database: o.database, onProgress: say });

  let badLines = 0;
  const flags: FlagEvent[] = [];
  for await (const batch of readJsonl(o.flags, parseFlagEvent)) {
    flags.push(...batch.records);
    badLines += batch.bad.length;
  }
  const shiftMs = o.shiftToNow ? Math.floor((Date.now() - (await lastStartTime(o.calls))) / 60_000) * 60_000 : 0;
  if (shiftMs) say(`shifting event times by ${(shiftMs / 86_400_000).toFixed(1)} days so the data ends now`);

  const agg = new TrafficAggregate(flaggedNumbers(flags), shiftMs);
  const size = (await stat(o.calls)).size;
  const progress = createProgress({ total: size, label: 'seed calls', quiet: o.quiet });
  for await (const batch of readJsonl(o.calls, parseCallEvent)) {
    for (const c of batch.records) agg.addCall(c);
    badLines += batch.bad.length;
    progress.update(batch.bytesRead, agg.calls);
  }
  progress.stop();
  if (o.complaints) {
    for await (const batch of readJsonl(o.complaints, parseComplaint)) {
      for (const r of batch.records) agg.addComplaint(r);
      badLines += batch.bad.length;
    }
  }
  const { numberMinute, providerHour } = agg.rows('seed', 1);
  await insertAll(ch, `${db}.flags`, flags.map((f) => flagRow(shiftFlag(f, shiftMs))), say);
  await insertAll(ch, `${db}.number_minute`, numberMinute, say);
  await insertAll(ch, `${db}.provider_hour`, providerHour, say);
  return {
    database: o.database,
    flags: flags.length,
    numberMinuteRows: numberMinute.length,
    providerHourRows: providerHour.length,
    calls: agg.calls,
    complaints: agg.complaints,
    badLines,
    shiftMs,
  };
}

async function insertAll(ch: ClickHouse, table: string, rows: readonly object[], say: (l: string) => void): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await ch.insert(table, rows.slice(i, i + BATCH));
  say(`${table}: ${rows.length} rows`);
}

/** The largest startTime among the last lines of a calls file (the file is in event-time order, give or take). */
async function lastStartTime(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    let max = 0;
    for (const m of buf.toString('utf8').matchAll(/"startTime":(\d+)/g)) max = Math.max(max, Number(m[1]));
    if (max === 0) throw new Error(`${path}: no startTime found near the end of the file`);
    return max;
  } finally {
    await fh.close();
  }
}
