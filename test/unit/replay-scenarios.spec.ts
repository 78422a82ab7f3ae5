/**
 * `callguard replay` with the real engine and default config on crafted
 * scenario files (test/replay/fixtures/mixed, written by
 * test/replay/make-fixtures.ts, which documents each population).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import { runReplay } from '../../services/replay/replay.ts';
import { capture } from '../replay/capture.ts';

const DIR = join(import.meta.dirname, '../replay/fixtures/mixed');
const file = (n: string) => join(DIR, n);

async function replay(withAllowlist: boolean) {
  const stdout = capture();
  const stderr = capture();
  const result = await runReplay(
    {
      calls: file('calls.jsonl'),
      complaints: file('complaints.jsonl'),
      consents: file('consents.jsonl'),
      allowlist: withAllowlist ? file('allowlist.txt') : undefined,
      quiet: true,
    },
    { stdout, stderr, env: {}, now: () => 1_800_000_000_000 },
  );
  const flags = stdout
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FlagEvent);
  return { result, flags, stderr: stderr.text() };
}

const brief = (f: FlagEvent) => [f.number, f.severity, f.reasons.map((r) => r.rule).sort().join('+')];

const NEVER_FLAGGED = {
  quarrel: '+8613833330001',
  quarrelOther: '+8613944440001',
  politeRedialler: '+8613811110002',
  consentedCallCentre: '+8695588',
  grudgeTarget: '+8613866660001',
};

describe('replay of the mixed scenario with the real engine', () => {
  it('flags exactly the harasser, the unconsented line and the number three people complained about', async () => {
    const { result, flags } = await replay(true);
    expect(result.exitCode).toBe(0);
    expect(flags.map(brief)).toEqual([
      ['+8613811110001', 'WATCH', 'REJECTION_REPEAT'],
      ['+8613811110001', 'LABEL', 'REJECTION_REPEAT'],
      ['+8696777', 'LABEL', 'NO_CONSENT'],
      ['+8613855550001', 'WATCH', 'COMPLAINTS'],
      ['+8613855550001', 'LABEL', 'COMPLAINTS'],
    ]);
  });

  it('never flags the quarrel, the polite redialler, the consented call centre, a one-reporter grudge or the background', async () => {
    const { flags } = await replay(false);
    const flagged = new Set(flags.map((f) => f.number));
    for (const n of Object.values(NEVER_FLAGGED)) expect(flagged, n).not.toContain(n);
    for (const n of flagged) expect(n, 'background subscriber flagged').not.toMatch(/^\+86(137|159)0000/);
  });

  it('never flags the allowlisted hospital line, which is flagged without the allowlist', async () => {
    const allowed = await replay(true);
    expect(allowed.flags.map((f) => f.number)).not.toContain('+862088886666');
    const open = await replay(false);
    const hospital = open.flags.filter((f) => f.number === '+862088886666');
    expect(hospital.length).toBeGreaterThan(0);
    expect(hospital[0].reasons.map((r) => r.rule)).toContain('LOW_ANSWER_FANOUT');
    expect(hospital[0].numberClass).toBe('FIXED_LINE');
    // everything else is the same with or without the allowlist
    expect(open.flags.filter((f) => f.number !== '+862088886666').map(brief)).toEqual(allowed.flags.map(brief));
  });

  it('writes complete contract FlagEvents with deterministic ids', async () => {
    const a = await replay(true);
    const b = await replay(true);
    expect(b.flags.map((f) => f.flagId)).toEqual(a.flags.map((f) => f.flagId));
    expect(new Set(a.flags.map((f) => f.flagId)).size).toBe(a.flags.length);
    const nc = a.flags.find((f) => f.number === '+8696777')!;
    expect(nc).toMatchObject({ numberClass: 'SERVICE_96', accessProvider: 'carrier-c', emittedAt: 1_800_000_000_000 });
    expect(nc.reasons[0]).toMatchObject({ rule: 'NO_CONSENT', window: '24h' });
    expect(nc.windowStart).toBeLessThanOrEqual(nc.windowEnd);
    expect(nc.detectedAt).toBeGreaterThanOrEqual(nc.windowStart);
    const h = a.flags.find((f) => f.number === '+8613811110001' && f.severity === 'LABEL')!;
    expect(h.numberClass).toBe('MOBILE');
    expect(h.reasons[0]).toMatchObject({ rule: 'REJECTION_REPEAT', threshold: 2 });
    expect(h.reasons[0].value).toBeGreaterThanOrEqual(3);
  });

  it('reports the malformed and late lines by line number, keeps going, and counts everything in the summary', async () => {
    const { result, stderr } = await replay(true);
    const reports = stderr
      .split('\n')
      .filter((l) => l.startsWith(DIR))
      .map((l) => l.slice(DIR.length + 1));
    expect(reports).toEqual([
      expect.stringMatching(/^calls\.jsonl:41: invalid JSON: /),
      'calls.jsonl:91: caller: not a phone number "12" (too short)',
      'complaints.jsonl:3: category: expected one of MARKETING, HARASSMENT, FRAUD, OTHER, got "SPAM"',
      expect.stringMatching(/^calls\.jsonl:202: late event at 2026-01-05T02:48:00\.000Z: behind the watermark/),
    ]);
    const s = result.summary!;
    expect(s.calls).toMatchObject({ read: 274, bad: 2 });
    expect(s.complaints).toMatchObject({ read: 7, bad: 1 });
    expect(s.consents).toMatchObject({ read: 21, bad: 0 });
    expect(s.allowlist).toMatchObject({ read: 1, bad: 0 });
    expect(s.stats).toMatchObject({ calls: 272, complaints: 7, consents: 21, duplicates: 1, late: 1, flags: 5 });
    expect(s.stats.flagsBySeverity).toEqual({ WATCH: 2, LABEL: 3, BLOCK_RECOMMENDED: 0 });
    expect(s.flagsWritten).toBe(5);
    expect(stderr).toMatch(/by rule +REJECTION_REPEAT 2, COMPLAINTS 2, NO_CONSENT 1\n/);
  });
});

describe('replay with a config file (real config loader)', () => {
  it('applies a valid config: a stricter complaints threshold removes the COMPLAINTS flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callguard-cfg-'));
    try {
      const cfg = join(dir, 'strict.yaml');
      writeFileSync(cfg, 'rules:\n  complaints:\n    distinctReporters: 4\n');
      const stdout = capture();
      const r = await runReplay(
        { calls: file('calls.jsonl'), complaints: file('complaints.jsonl'), consents: file('consents.jsonl'), config: cfg, quiet: true },
        { stdout, stderr: capture(), env: {} },
      );
      expect(r.exitCode).toBe(0);
      const rules = stdout.text().trim().split('\n').flatMap((l) => (JSON.parse(l) as FlagEvent).reasons.map((x) => x.rule));
      expect(rules).toContain('REJECTION_REPEAT');
      expect(rules).not.toContain('COMPLAINTS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 listing every error of an invalid config, writing nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callguard-cfg-'));
    try {
      const cfg = join(dir, 'bad.json');
      writeFileSync(cfg, JSON.stringify({ severity: { watch: 0 }, bogus: 1 }));
      const stdout = capture();
      const stderr = capture();
      const r = await runReplay({ calls: file('calls.jsonl'), config: cfg, quiet: true }, { stdout, stderr, env: {} });
      expect(r).toEqual({ exitCode: 2, summary: null });
      expect(stdout.text()).toBe('');
      const lines = stderr.text().trim().split('\n');
      expect(lines[0]).toBe(`callguard replay: invalid config (${cfg}):`);
      expect(lines.slice(1).some((l) => l.includes('severity.watch'))).toBe(true);
      expect(lines.slice(1).some((l) => l.includes('bogus'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
