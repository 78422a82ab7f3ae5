import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type ConfigResult } from '../../shared/config/index.ts';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import { capture } from '../../test/replay/capture.ts';
import { FakeEngine } from '../../test/replay/fake-engine.ts';
import { FakeTerminal } from '../../test/replay/terminal.ts';
import { runReplay, type ReplayContext, type ReplayOptions } from './replay.ts';

const FIX = join(import.meta.dirname, '../../test/replay/fixtures/io');
const f = (name: string) => join(FIX, name);
// The fake engine needs no config; replay itself reads the tolerances of its clock-jump check (clock-jumps.ts).
const okConfig: ConfigResult = { ok: true, config: defaultConfig() };

async function replay(opts: Partial<ReplayOptions>, over: Partial<ReplayContext> = {}) {
  const stdout = capture();
  const stderr = capture();
  let engine: FakeEngine | undefined;
  const result = await runReplay(
    { calls: f('calls.jsonl'), quiet: true, ...opts },
    {
      stdout,
      stderr,
      env: {},
      now: () => 42,
      loadConfig: () => okConfig,
      createEngine: (_c, o) => (engine = new FakeEngine(o.now)),
      ...over,
    },
  );
  const flags = stdout
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FlagEvent);
  return { result, stdout: stdout.text(), stderr: stderr.text(), flags, engine: engine! };
}

