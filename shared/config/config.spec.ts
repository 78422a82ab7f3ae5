import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, engineConfigSchema, loadConfig, type ConfigResult, type EngineConfig } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'callguard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(ext: string, content: string): string {
  const p = join(dir, `c${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

function ok(r: ConfigResult): EngineConfig {
  if (!r.ok) throw new Error(`expected a valid config, got:\n${r.errors.join('\n')}`);
  return r.config;
}

function errors(r: ConfigResult): string[] {
  if (r.ok) throw new Error('expected errors, the config was accepted');
  return r.errors;
}

describe('defaultConfig', () => {
  it('loads with every documented default', () => {
    const c = defaultConfig();
    expect(c.allowedLatenessMs).toBe(120_000);
    expect(c.idleEvictMs).toBe(3 * 86_400_000);
    expect(c.reflagAfterMs).toBe(86_400_000);
    expect(c.timeZone).toBe('Asia/Shanghai');
    expect(c.acquaintanceTalkSec).toBe(30);
    expect(c.marketingLines).toEqual([]);
    expect(c.rules.highFrequency).toEqual({ callsPerHour: 60, callsPerDay: 400 });
    expect(c.rules.rejectionRepeat).toEqual({ repeats: 2, memoryMs: 7 * 86_400_000, busyLineEngaged: 3, busyLineRefusals: 3, busyLineRefusalWindowMs: 86_400_000 });
    expect(c.rules.complaints.distinctReporters).toBe(2);
    expect(c.rules.quietHours).toEqual({ startHour: 22, endHour: 8, strangerCallsPerDay: 6 });
    expect(c.severity).toEqual({ watch: 25, label: 50, block: 80, blockMinRules: 2 });
    expect(c.rules.swarmBombing).toEqual({ callers: 6, attemptsEach: 2, maxEngagedShare: 0.2, z: 2.326, windowMs: 3_600_000 });
    expect(c.swarmEntries).toBe(1 << 16);
  });

  it('gives a thresholds object for each of the twelve rules', () => {
    expect(Object.keys(defaultConfig().rules).sort()).toEqual(
      [
        'callBombing',
        'campaign',
        'complaints',
        'highFrequency',
        'lowAnswerFanout',
        'noConsent',
        'quietHours',
        'rejectionRepeat',
        'ringOnce',
        'sequentialDialing',
        'shortCalls',
        'swarmBombing',
      ].sort(),
    );
  });

  it('returns a fresh object each time (callers may not share mutations)', () => {
    const a = defaultConfig();
    a.rules.highFrequency.callsPerHour = 1;
    expect(defaultConfig().rules.highFrequency.callsPerHour).toBe(60);
  });

  it('equals loadConfig with no file and no environment', () => {
    expect(ok(loadConfig())).toEqual(defaultConfig());
    expect(ok(loadConfig({ env: {} }))).toEqual(defaultConfig());
  });
});

describe('loadConfig from a file', () => {
  it('overrides defaults from YAML, keeping the other defaults of the same object', () => {
    const c = ok(
      loadConfig({
        file: file('yaml', 'allowedLatenessMs: 5000\nrules:\n  highFrequency:\n    callsPerHour: 30\nmarketingLines:\n  - "+8613800138000"\n'),
      }),
    );
    expect(c.allowedLatenessMs).toBe(5000);
    expect(c.rules.highFrequency).toEqual({ callsPerHour: 30, callsPerDay: 400 });
    expect(c.rules.ringOnce).toEqual(defaultConfig().rules.ringOnce);
    expect(c.marketingLines).toEqual(['+8613800138000']);
  });

  it('overrides defaults from JSON', () => {
    const c = ok(loadConfig({ file: file('json', JSON.stringify({ timeZone: 'UTC', severity: { label: 60 } })) }));
    expect(c.timeZone).toBe('UTC');
    expect(c.severity).toEqual({ watch: 25, label: 60, block: 80, blockMinRules: 2 });
  });

  it('treats an empty file as no overrides', () => {
    expect(ok(loadConfig({ file: file('yaml', '') }))).toEqual(defaultConfig());
  });

  it('reports a missing file by name', () => {
    const e = errors(loadConfig({ file: join(dir, 'nope.yaml') }));
    expect(e).toHaveLength(1);
    expect(e[0]).toContain('nope.yaml');
  });

  it('reports unparsable YAML by file name', () => {
    const p = file('yaml', 'rules: [unclosed\n  - : :');
    const e = errors(loadConfig({ file: p }));
    expect(e[0]).toContain(p);
  });
});

describe('loadConfig from CALLGUARD_ENGINE_CONFIG', () => {
  it('overrides the defaults', () => {
    const c = ok(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { callBombing: { attempts: 5 } } }) } }));
    expect(c.rules.callBombing).toEqual({ attempts: 5, windowMs: 3_600_000 });
  });

  it('overrides the file, key by key', () => {
    const p = file('yaml', 'allowedLatenessMs: 5000\nrules:\n  highFrequency:\n    callsPerHour: 30\n    callsPerDay: 300\n');
    const c = ok(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{"rules":{"highFrequency":{"callsPerHour":45}}}' } }));
    expect(c.allowedLatenessMs).toBe(5000);
    expect(c.rules.highFrequency).toEqual({ callsPerHour: 45, callsPerDay: 300 });
  });

  it('replaces arrays rather than merging them', () => {
    const p = file('yaml', 'marketingLines: ["+8613800138000", "+8613800138001"]\n');
    const c = ok(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{"marketingLines":["+8613900139000"]}' } }));
    expect(c.marketingLines).toEqual(['+8613900139000']);
  });

  it('reports invalid JSON, together with a broken file', () => {
    const p = file('yaml', 'rules: [unclosed');
    const e = errors(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{not json' } }));
    expect(e).toHaveLength(2);
    expect(e.some((m) => m.startsWith('CALLGUARD_ENGINE_CONFIG'))).toBe(true);
    expect(e.some((m) => m.includes(p))).toBe(true);
  });
});

describe('validation', () => {
  it('reports every error at once, each with its path', () => {
    const bad = {
      allowedLatenessMs: -1,
      rules: {
        ringOnce: { minShare: 2 },
        quietHours: { startHour: 24 },
        complaints: { distinctReporters: 1 },
      },
      severity: { blockMinRules: 1 },
    };
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify(bad) } }));
    const paths = e.map((m) => m.slice(0, m.indexOf(':')));
    expect(paths.sort()).toEqual(
      ['allowedLatenessMs', 'rules.complaints.distinctReporters', 'rules.quietHours.startHour', 'rules.ringOnce.minShare', 'severity.blockMinRules'].sort(),
    );
  });

  const envErrors = (cfg: unknown) => errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify(cfg) } }));

  it('refuses a reporter count or a BLOCK minimum that could never be reached (the rule, or BLOCK_RECOMMENDED, silently off)', () => {
    const e = envErrors({ rules: { complaints: { distinctReporters: 65 } }, severity: { blockMinRules: 10 } });
    expect(e.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual(['rules.complaints.distinctReporters', 'severity.blockMinRules']);
    expect(e.join('\n')).toMatch(/<=64/);
    expect(e.join('\n')).toMatch(/<=9/);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { complaints: { distinctReporters: 64 } }, severity: { blockMinRules: 9 } }) } }).ok).toBe(true);
  });

  it('refuses a lateness beyond the counters\' hour (a call accepted later would count nowhere)', () => {
    expect(envErrors({ allowedLatenessMs: 10_800_000 })).toEqual([
      'allowedLatenessMs: must be at most 3600000 (1 h): the counters keep the current and the previous hour, so a call accepted later would count nowhere (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ allowedLatenessMs: 3_600_000 }) } }).ok).toBe(true);
  });

  it('refuses an idle eviction shorter than a day, the re-flag interval or the lateness (an evicted number would flag anew)', () => {
    expect(envErrors({ idleEvictMs: 3_600_000 })).toEqual([
      'idleEvictMs: must be at least 86400000 (24 h, reflagAfterMs and allowedLatenessMs, whichever is longest), not 3600000 (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(envErrors({ reflagAfterMs: 7 * 86_400_000 })[0]).toMatch(/^idleEvictMs: must be at least 604800000 /);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ reflagAfterMs: 7 * 86_400_000, idleEvictMs: 10 * 86_400_000 }) } }).ok).toBe(true);
  });

  it('checks settings against each other only once each is valid on its own (no error about a setting the user did not set)', () => {
    expect(envErrors({ severity: { label: 200 } })).toEqual(['severity.label: Too big: expected number to be <=100 (in CALLGUARD_ENGINE_CONFIG)']);
    expect(envErrors({ allowedLatenessMs: 300_000_000 }).map((m) => m.slice(0, m.indexOf(':')))).toEqual(['allowedLatenessMs']);
    expect(envErrors({ rules: { campaign: { memberStrangersPerDay: 0 } } }).map((m) => m.slice(0, m.indexOf(':')))).toEqual(['rules.campaign.memberStrangersPerDay']);
    // With every setting valid, the checks between them still run.
    expect(envErrors({ severity: { label: 90, block: 80 } })).toEqual(['severity.block: must be at least severity.label (90), not 80 (in CALLGUARD_ENGINE_CONFIG)']);
  });

  it('refuses a quiet campaign member minimum above the listed one (no member would be quiet)', () => {
    expect(envErrors({ rules: { campaign: { quietMemberStrangers: 4 } } })).toEqual([
      'rules.campaign.quietMemberStrangers: must be at most rules.campaign.memberStrangersPerDay (3), not 4 (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { campaign: { quietMemberStrangers: 3 } } }) } }).ok).toBe(true);
  });

  it('refuses a complaints evidence tail looser than the tail at which the rule speaks at all', () => {
    expect(envErrors({ rules: { complaints: { evidenceAlpha: 0.02 } } })).toEqual([
      'rules.complaints.evidenceAlpha: must be at most rules.complaints.alpha (0.01), not 0.02 (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { complaints: { evidenceAlpha: 0.01 } } }) } }).ok).toBe(true);
  });

  it('refuses a "mostly answered" line below the answer rate LOW_ANSWER_FANOUT calls low (any share above it would silence the rule)', () => {
    expect(envErrors({ rules: { lowAnswerFanout: { mostlyAnswered: 0.5 } } })).toEqual([
      'rules.lowAnswerFanout.mostlyAnswered: must be at least rules.lowAnswerFanout.maxAnswerRate (0.55), not 0.5 (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { lowAnswerFanout: { mostlyAnswered: 1 } } }) } }).ok).toBe(true);
  });

  it('refuses thresholds its counters can never reach, naming the limit', () => {
    const e = envErrors({ rules: { highFrequency: { callsPerDay: 66_000 }, callBombing: { attempts: 300 }, swarmBombing: { callers: 256 }, rejectionRepeat: { repeats: 256 } } });
    expect(e.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual(['rules.callBombing.attempts', 'rules.highFrequency.callsPerDay', 'rules.rejectionRepeat.repeats', 'rules.swarmBombing.callers']);
    expect(e.find((m) => m.startsWith('rules.highFrequency'))).toMatch(/65535/);
    expect(e.find((m) => m.startsWith('rules.callBombing'))).toMatch(/255/);
  });

  it('refuses fractional severity scores (a flag\'s score is an int) and a bombing window of part seconds', () => {
    expect(envErrors({ severity: { label: 50.5 } }).map((m) => m.slice(0, m.indexOf(':')))).toEqual(['severity.label']);
    expect(envErrors({ rules: { callBombing: { windowMs: 3_600_500 } } })).toEqual(['rules.callBombing.windowMs: must be whole seconds (a multiple of 1000 ms) (in CALLGUARD_ENGINE_CONFIG)']);
  });

  it('refuses severity scores that do not rise with the severity (context alone would reach BLOCK_RECOMMENDED)', () => {
    // block 30 < label 50: HIGH_FREQUENCY (29) + SHORT_CALLS (20), both context with no evidence, scored 49 → BLOCK_RECOMMENDED.
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { block: 30 } }) } }));
    expect(e).toEqual(['severity.block: must be at least severity.label (50), not 30 (in CALLGUARD_ENGINE_CONFIG)']);
    const w = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { watch: 60 } }) } }));
    expect(w).toEqual(['severity.label: must be at least severity.watch (60), not 50 (in CALLGUARD_ENGINE_CONFIG)']);
    // Reported together with the other errors.
    const both = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ allowedLatenessMs: -1, severity: { label: 90 } }) } }));
    expect(both.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual(['allowedLatenessMs', 'severity.block']);
    // A check between settings failing hides none of the others: every one is reported at once.
    const all = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { label: 20 }, idleEvictMs: 1000, rules: { campaign: { quietMemberStrangers: 5 }, complaints: { evidenceAlpha: 0.5 }, quietHours: { startHour: 3, endHour: 3 } } }) } }));
    expect(all.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual(['idleEvictMs', 'rules.campaign.quietMemberStrangers', 'rules.complaints.evidenceAlpha', 'rules.quietHours.endHour', 'severity.label']);
    // An unknown key (a typo) hides none of them either, at the top or beside the settings a check reads (found by a review).
    const typo = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { label: 20 }, idleEvictMS: 5, rules: { quietHours: { startHour: 3, endHour: 3, typo: 1 } } }) } }));
    expect(typo.map((m) => m.slice(0, m.indexOf(':'))).sort()).toEqual(['(root)', 'rules.quietHours', 'rules.quietHours.endHour', 'severity.label']);
    // Quiet hours from an hour to the same hour are refused (no hours at all: the rule off); a night across midnight or within a day is fine.
    expect(errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { quietHours: { startHour: 22, endHour: 22 } } }) } }))).toEqual([
      'rules.quietHours.endHour: must differ from rules.quietHours.startHour (22): the same hour would make no quiet hours (the rule off) (in CALLGUARD_ENGINE_CONFIG)',
    ]);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ rules: { quietHours: { startHour: 1, endHour: 5 } } }) } }).ok).toBe(true);
    // Equal scores are allowed (a severity can be switched off), and so is raising them in order.
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { watch: 50, label: 50, block: 50 } }) } }).ok).toBe(true);
    expect(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: JSON.stringify({ severity: { watch: 30, label: 60, block: 90 } }) } }).ok).toBe(true);
  });

  it('reports errors from the file and the environment together after merging', () => {
    const p = file('yaml', 'rules:\n  shortCalls:\n    minShare: -0.5\n');
    const e = errors(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{"acquaintanceTalkSec": 0}' } }));
    expect(e.map((m) => m.split(':')[0]).sort()).toEqual(['acquaintanceTalkSec', 'rules.shortCalls.minShare']);
  });

  it('names the source of each error: the file, the environment (which wins on the same key), or none for defaults', () => {
    const p = file('yaml', 'allowedLatenessMs: -5\nrules:\n  highFrequency:\n    callsPerHour: abc\n');
    const e = errors(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{"allowedLatenessMs":"x","severity":{"watch":500},"bogus":1}' } }));
    expect(e.sort()).toEqual(
      [
        '(root): Unrecognized key: "bogus" (in CALLGUARD_ENGINE_CONFIG)',
        'allowedLatenessMs: Invalid input: expected number, received string (in CALLGUARD_ENGINE_CONFIG)',
        `rules.highFrequency.callsPerHour: Invalid input: expected number, received string (in ${p})`,
        'severity.watch: Too big: expected number to be <=100 (in CALLGUARD_ENGINE_CONFIG)',
      ].sort(),
    );
    const root = errors(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '[1]' } }));
    expect(root).toEqual(['(root): Invalid input: expected object, received array (in CALLGUARD_ENGINE_CONFIG)']);
  });

  it('still validates the file when CALLGUARD_ENGINE_CONFIG is not JSON, and the variable when the file does not parse', () => {
    const p = file('yaml', 'allowedLatenessMs: -5\n');
    const e = errors(loadConfig({ file: p, env: { CALLGUARD_ENGINE_CONFIG: '{bad' } }));
    expect(e).toHaveLength(2);
    expect(e[0]).toMatch(/^CALLGUARD_ENGINE_CONFIG: /);
    expect(e[1]).toBe(`allowedLatenessMs: Too small: expected number to be >0 (in ${p})`);
    const broken = file('yaml', 'rules: [unclosed');
    const f = errors(loadConfig({ file: broken, env: { CALLGUARD_ENGINE_CONFIG: '{"acquaintanceTalkSec":0}' } }));
    expect(f).toHaveLength(2);
    expect(f[0]).toContain(broken);
    expect(f[1]).toMatch(/^acquaintanceTalkSec: .* \(in CALLGUARD_ENGINE_CONFIG\)$/);
  });

  it('rejects wrong types with their path', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"rules":{"highFrequency":{"callsPerHour":"sixty"}}}' } }));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^rules\.highFrequency\.callsPerHour: /);
  });

  it('rejects non-integer counts', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"rules":{"callBombing":{"attempts":7.5}}}' } }));
    expect(e[0]).toMatch(/^rules\.callBombing\.attempts: /);
  });

  it('rejects unknown top-level keys (a typo is not silently ignored)', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"allowedLatenesMs": 1000}' } }));
    expect(e.join('\n')).toContain('allowedLatenesMs');
  });

  it('rejects unknown keys inside a rule (a misspelt threshold would silently keep its default)', () => {
    const e = errors(loadConfig({ file: file('yaml', 'rules:\n  highFrequency:\n    callsPerHuor: 10\n') }));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^rules\.highFrequency/);
    expect(e[0]).toContain('callsPerHuor');
  });

  it('rejects unknown rule names and unknown severity keys', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"rules":{"robocall":{"perHour":1}},"severity":{"lable":40}}' } }));
    const all = e.join('\n');
    expect(all).toContain('robocall');
    expect(all).toContain('lable');
    expect(e.some((m) => m.startsWith('rules'))).toBe(true);
    expect(e.some((m) => m.startsWith('severity'))).toBe(true);
  });

  it('rejects an unknown time zone at load time, not when the engine starts', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"timeZone":"Asia/Shangai"}' } }));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^timeZone: /);
    expect(ok(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"timeZone":"Europe/Berlin"}' } })).timeZone).toBe('Europe/Berlin');
  });

  it('rejects a marketing line that is not a phone number, naming its index', () => {
    const e = errors(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"marketingLines":["95588","not-a-number"]}' } }));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^marketingLines\.1: /);
    expect(ok(loadConfig({ env: { CALLGUARD_ENGINE_CONFIG: '{"marketingLines":["95588","013800138000"]}' } })).marketingLines).toHaveLength(2);
  });

  it('the schema parses its own defaults back unchanged', () => {
    const d = defaultConfig();
    expect(engineConfigSchema.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });
});
