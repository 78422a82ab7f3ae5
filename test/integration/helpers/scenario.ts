/**
 * Scenarios as files, for the detector's integration tests: traffic written
 * as JSON Lines by `callguard simulate` (or by a test), `callguard replay`
 * on those files as the oracle (once, or once per partition), and the
 * ClickHouse totals the traffic must leave. No Kafka, Redis or ClickHouse
 * here: see ../detector-harness.ts for the fixture around it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent } from '../../../shared/contracts/records.ts';
import { normalize } from '../../../shared/numbers/index.ts';
import { partitionOf } from '../../../services/detector/kafka/partitioner.ts';

const run = promisify(execFile);
/** The repository's root folder. */
export const ROOT = resolve(import.meta.dirname, '../../..');
/** The CLI entry (`node bin/callguard.mjs <cmd>`). */
export const CLI = join(ROOT, 'bin/callguard.mjs');

/** A scenario's records: what `callguard simulate` writes, or what a test makes up. */
export interface ScenarioRecords {
  calls: CallEvent[];
  complaints?: ComplaintReport[];
  consents?: ConsentRecord[];
  /** Numbers never flagged (allowlist.txt, one a line). */
  allowlist?: string[];
}

/** A scenario written as JSON Lines files in `dir` (calls, complaints, consents, allowlist.txt). */
export interface Scenario {
  dir: string;
  calls: CallEvent[];
  complaints: ComplaintReport[];
  consents: ConsentRecord[];
  allowlist: string[];
  cleanup(): void;
}

/** Records as JSON Lines: one JSON object a line, a newline after the last. */
export function jsonl(xs: unknown[]): string {
  return xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length > 0 ? '\n' : '');
}

/** Writes `r` as a scenario's four files into `dir` (created if missing). */
function writeFiles(dir: string, r: ScenarioRecords): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'calls.jsonl'), jsonl(r.calls));
  writeFileSync(join(dir, 'complaints.jsonl'), jsonl(r.complaints ?? []));
  writeFileSync(join(dir, 'consents.jsonl'), jsonl(r.consents ?? []));
  writeFileSync(join(dir, 'allowlist.txt'), (r.allowlist ?? []).map((n) => `${n}\n`).join(''));
}

/** A scenario of the given records, written to a fresh temporary folder (removed by its `cleanup`). */
export function writeScenario(r: ScenarioRecords): Scenario {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-detector-'));
  writeFiles(dir, r);
  return {
    dir,
    calls: r.calls,
    complaints: r.complaints ?? [],
    consents: r.consents ?? [],
    allowlist: r.allowlist ?? [],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `callguard simulate --out` into a temporary folder and reads the files back. */
export async function simulate(args: { seed: number; scale: number; hours: number; scenario?: string }): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-detector-'));
  await run(
    process.execPath,
    [CLI, 'simulate', '--scenario', args.scenario ?? 'default', '--seed', String(args.seed), '--scale', String(args.scale), '--hours', String(args.hours), '--out', dir, '--no-progress'],
    { cwd: ROOT, maxBuffer: 64 << 20 },
  );
  const lines = <T>(name: string): T[] =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as T);
  return {
    dir,
    calls: lines<CallEvent>('calls.jsonl'),
    complaints: lines<ComplaintReport>('complaints.jsonl'),
    consents: lines<ConsentRecord>('consents.jsonl'),
    allowlist: readFileSync(join(dir, 'allowlist.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `callguard replay` on a scenario's files: the flags it writes. */
export async function replay(s: Scenario, extraArgs: string[] = []): Promise<FlagEvent[]> {
  const { stdout } = await run(
    process.execPath,
    [
      CLI,
      'replay',
      '--calls',
      join(s.dir, 'calls.jsonl'),
      '--complaints',
      join(s.dir, 'complaints.jsonl'),
      '--consents',
      join(s.dir, 'consents.jsonl'),
      '--allowlist',
      join(s.dir, 'allowlist.txt'),
      '--quiet',
      ...extraArgs,
    ],
    { cwd: ROOT, maxBuffer: 256 << 20 },
  );
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FlagEvent);
}

/** A number as the contract keys carry it: E.164 when it normalises, else as given. */
export const key = (n: string): string => normalize(n) ?? n;

/**
 * What a detector with `n` partitions and no contact notes between them
 * must emit: replay run once per partition, on the calls keyed to it and
 * the complaints keyed to it (every consent and the allowlist each time).
 */
export async function replayPartitioned(s: Scenario, n: number, extraArgs: string[] = []): Promise<FlagEvent[]> {
  const out: FlagEvent[] = [];
  for (let p = 0; p < n; p++) {
    const dir = join(s.dir, `partition-${p}`);
    writeFiles(dir, {
      calls: s.calls.filter((c) => partitionOf(key(c.caller), n) === p),
      complaints: s.complaints.filter((c) => partitionOf(key(c.reported), n) === p),
      consents: s.consents,
      allowlist: s.allowlist,
    });
    out.push(...(await replay({ ...s, dir }, extraArgs)));
  }
  return out;
}

/** What ClickHouse should hold for a scenario: each distinct eventId/reportId counted once. */
export function expectedTotals(s: Scenario): { calls: number; answered: number; rejected: number; complaints: number } {
  const seen = new Set<string>();
  let calls = 0;
  let answered = 0;
  let rejected = 0;
  for (const c of s.calls) {
    if (seen.has(c.eventId)) continue;
    seen.add(c.eventId);
    calls++;
    if (c.outcome === 'ANSWERED') answered++;
    if (c.outcome === 'REJECTED') rejected++;
  }
  return { calls, answered, rejected, complaints: new Set(s.complaints.map((c) => c.reportId)).size };
}