const tmp = mkdtempSync(join(tmpdir(), 'callguard-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('runReplay with all four inputs', () => {
  it('reports each unusable line with its file and line number, skips it, and exits 0', async () => {
    const { result, stderr } = await replay({
      complaints: f('complaints.jsonl'),
      consents: f('consents.jsonl'),
      allowlist: f('allowlist.txt'),
    });
    expect(result.exitCode).toBe(0);
    const reports = stderr.split('\n').filter((l) => l.startsWith(FIX));
    const at = (name: string) => reports.filter((l) => l.startsWith(f(name) + ':')).map((l) => l.slice(f(name).length + 1));
    expect(at('consents.jsonl')).toEqual([expect.stringMatching(/^2: revokedAt: \d+ is before grantedAt \d+$/)]);
    expect(at('allowlist.txt')).toEqual(['5: not a phone number "not-a-number" (unexpected character "n")']);
    expect(at('calls.jsonl')).toEqual([
      expect.stringMatching(/^3: invalid JSON: /),
      '5: caller: not a phone number "abc" (unexpected character "a")',
      '6: answerTime: must be null when outcome is REJECTED',
      expect.stringMatching(/^7: late event at 2026-01-05T02:00:40.000Z: behind the watermark/),
    ]);
    expect(at('complaints.jsonl')).toEqual([
      '3: category: expected one of MARKETING, HARASSMENT, FRAUD, OTHER, got "SPAM"',
    ]);
  });

  it('feeds consents, then the allowlist, then calls and complaints merged by event time (calls first on ties)', async () => {
    const { engine } = await replay({
      complaints: f('complaints.jsonl'),
      consents: f('consents.jsonl'),
      allowlist: f('allowlist.txt'),
    });
    expect(engine.log.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'consent +8695588>+8613900000001',
      'consent +864001234567>+8613900000003',
      'allow +862088886666',
      'allow +8613800000099',
      'call c1',
      'complaint r1',
      'call flag-c2',
      'complaint r2',
      'call late-c6',
      'call c7',
      'call c7',
      'complaint r4',
      'call flag-c8',
      'complaint r5',
      'finish',
    ]);
    // numbers reach the engine normalised
    expect(engine.log).toContain('call flag-c2 1767578410000 +8613800000002>+8613900000002');
    expect(engine.log).toContain('call flag-c8 1767578470000 +862088886666>+8613900000008');
  });

  describe('a record dated far ahead of its neighbours (a clock error) is skipped before the merge and orders nothing', () => {
    const T = Date.UTC(2026, 0, 5, 2);
    const YEAR = 365 * 86_400_000;
    const call = (id: string, at: number) =>
      JSON.stringify({ eventId: id, probeId: 'p', caller: '+8613800000001', callee: '+8613900000001', startTime: at, answerTime: null, endTime: at + 5_000, outcome: 'NO_ANSWER', releaseCause: 480, accessProvider: null });
    const complaint = (id: string, at: number) =>
      JSON.stringify({ reportId: id, reporter: '+8613900000001', reported: '+8613800000001', reportTime: at, category: 'MARKETING', channel: null });
    const files = (name: string, calls: string[], complaints: string[]) => {
      const c = join(tmp, `${name}-calls.jsonl`);
      const k = join(tmp, `${name}-complaints.jsonl`);
      writeFileSync(c, calls.join('\n'));
      writeFileSync(k, complaints.join('\n'));
      return { calls: c, complaints: k };
    };
    const order = (log: string[]) => log.filter((l) => !l.startsWith('finish')).map((l) => l.split(' ').slice(0, 2).join(' '));

    it('a call in the middle: the complaints are fed in time order with the calls after it', async () => {
      const io = files('jump-mid', [call('c1', T), call('c2', T + YEAR), call('c3', T + 120_000), call('c4', T + 180_000)], [complaint('k1', T + 150_000)]);
      const { engine, stderr, result } = await replay(io);
      expect(order(engine.log)).toEqual(['call c1', 'call c3', 'complaint k1', 'call c4']);
      expect(stderr).toContain(`${io.calls}:2: startTime 2027-01-05T02:00:00.000Z is far ahead of the calls before it (newest 2026-01-05T02:00:00.000Z) and far ahead of the calls after it (2026-01-05T02:02:00.000Z): skipped as a clock error`);
      expect(result.summary!.calls).toEqual({ path: io.calls, read: 3, bad: 1 });
    });

    it('the first call of the file: the calls after it go on (not late)', async () => {
      const io = files('jump-first', [call('c0', T + YEAR), call('c1', T), call('c2', T + 60_000), call('c3', T + 120_000)], [complaint('k1', T + 90_000)]);
      const { engine, stderr } = await replay(io);
      expect(order(engine.log)).toEqual(['call c1', 'call c2', 'complaint k1', 'call c3']);
      expect(stderr).toContain(`${io.calls}:1: startTime 2027-01-05T02:00:00.000Z is the first of the file and far ahead of the calls after it (2026-01-05T02:00:00.000Z): skipped as a clock error`);
    });

    it('a complaint: the complaints after it are not held back behind the calls', async () => {
      const io = files('jump-complaint', [call('c1', T), call('c2', T + 60_000), call('c3', T + 120_000)], [complaint('k0', T + YEAR), complaint('k1', T + 30_000), complaint('k2', T + 90_000)]);
      const { engine, stderr, result } = await replay(io);
      expect(order(engine.log)).toEqual(['call c1', 'complaint k1', 'call c2', 'complaint k2', 'call c3']);
      expect(stderr).toContain(`${io.complaints}:1: reportTime 2027-01-05T02:00:00.000Z is the first of the file and far ahead of the complaints after it`);
      expect(result.summary!.complaints).toEqual({ path: io.complaints, read: 2, bad: 1 });
    });

    it('complaints out of order by more than the calls may be are no clock error (complaints come late): all go on', async () => {
      const io = files('late-complaint-order', [call('c1', T + 2 * 3_600_000)], [complaint('k1', T), complaint('k2', T + 3_600_000), complaint('k3', T + 1_800_000)]);
      const { engine, stderr } = await replay(io);
      expect(engine.log.filter((l) => l.startsWith('complaint')).map((l) => l.split(' ')[1]).sort()).toEqual(['k1', 'k2', 'k3']);
      expect(stderr).not.toContain('clock error');
    });
  });

  it('writes the engine’s flags as JSON Lines to stdout, in emission order', async () => {
    const { flags } = await replay({ complaints: f('complaints.jsonl') });
    expect(flags.map((x) => [x.flagId, x.number, x.emittedAt])).toEqual([
      ['fake-1', '+8613800000002', 42],
      ['fake-2', '+862088886666', 42],
    ]);
  });

  it('returns and prints a summary with per-file counts and the engine’s counters', async () => {
    const { result, stderr } = await replay({
      complaints: f('complaints.jsonl'),
      consents: f('consents.jsonl'),
      allowlist: f('allowlist.txt'),
    });
    const s = result.summary!;
    expect(s.calls).toEqual({ path: f('calls.jsonl'), read: 6, bad: 3 });
    expect(s.complaints).toEqual({ path: f('complaints.jsonl'), read: 4, bad: 1 });
    expect(s.consents).toEqual({ path: f('consents.jsonl'), read: 2, bad: 1 });
    expect(s.allowlist).toEqual({ path: f('allowlist.txt'), read: 2, bad: 1 });
    expect(s.stats).toMatchObject({ calls: 4, complaints: 4, consents: 2, duplicates: 1, late: 1 });
    expect(s.flagsWritten).toBe(2);
    expect(s.outputClosed).toBe(false);
    expect(stderr).toContain('callguard replay summary\n');
    expect(stderr).toMatch(/calls +.*calls\.jsonl: 6 records, 3 bad lines/);
    expect(stderr).toMatch(/complaints +.*complaints\.jsonl: 4 records, 1 bad line\n/);
    expect(stderr).toMatch(/allowlist +.*allowlist\.txt: 2 numbers, 1 bad line\n/);
    expect(stderr).toMatch(/duplicates +1 /);
    expect(stderr).toMatch(/late +1 /);
    expect(stderr).toMatch(/flags +2 written — WATCH 0, LABEL 2, BLOCK_RECOMMENDED 0/);
    expect(stderr).toMatch(/by rule +HIGH_FREQUENCY 2/);
    expect(stderr).toMatch(/time +\d+\.\d s, [\d,]+ events\/s/);
    expect(stderr).toMatch(/config +defaults\n/);
  });

  it('names where the engine config came from: --config, and CALLGUARD_ENGINE_CONFIG applied on top', async () => {
    const inline = await replay({ config: f('calls.jsonl') }, { env: { CALLGUARD_ENGINE_CONFIG: '{}' } });
    expect(inline.result.summary!.config).toBe(`${f('calls.jsonl')} + CALLGUARD_ENGINE_CONFIG`);
    expect(inline.stderr).toMatch(/config +.*calls\.jsonl \+ CALLGUARD_ENGINE_CONFIG\n/);
    expect((await replay({}, { env: { CALLGUARD_ENGINE_CONFIG: '{}' } })).result.summary!.config).toBe('defaults + CALLGUARD_ENGINE_CONFIG');
  });

  it('prints no progress under --quiet, and plain progress lines otherwise when stderr is not a terminal', async () => {
    let t = 0;
    const clock = () => (t += 10_000); // every reading of the clock is 10 s later
    const quiet = await replay({}, { clock });
    expect(quiet.stderr).not.toMatch(/^callguard replay: \d/m);
    t = 0;
    const loud = await replay({ quiet: false }, { clock });
    expect(loud.stderr).toMatch(/^callguard replay: \d+\.\d% \(/m);
  });
});

