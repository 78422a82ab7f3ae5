/**
 * `callguard replay`: runs the detection engine over JSON Lines files with no
 * services at all, writing FlagEvents as JSON Lines to stdout and a summary
 * to stderr.
 *
 * Order of feeding: consents first (registrations, valid from their
 * grantedAt), then the allowlist, then calls and complaints merged by event
 * time as they stream. Unusable lines are reported as `<file>:<line>:
 * <error>` and skipped; the run goes on and exits 0.
 */
import { constants, type Stats } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { ConfigResult, EngineConfig } from '../../shared/config/index.ts';
import { readJsonl, type RecordBatch } from '../../shared/contracts/jsonl.ts';
import type { CallEvent, ComplaintReport } from '../../shared/contracts/records.ts';
import { parseCallEvent, parseComplaint, parseConsent } from '../../shared/contracts/validate.ts';
import type { Engine } from '../../shared/engine/index.ts';
import { createProgress } from '../../shared/io/index.ts';
import { readAllowlist } from './allowlist.ts';
import { RecordCursor } from './cursor.ts';
import { LineDiagnostics } from './diagnostics.ts';
import { mergeByTime, type MergeSink } from './merge.ts';
import { FlagWriter } from './output.ts';
import { configSources, formatSummary, type FileCounts, type ReplaySummary } from './summary.ts';
import { withoutLoneJumps, type JumpField } from './clock-jumps.ts';

/** The part of the engine that replay drives (kept narrow so that test doubles stay small). */
export type ReplayEngine = Pick<Engine, 'onCall' | 'onComplaint' | 'onConsent' | 'allow' | 'drainFlags' | 'finish' | 'stats'>;

/** The command-line options of `callguard replay`. */
export interface ReplayOptions {
  calls: string;
  complaints?: string;
  consents?: string;
  allowlist?: string;
  config?: string;
  /** No progress indicator (line reports and the summary are still printed). */
  quiet?: boolean;
}

/** Where the run writes and what it runs; the defaults are the process and the real engine. */
export interface ReplayContext {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  /** Wall clock for the flags' `emittedAt`; default Date.now. */
  now?: () => number;
  /** Monotonic clock (ms) for elapsed time and progress; default performance.now. */
  clock?: () => number;
  /** How many late-event reports are printed before the rest are only counted; default 100 (unusable lines are all printed). */
  maxLineReports?: number;
  loadConfig?: (opts: { file?: string; env?: NodeJS.ProcessEnv }) => ConfigResult;
  createEngine?: (config: EngineConfig, opts: { now: () => number }) => ReplayEngine;
}

/** Exit status and, when the run got that far, its summary. */
export interface ReplayResult {
  /**
   * 0: done (even with bad lines, or stdout closed by its reader: EPIPE); 1: failed while running; 2: bad usage,
   * missing file or invalid config; 3: writing the flags to stdout failed (ENOSPC, EIO …): the output is incomplete.
   */
  exitCode: 0 | 1 | 2 | 3;
  summary: ReplaySummary | null;
}

const PREFIX = 'callguard replay';

/** Runs a replay; never throws (failures become an exit code and a message on stderr). */
export async function runReplay(opts: ReplayOptions, ctx: ReplayContext): Promise<ReplayResult> {
  const err = ctx.stderr;
  const missing = await checkFiles(opts);
  if (missing.length > 0) {
    for (const m of missing) err.write(`${PREFIX}: ${m}\n`);
    return { exitCode: 2, summary: null };
  }
  const loadConfig = ctx.loadConfig ?? (await import('../../shared/config/index.ts')).loadConfig;
  const loaded = loadConfig({ file: opts.config, env: ctx.env ?? process.env });
  if (!loaded.ok) {
    err.write(`${PREFIX}: invalid config${opts.config ? ` (${opts.config})` : ''}:\n`);
    for (const e of loaded.errors) err.write(`  ${e}\n`);
    return { exitCode: 2, summary: null };
  }
  const createEngine = ctx.createEngine ?? (await import('../../shared/engine/index.ts')).createEngine;
  const engine = createEngine(loaded.config, { now: ctx.now ?? Date.now });
  try {
    const summary = await run(opts, ctx, engine, loaded.config);
    err.write(formatSummary(summary));
    if (summary.outputFailed !== null) {
      err.write(`${PREFIX}: writing flags to stdout failed: ${summary.outputFailed}; the output is incomplete\n`);
      return { exitCode: 3, summary };
    }
    return { exitCode: 0, summary };
  } catch (e) {
    err.write(`${PREFIX}: failed: ${(e as Error).message}\n`);
    return { exitCode: 1, summary: null };
  }
}

