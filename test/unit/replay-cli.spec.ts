/**
 * The `callguard replay` command as users run it: a child process through
 * bin/callguard.mjs, checking stdout, stderr and exit codes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const M = join(ROOT, 'test/replay/fixtures/mixed');

function cli(...args: string[]) {
  return run([], args);
}

/**
 * The CLI run without the power to read any file. root reads any file: then
 * it runs as root without the capabilities that bypass file permissions
 * (util-linux's setpriv), so the checkout itself stays readable to it,
 * wherever and however it was cloned.
 */
function cliWithoutReadOverride(...args: string[]) {
  const drop = ['setpriv', '--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search'];
  return run(process.getuid?.() === 0 ? drop : [], args);
}

/** `callguard replay args`, behind the command words of `prefix` (if any). */
function run(prefix: string[], args: string[]) {
  const [cmd, ...argv] = [...prefix, process.execPath, join(ROOT, 'bin/callguard.mjs'), 'replay', ...args];
  const r = spawnSync(cmd, argv, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CALLGUARD_ENGINE_CONFIG: '' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('callguard replay (CLI)', () => {
  it('writes flags to stdout, reports and summary to stderr, exits 0 despite bad lines', () => {
    const r = cli('--calls', join(M, 'calls.jsonl'), '--complaints', join(M, 'complaints.jsonl'), '--consents', join(M, 'consents.jsonl'), '--allowlist', join(M, 'allowlist.txt'));
    expect(r.code).toBe(0);
    const flags = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { number: string });
    expect(flags.length).toBe(5);
    expect(r.stderr).toContain('calls.jsonl:41: invalid JSON');
    expect(r.stderr).toContain('callguard replay summary');
    expect(r.stderr).toMatch(/flags +5 written/);
  }, 60_000);

  it('exits 2 on a missing file and on a missing --calls', () => {
    const missing = cli('--calls', join(M, 'nope.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--calls ${join(M, 'nope.jsonl')}: no such file`);
    expect(missing.stdout).toBe('');

    const usage = cli();
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('required option --calls <file> not specified');
  }, 60_000);

  it('exits 2 on any other bad usage too (unknown option, option without its value, extra argument); 0 on --help', () => {
    const calls = join(M, 'calls.jsonl');
    const unknown = cli('--calls', calls, '--callz', calls);
    expect(unknown.stderr).toContain("unknown option '--callz'");
    expect(unknown.stdout).toBe('');
    expect(unknown.code).toBe(2);

    const noValue = cli('--calls');
    expect(noValue.stderr).toContain("option '--calls <file>' argument missing");
    expect(noValue.code).toBe(2);

    const extra = cli('--calls', calls, join(M, 'complaints.jsonl'));
    expect(extra.stderr).toContain('too many arguments');
    expect(extra.stdout).toBe('');
    expect(extra.code).toBe(2);

    const help = cli('--help');
    expect(help.stdout).toContain('--allowlist <file>');
    expect(help.code).toBe(0);

  }, 60_000);

  it('reads --calls from a pipe on /dev/stdin (zcat calls.jsonl.gz | callguard replay --calls /dev/stdin) with the flags of the file; refuses a directory, exit 2', () => {
    const rest = ['--complaints', join(M, 'complaints.jsonl'), '--consents', join(M, 'consents.jsonl')];
    const fromFile = cli('--calls', join(M, 'calls.jsonl'), ...rest);
    // A shell pipe (Node's own stdio 'pipe' is a socket pair, which /dev/stdin cannot be opened on).
    const fromPipe = run(['sh', '-c', 'cat "$0" | "$@"', join(M, 'calls.jsonl')], ['--calls', '/dev/stdin', ...rest]);
    expect(fromPipe.code).toBe(0);
    const withoutEmittedAt = (out: string) => out.trim().split('\n').map((l) => ({ ...(JSON.parse(l) as object), emittedAt: 0 }));
    expect(withoutEmittedAt(fromPipe.stdout)).toEqual(withoutEmittedAt(fromFile.stdout));
    expect(fromPipe.stderr).toContain('/dev/stdin:41: invalid JSON');

    const dir = cli('--calls', M);
    expect(dir.stderr).toContain(`--calls ${M}: is a directory; give a file, a pipe (FIFO) or a character device`);
    expect(dir.stdout).toBe('');
    expect(dir.code).toBe(2);
  }, 60_000);

  it('skips a lone call dated a year ahead as a bad line, so that the rest of the file is not late', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callguard-cli-'));
    try {
      const lines = readFileSync(join(M, 'calls.jsonl'), 'utf8').split('\n');
      const glitch = JSON.parse(lines[9]) as { eventId: string; startTime: number; answerTime: number | null; endTime: number };
      const year = 365 * 86_400_000;
      glitch.eventId = 'glitch';
      glitch.startTime += year;
      glitch.endTime += year;
      if (glitch.answerTime !== null) glitch.answerTime += year;
      const calls = join(dir, 'calls.jsonl');
      writeFileSync(calls, [...lines.slice(0, 10), JSON.stringify(glitch), ...lines.slice(10)].join('\n'));
      const plain = cli('--calls', join(M, 'calls.jsonl'), '--quiet');
      const r = cli('--calls', calls, '--quiet');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`${calls}:11: startTime \\S+ is far ahead of the calls before it`));
      const late = (s: string) => s.match(/^ {2}late +(\d+)/m)?.[1];
      expect(late(r.stderr)).toBe(late(plain.stderr));
      const ids = (out: string) => out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { flagId: string }).flagId);
      expect(ids(r.stdout)).toEqual(ids(plain.stdout));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('exits 2 naming an input file it may not read, before running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callguard-cli-'));
    try {
      chmodSync(dir, 0o755);
      const calls = join(dir, 'calls.jsonl');
      const allow = join(dir, 'allowlist.txt');
      copyFileSync(join(M, 'calls.jsonl'), calls);
      copyFileSync(join(M, 'allowlist.txt'), allow);
      chmodSync(calls, 0o000);
      chmodSync(allow, 0o000);
      const r = cliWithoutReadOverride('--calls', calls, '--allowlist', allow);
      expect(r.stderr).toContain(`--calls ${calls}: cannot be read (permission denied)`);
      expect(r.stderr).toContain(`--allowlist ${allow}: cannot be read (permission denied)`);
      expect(r.stderr).not.toContain('summary');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