describe('runReplay with the real engine', () => {
  it('reports a complaint older than the complaints window behind the watermark by line and counts it as late, not as a complaint', async () => {
    const T = Date.UTC(2025, 2, 3, 10);
    const calls = join(tmp, 'late-complaint-calls.jsonl');
    const complaints = join(tmp, 'late-complaint-complaints.jsonl');
    const call = (i: number) =>
      JSON.stringify({ eventId: `e${i}`, probeId: 'p', caller: '+8617012345678', callee: `+86139${10_000_000 + i}`, startTime: T + i * 20_000, answerTime: null, endTime: T + i * 20_000 + 5_000, outcome: 'NO_ANSWER', releaseCause: 480, accessProvider: 'X' });
    const complaint = (id: string, at: number) =>
      JSON.stringify({ reportId: id, reporter: '+8613900000001', reported: '+8617012345678', reportTime: at, category: 'MARKETING', channel: null });
    writeFileSync(calls, Array.from({ length: 5 }, (_, i) => call(i)).join('\n'));
    // Line 2 is 40 days before line 1: read after the calls, it is older than the 30-day window behind their watermark.
    writeFileSync(complaints, [complaint('new', T + 3_600_000), complaint('old', T - 40 * 86_400_000)].join('\n'));
    const err = capture();
    const result = await runReplay({ calls, complaints, quiet: true }, { stdout: capture(), stderr: err, env: {} }); // default config and engine
    const stderr = err.text();
    expect(result.exitCode).toBe(0);
    expect(stderr.split('\n').filter((l) => l.startsWith(complaints + ':'))).toEqual([
      `${complaints}:2: late complaint at 2025-01-22T10:00:00.000Z: older than the complaints window behind the watermark, not counted`,
    ]);
    const s = result.summary!;
    expect(s.complaints).toEqual({ path: complaints, read: 2, bad: 0 });
    expect(s.stats).toMatchObject({ calls: 5, complaints: 1, late: 1, duplicates: 0 });
    expect(stderr).toMatch(/late +1 \(behind the watermark: reported, not counted\)/);
  });
});