/**
 * Every given input must exist, be readable and be a regular file or a
 * stream read once to its end: a FIFO (`--calls <(zcat calls.jsonl.gz)`, a
 * pipe on /dev/stdin) or a character device. Checked here so that an input
 * this process may not read is a usage error, exit 2, not a failure in the
 * middle of the run. A regular file is opened and closed again; a FIFO is
 * only checked with access(R_OK), never opened: opening would wait for its
 * writer, and closing the read end before reading could kill the writer
 * with SIGPIPE. Returns one message per problem.
 */
async function checkFiles(opts: ReplayOptions): Promise<string[]> {
  const given: [string, string | undefined][] = [
    ['--calls', opts.calls],
    ['--complaints', opts.complaints],
    ['--consents', opts.consents],
    ['--allowlist', opts.allowlist],
    ['--config', opts.config],
  ];
  const problems: string[] = [];
  for (const [flag, path] of given) {
    if (path === undefined) continue;
    try {
      const s = await stat(path);
      if (s.isFile()) await (await open(path, 'r')).close();
      else if (isStream(s)) await access(path, constants.R_OK);
      else problems.push(`${flag} ${path}: ${kindOf(s)}; give a file, a pipe (FIFO) or a character device`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : (e as Error).message;
      problems.push(`${flag} ${path}: ${why}`);
    }
  }
  return problems;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'is a directory';
  if (s.isSocket()) return 'is a socket';
  if (s.isBlockDevice()) return 'is a block device';
  return 'not a regular file';
}

/** A FIFO or character device: read once to its end, its size not known in advance. */
function isStream(s: Stats): boolean {
  return s.isFIFO() || s.isCharacterDevice();
}

/** Bytes of the given inputs together, or null when one of them is a stream (its size is not known in advance). */
async function totalSize(paths: Array<string | undefined>): Promise<number | null> {
  let total = 0;
  for (const path of paths) {
    if (path === undefined) continue;
    const s = await stat(path);
    if (isStream(s)) return null;
    total += s.size;
  }
  return total;
}

async function run(opts: ReplayOptions, ctx: ReplayContext, engine: ReplayEngine, config: EngineConfig): Promise<ReplaySummary> {
  const clock = ctx.clock ?? (() => performance.now());
  const started = clock();
  const total = await totalSize([opts.calls, opts.complaints, opts.consents]);
  const progress = createProgress({ total, label: PREFIX, quiet: opts.quiet, stream: ctx.stderr, now: clock });
  // Line reports go above the progress bar, never onto its line; flags written to a terminal take the bar off its line first.
  const diag = new LineDiagnostics((text) => progress.log(text), ctx.maxLineReports ?? 100);
  const writer = new FlagWriter(ctx.stdout, ctx.stdout.isTTY ? () => progress.clear() : undefined);
  const counts = (path: string): FileCounts => ({ path, read: 0, bad: 0 });
  const reportBad =
    (f: FileCounts) =>
    <T>(batch: RecordBatch<T>) => {
      f.read += batch.records.length;
      f.bad += batch.bad.length;
      diag.badLines(f.path, batch.bad);
    };

  let consents: FileCounts | null = null;
  let allowlist: FileCounts | null = null;
  const calls = counts(opts.calls);
  let complaints: FileCounts | null = null;
  try {
    // 1. Consents: registrations, valid from their grantedAt.
    let consentBytes = 0;
    if (opts.consents !== undefined) {
      consents = counts(opts.consents);
      const seen = reportBad(consents);
      for await (const batch of readJsonl(opts.consents, parseConsent)) {
        seen(batch);
        for (const c of batch.records) engine.onConsent(c);
        consentBytes = batch.bytesRead;
        progress.update(consentBytes, consents.read);
      }
    }

    // 2. Allowlist: checked by the engine before any rule.
    if (opts.allowlist !== undefined) {
      const f = counts(opts.allowlist);
      const r = await readAllowlist(
        opts.allowlist,
        (n) => engine.allow(n),
        (lineNo, error) => diag.badLines(f.path, [{ lineNo, error }]),
      );
      f.read = r.numbers;
      f.bad = r.bad;
      allowlist = f;
    }

    // 3. Calls and complaints, merged by event time as they stream.
    // A lone record dated far ahead of its neighbours is a bad line, not the file's new time (clock-jumps.ts):
    // taken out of each file before the merge, so that it orders nothing. Calls may be out of order by the allowed
    // lateness; complaints, from slower channels, by their ageing window (the engine takes them that late).
    const callBatches = withoutLoneJumps(readJsonl(opts.calls, parseCallEvent), config.allowedLatenessMs, CALL_TIME);
    const callCursor = new RecordCursor(callBatches[Symbol.asyncIterator](), reportBad(calls));
    let complaintCursor: RecordCursor<ComplaintReport> | null = null;
    if (opts.complaints !== undefined) {
      complaints = counts(opts.complaints);
      const batches = withoutLoneJumps(readJsonl(opts.complaints, parseComplaint), config.rules.complaints.windowMs, COMPLAINT_TIME);
      complaintCursor = new RecordCursor(batches[Symbol.asyncIterator](), reportBad(complaints));
    }
    const consentsRead = consents?.read ?? 0;
    const sink: MergeSink = {
      call(e: CallEvent, lineNo: number) {
        if (engine.onCall(e) === 'late') diag.report(calls.path, lineNo, lateMessage(e.startTime));
      },
      complaint(c: ComplaintReport, lineNo: number) {
        if (engine.onComplaint(c) === 'late') diag.report(complaints!.path, lineNo, lateComplaintMessage(c.reportTime));
      },
      step() {
        const flags = engine.drainFlags();
        if (flags.length > 0) writer.add(flags);
        progress.update(consentBytes + callCursor.bytesRead + (complaintCursor?.bytesRead ?? 0), consentsRead + calls.read + (complaints?.read ?? 0));
        return writer.ready();
      },
      get stopped() {
        return writer.closed !== null;
      },
    };
    try {
      await mergeByTime(callCursor, complaintCursor, sink);
    } finally {
      await callCursor.close();
      await complaintCursor?.close();
    }
    engine.finish();
    writer.add(engine.drainFlags());
  } finally {
    // Ended before the flags are flushed (they may go to the same terminal) and when the run fails.
    progress.stop();
  }
  await writer.flush();
  diag.finish();

  const events = (consents?.read ?? 0) + calls.read + (complaints?.read ?? 0);
  const elapsedMs = clock() - started;
  return {
    calls,
    complaints,
    consents,
    allowlist,
    stats: engine.stats(),
    flagsWritten: writer.count,
    elapsedMs,
    eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0,
    outputClosed: writer.closed !== null && writer.failed === null,
    outputFailed: writer.failed?.message ?? null,
    config: configSources(opts.config, ctx.env ?? process.env),
  };
}

const CALL_TIME: JumpField<CallEvent> = { time: (e) => e.startTime, field: 'startTime', noun: 'calls' };
const COMPLAINT_TIME: JumpField<ComplaintReport> = { time: (c) => c.reportTime, field: 'reportTime', noun: 'complaints' };

function lateMessage(t: number): string {
  return `late event at ${new Date(t).toISOString()}: behind the watermark (event time minus allowed lateness), not counted`;
}

function lateComplaintMessage(t: number): string {
  return `late complaint at ${new Date(t).toISOString()}: older than the complaints window behind the watermark, not counted`;
}