describe('runReplay on an interactive terminal (stdout and stderr both on it)', () => {
  const BAR = /^callguard replay \[[█░]+\] \d+% \| /;

  /** Runs on a terminal `columns` wide with progress on; the clock moves 1 s at each reading, so the bar is redrawn at every update. */
  async function onTerminal(opts: Partial<ReplayOptions>, columns = 400) {
    const term = new FakeTerminal(columns);
    let t = 0;
    const result = await runReplay(
      { calls: f('calls.jsonl'), ...opts, quiet: false },
      {
        stdout: term.stream(),
        stderr: term.stream(),
        env: {},
        now: () => 42,
        clock: () => (t += 1000),
        loadConfig: () => okConfig,
        createEngine: (_c, o) => new FakeEngine(o.now),
      },
    );
    return { result, term, screen: term.screen() };
  }

  it('shows each line report and flag whole on a line of its own, ends the bar before the flags, and never turns line wrap off', async () => {
    const inputs = { complaints: f('complaints.jsonl'), consents: f('consents.jsonl'), allowlist: f('allowlist.txt') };
    const plain = await replay(inputs); // what stdout and stderr carry, without a terminal
    const { result, term, screen } = await onTerminal(inputs);
    expect(result.exitCode).toBe(0);
    const reports = plain.stderr.split('\n').filter((l) => l.startsWith(FIX));
    expect(reports.length).toBe(7);
    expect(screen.filter((l) => l.startsWith(FIX))).toEqual(reports);
    const flags = plain.stdout.trimEnd().split('\n');
    expect(screen.filter((l) => l.startsWith('{'))).toEqual(flags);
    // One bar left on the screen, at 100 %, below the last report and above the flags, then the summary
    const bars = screen.flatMap((l, i) => (BAR.test(l) ? [i] : []));
    expect(bars).toHaveLength(1);
    expect(screen[bars[0]]).toContain('] 100% |');
    expect(bars[0]).toBe(screen.indexOf(reports.at(-1)!) + 1);
    expect(screen[bars[0] + 1]).toBe(flags[0]);
    expect(screen[bars[0] + 1 + flags.length]).toBe('callguard replay summary');
    expect(term.raw).not.toContain('\x1b[?7l');
    expect(term.raw).not.toMatch(/\x1b[78]/);
  });

  it('keeps flags written mid-run (64 KiB chunks) and reports off the bar’s line', async () => {
    const T = Date.UTC(2026, 0, 5);
    const p = join(tmp, 'tty-many.jsonl');
    const lines = Array.from({ length: 3000 }, (_, i) =>
      i % 250 === 7
        ? `oops ${i}`
        : JSON.stringify({ eventId: `flag-${i}`, probeId: 'p', caller: `138${String(i).padStart(8, '0')}`, callee: '13900000001', startTime: T + i, endTime: T + i + 1000, outcome: 'NO_ANSWER' }),
    );
    writeFileSync(p, lines.join('\n') + '\n');
    const { result, screen } = await onTerminal({ calls: p });
    expect(result.exitCode).toBe(0);
    const bad = lines.filter((l) => l.startsWith('oops')).length;
    expect(screen.filter((l) => l.startsWith(p + ':'))).toHaveLength(bad);
    const flagRows = screen.filter((l) => l.startsWith('{'));
    expect(flagRows).toHaveLength(3000 - bad);
    for (const l of flagRows) expect(() => JSON.parse(l)).not.toThrow();
    expect(screen.filter((l) => BAR.test(l))).toHaveLength(1);
    expect(screen.filter((l) => l.includes('callguard replay [') && !BAR.test(l))).toEqual([]);
  });
});

describe('runReplay on bad usage', () => {
  it('exits 2 naming every missing file, before reading anything', async () => {
    let created = false;
    const { result, stderr } = await replay(
      { calls: f('nope.jsonl'), complaints: f('complaints.jsonl'), consents: join(tmp, 'gone.jsonl'), allowlist: FIX },
      { createEngine: () => ((created = true), new FakeEngine()) },
    );
    expect(result).toEqual({ exitCode: 2, summary: null });
    expect(created).toBe(false);
    expect(stderr).toBe(
      `callguard replay: --calls ${f('nope.jsonl')}: no such file\n` +
        `callguard replay: --consents ${join(tmp, 'gone.jsonl')}: no such file\n` +
        `callguard replay: --allowlist ${FIX}: is a directory; give a file, a pipe (FIFO) or a character device\n`,
    );
  });

  it('exits 2 printing every config error', async () => {
    const cfg = join(tmp, 'bad.yaml');
    writeFileSync(cfg, 'x: 1\n');
    let seenFile: string | undefined;
    const { result, stderr } = await replay(
      { config: cfg },
      {
        loadConfig: (o) => {
          seenFile = o.file;
          return { ok: false, errors: ['severity.watch: too small', '(root): Unrecognized key: "x"'] };
        },
      },
    );
    expect(seenFile).toBe(cfg);
    expect(result.exitCode).toBe(2);
    expect(stderr).toBe(
      `callguard replay: invalid config (${cfg}):\n  severity.watch: too small\n  (root): Unrecognized key: "x"\n`,
    );
  });

  it('exits 1 with a message when the engine fails mid-run', async () => {
    const { result, stderr } = await replay(
      {},
      {
        createEngine: () => {
          const e = new FakeEngine();
          e.onCall = () => {
            throw new Error('boom');
          };
          return e;
        },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(stderr).toContain('callguard replay: failed: boom');
  });
});

describe('runReplay on larger inputs', () => {
  const T = Date.UTC(2026, 0, 5);
  const line = (i: number) =>
    JSON.stringify({
      eventId: `flag-${i}`,
      probeId: 'p',
      caller: `138${String(i).padStart(8, '0')}`,
      callee: '13900000001',
      startTime: T + i,
      endTime: T + i + 1000,
      outcome: 'NO_ANSWER',
    });

  it('reports every malformed line with its line number, however many (contract); caps only late-event reports', async () => {
    const p = join(tmp, 'many-bad.jsonl');
    writeFileSync(p, Array.from({ length: 250 }, (_, i) => (i % 2 ? line(i) : `oops ${i}`)).join('\n'));
    const al = join(tmp, 'many-bad-allowlist.txt');
    writeFileSync(al, Array.from({ length: 30 }, (_, i) => `bad-${i}`).join('\n'));
    const { result, stderr } = await replay({ calls: p, allowlist: al }, { maxLineReports: 10 });
    expect(result.summary!.calls).toMatchObject({ read: 125, bad: 125 });
    const shown = stderr.split('\n').filter((l) => l.startsWith(p + ':'));
    expect(shown.length).toBe(125);
    expect(shown[0]).toMatch(new RegExp(`^${p}:1: invalid JSON`));
    expect(shown[124]).toMatch(new RegExp(`^${p}:249: invalid JSON`));
    expect(stderr.split('\n').filter((l) => l.startsWith(al + ':')).length).toBe(30);
    expect(stderr).not.toContain('not shown');

    const late = join(tmp, 'many-late.jsonl');
    writeFileSync(late, Array.from({ length: 40 }, (_, i) => line(i).replace(`"flag-${i}"`, `"late-${i}"`)).join('\n'));
    const r = await replay({ calls: late }, { maxLineReports: 10 });
    expect(r.stderr.split('\n').filter((l) => l.startsWith(late + ':')).length).toBe(10);
    expect(r.stderr).toContain('… 30 more late-event reports not shown (first 10 printed)');
  });

  it('waits for a slow stdout (backpressure) and loses no flag', async () => {
    const p = join(tmp, 'many.jsonl');
    const n = 20_000;
    writeFileSync(p, Array.from({ length: n }, (_, i) => line(i)).join('\n') + '\n');
    const stdout = capture({ highWaterMark: 1024, delayMs: 0 });
    let maxBuffered = 0;
    const origWrite = stdout.write.bind(stdout);
    stdout.write = ((chunk: string, ...rest: never[]) => {
      const r = origWrite(chunk, ...rest);
      maxBuffered = Math.max(maxBuffered, stdout.writableLength);
      return r;
    }) as typeof stdout.write;
    const stderr = capture();
    const result = await runReplay(
      { calls: p, quiet: true },
      { stdout, stderr, loadConfig: () => okConfig, createEngine: () => new FakeEngine() },
    );
    expect(result.exitCode).toBe(0);
    const ids = stdout.text().trimEnd().split('\n').map((l) => (JSON.parse(l) as FlagEvent).flagId);
    expect(ids.length).toBe(n);
    expect(ids[0]).toBe('fake-1');
    expect(ids[n - 1]).toBe(`fake-${n}`);
    // never more than one chunk (64 KiB) beyond the high-water mark is queued
    expect(maxBuffered).toBeLessThan(1024 + 2 * 64 * 1024);
  });

  it('stops early without failing when stdout is closed by its reader', async () => {
    const p = join(tmp, 'many2.jsonl');
    writeFileSync(p, Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n') + '\n');
    let writes = 0;
    const stdout = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        writes++;
        if (writes === 2) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else setImmediate(cb);
      },
    });
    const stderr = capture();
    const result = await runReplay(
      { calls: p, quiet: true },
      { stdout, stderr, loadConfig: () => okConfig, createEngine: () => new FakeEngine() },
    );
    expect(result.exitCode).toBe(0);
    expect(result.summary!.outputClosed).toBe(true);
    expect(result.summary!.calls.read).toBeLessThan(20_000);
    expect(stderr.text()).toContain('closed by its reader before the end');
  });

  /** A stdout whose `failAt`-th write fails with `code` (the rest are accepted). */
  const failingStdout = (failAt: number, code: string) => {
    let writes = 0;
    return new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        if (++writes === failAt) cb(Object.assign(new Error(`${code}: write failed, write`), { code }));
        else setImmediate(cb);
      },
    });
  };

  it('exits 3 naming the cause when writing stdout fails mid-run other than by EPIPE (ENOSPC: disk full)', async () => {
    const p = join(tmp, 'many3.jsonl');
    writeFileSync(p, Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n') + '\n');
    const stderr = capture();
    const result = await runReplay(
      { calls: p, quiet: true },
      { stdout: failingStdout(2, 'ENOSPC'), stderr, loadConfig: () => okConfig, createEngine: () => new FakeEngine() },
    );
    expect(result.exitCode).toBe(3);
    expect(result.summary!.outputFailed).toContain('ENOSPC');
    expect(result.summary!.outputClosed).toBe(false);
    expect(result.summary!.calls.read).toBeLessThan(20_000);
    const text = stderr.text();
    expect(text).toContain('callguard replay: writing flags to stdout failed: ENOSPC');
    expect(text).toContain('not all written');
    expect(text).not.toContain('closed by its reader');
  });

  it('exits 3 when the only write, at the end of the run, fails (EIO), though the error event comes a tick later', async () => {
    const stderr = capture();
    const result = await runReplay(
      { calls: f('calls.jsonl'), quiet: true },
      { stdout: failingStdout(1, 'EIO'), stderr, loadConfig: () => okConfig, createEngine: () => new FakeEngine() },
    );
    expect(result.exitCode).toBe(3);
    expect(result.summary!.flagsWritten).toBeGreaterThan(0);
    expect(stderr.text()).toContain('callguard replay: writing flags to stdout failed: EIO');
  });

  it('exits 3 writing to /dev/full (ENOSPC), not 0', async () => {
    const stderr = capture();
    const result = await runReplay(
      { calls: f('calls.jsonl'), quiet: true },
      { stdout: createWriteStream('/dev/full'), stderr, loadConfig: () => okConfig, createEngine: () => new FakeEngine() },
    );
    expect(result.exitCode).toBe(3);
    expect(stderr.text()).toMatch(/writing flags to stdout failed: ENOSPC: no space left on device/);
  });
});

describe('runReplay on pipes (FIFOs, character devices)', () => {
  const MIXED = join(import.meta.dirname, '../../test/replay/fixtures/mixed');
  const m = (name: string) => join(MIXED, name);
  let fifos = 0;
  const mkfifo = () => {
    const path = join(tmp, `input-${++fifos}.fifo`);
    execFileSync('mkfifo', [path]);
    return path;
  };
  const writers = new Set<ChildProcess>();
  /** A child that writes `file` into `fifo` as `<(zcat file.gz)` would; resolves with how it ended. */
  const writeInto = (fifo: string, file: string) => {
    const child = spawn('sh', ['-c', 'cat "$0" > "$1"', file, fifo], { stdio: 'ignore' });
    writers.add(child);
    return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        writers.delete(child);
        resolve({ code, signal });
      }),
    );
  };
  // A writer whose FIFO was never opened for reading (a failed case) waits forever: end it with its test.
  afterEach(() => {
    for (const w of writers) w.kill();
  });
  /** The real engine and default config; `emittedAt` fixed so that runs compare byte for byte. */
  const real = { loadConfig: undefined, createEngine: undefined, now: () => 1_800_000_000_000 };

  it('reads --calls and --complaints from FIFOs and gives exactly the flags of the same regular files', async () => {
    const fromFiles = await replay({ calls: m('calls.jsonl'), complaints: m('complaints.jsonl'), consents: m('consents.jsonl') }, real);
    expect(fromFiles.result.exitCode).toBe(0);
    expect(fromFiles.flags.length).toBeGreaterThan(0);

    const calls = mkfifo();
    const complaints = mkfifo();
    const ended = [writeInto(calls, m('calls.jsonl')), writeInto(complaints, m('complaints.jsonl'))];
    const fromPipes = await replay({ calls, complaints, consents: m('consents.jsonl') }, real);
    expect(fromPipes.stderr).not.toMatch(/^callguard replay: --/m);
    expect(fromPipes.result.exitCode).toBe(0);
    // The writers were not cut off (SIGPIPE) by an early close of the read end: they wrote everything and ended with 0.
    expect(await Promise.all(ended)).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(fromPipes.stdout).toBe(fromFiles.stdout);
    expect(fromPipes.result.summary!.calls).toEqual({ ...fromFiles.result.summary!.calls, path: calls });
    // Bad lines are reported with the FIFO's path and their line numbers, as for a file.
    expect(fromPipes.stderr).toContain(`${calls}:41: invalid JSON`);
  }, 30_000);

  it('shows progress as bytes read, events and events/s, without a percentage, when an input is a pipe', async () => {
    let t = 0;
    const clock = () => (t += 10_000); // every reading of the clock is 10 s later
    const calls = mkfifo();
    const writer = writeInto(calls, m('calls.jsonl'));
    const { result, stderr } = await replay({ calls, complaints: m('complaints.jsonl'), quiet: false }, { ...real, clock });
    expect(result.exitCode).toBe(0);
    expect(await writer).toEqual({ code: 0, signal: null });
    expect(stderr).toMatch(/^callguard replay: [\d.]+ (B|KB) read, [\d,]+ events, [\d,]+ events\/s$/m);
    expect(stderr).not.toMatch(/^callguard replay: [\d.]+%/m);
  }, 30_000);

  it('accepts a character device (/dev/null: no calls, no flags)', async () => {
    const { result, flags } = await replay({ calls: '/dev/null' });
    expect(result.exitCode).toBe(0);
    expect(flags).toEqual([]);
    expect(result.summary!.calls).toEqual({ path: '/dev/null', read: 0, bad: 0 });
  });

  it('still refuses a directory (exit 2, named), and its check never opens a FIFO (that would wait for a writer here)', async () => {
    const dir = join(tmp, 'a-directory');
    mkdirSync(dir);
    const noWriter = mkfifo(); // nobody ever writes: opening it would block the check forever
    let created = false;
    const { result, stderr } = await replay(
      { calls: noWriter, complaints: dir },
      { createEngine: () => ((created = true), new FakeEngine()) },
    );
    expect(result).toEqual({ exitCode: 2, summary: null });
    expect(created).toBe(false);
    expect(stderr).toBe(`callguard replay: --complaints ${dir}: is a directory; give a file, a pipe (FIFO) or a character device\n`);
  }, 10_000);
});
