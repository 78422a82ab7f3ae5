/**
 * The engine's public API: inputs, stats, and the FlagEvents it emits.
 */
import { describe, expect, it } from 'vitest';
import { NUMBER_CLASSES, RULES, SEVERITIES } from '../contracts/records.ts';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { HOUR, MIN, SEC, T0, Traffic, mobile, play, stranger } from './testing/calls.ts';

const CALLER = mobile(1, '138');
const VICTIM = stranger(1);

/** Twelve unanswered attempts at one stranger in half an hour: a CALL_BOMBING LABEL. */
function bombing(tr: Traffic, caller = CALLER, provider: (i: number) => string = () => 'carrier-a'): void {
  for (let i = 0; i < 12; i++) tr.noAnswer(T0 + i * 150 * SEC, caller, VICTIM, { provider: provider(i) });
}

describe('a new engine', () => {
  it('starts empty, with no watermark', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    expect(e.stats()).toEqual({
      calls: 0,
      complaints: 0,
      consents: 0,
      duplicates: 0,
      late: 0,
      trackedNumbers: 0,
      evictedNumbers: 0,
      flags: 0,
      flagsBySeverity: { WATCH: 0, LABEL: 0, BLOCK_RECOMMENDED: 0 },
      flagsByRule: {},
      watermark: null,
    });
    expect(e.drainFlags()).toEqual([]);
  });
});

describe('inputs and stats', () => {
  it('counts calls, complaints and consents, and tracks callers and reported numbers (not callees)', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    tr.answered(T0, CALLER, VICTIM, 60);
    tr.answered(T0 + MIN, mobile(2, '138'), VICTIM, 60);
    tr.complaint(T0 + 2 * MIN, VICTIM, mobile(3, '138'));
    tr.consent(T0 + 3 * MIN, '+8695566', VICTIM, T0);
    play(e, tr.inputs());
    // The watermark follows the calls' event time only: a complaint stream running ahead must not make calls late.
    expect(e.stats()).toMatchObject({ calls: 2, complaints: 1, consents: 1, trackedNumbers: 3, watermark: T0 + MIN - 120_000 });
  });

  it('finish() after the input leaves the flags already emitted and the counts intact', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr);
    play(e, tr.inputs());
    const before = e.stats();
    expect(before).toMatchObject({ calls: 12 });
    expect(before.flags).toBeGreaterThan(0);
    e.finish();
    expect(e.stats()).toMatchObject({ calls: before.calls, flags: before.flags });
    expect(e.drainFlags()).toEqual([]);
  });
});

describe('flags', () => {
  it('carry every field of the contract', () => {
    const e = createEngine(defaultConfig(), { now: () => 1_234_567 });
    const tr = new Traffic();
    bombing(tr);
    const { flags } = play(e, tr.inputs());
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) {
      expect(Object.keys(f).sort()).toEqual(
        ['accessProvider', 'detectedAt', 'emittedAt', 'evidence', 'flagId', 'number', 'numberClass', 'reasons', 'score', 'severity', 'windowEnd', 'windowStart'].sort(),
      );
      expect(f.flagId).toMatch(/^[0-9a-f]{32}$/);
      expect(f.number).toBe(CALLER);
      expect(SEVERITIES).toContain(f.severity);
      expect(Number.isInteger(f.score)).toBe(true);
      expect(f.score).toBeGreaterThanOrEqual(0);
      expect(f.score).toBeLessThanOrEqual(100);
      expect(f.windowStart).toBeLessThan(f.windowEnd);
      expect(f.windowEnd).toBe(f.detectedAt);
      expect(f.emittedAt).toBe(1_234_567);
      expect(NUMBER_CLASSES).toContain(f.numberClass);
      expect(f.numberClass).toBe('MOBILE');
      expect(f.accessProvider).toBe('carrier-a');
      expect(f.reasons.length).toBeGreaterThan(0);
      for (const r of f.reasons) {
        // The contract's reason fields only: the points stay inside the engine.
        expect(Object.keys(r).sort()).toEqual(['rule', 'threshold', 'value', 'window']);
        expect(RULES).toContain(r.rule);
      }
      for (const v of Object.values(f.evidence)) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('are flagged at the event that completes the evidence, in event time, and the window covers it', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr);
    const [first] = play(e, tr.inputs()).flags;
    expect(first.detectedAt).toBe(T0 + 7 * 150 * SEC);
    expect(first.windowStart).toBe(first.detectedAt - HOUR);
    expect(first.evidence.bombingAttempts).toBe(8);
    expect(first.evidence.calls1h).toBe(8);
  });

  it('are drained once', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr);
    expect(play(e, tr.inputs()).flags.length).toBeGreaterThan(0);
    expect(e.drainFlags()).toEqual([]);
  });

  it('are counted in stats by severity and by rule', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr);
    for (let i = 0; i < 3; i++) tr.complaint(T0 + HOUR + i * MIN, stranger(10 + i), mobile(9, '138'));
    const { flags } = play(e, tr.inputs());
    const s = e.stats();
    expect(s.flags).toBe(flags.length);
    for (const sev of SEVERITIES) expect(s.flagsBySeverity[sev]).toBe(flags.filter((f) => f.severity === sev).length);
    for (const rule of RULES) {
      const n = flags.filter((f) => f.reasons.some((r) => r.rule === rule)).length;
      expect(s.flagsByRule[rule] ?? 0).toBe(n);
    }
    expect(s.flagsByRule.CALL_BOMBING).toBeGreaterThan(0);
    expect(s.flagsByRule.COMPLAINTS).toBeGreaterThan(0);
  });

  it('name the access provider carrying most of the number’s calls', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr, CALLER, (i) => (i % 4 === 3 ? 'carrier-b' : 'carrier-a'));
    const { flags } = play(e, tr.inputs());
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.every((f) => f.accessProvider === 'carrier-a')).toBe(true);
  });

  it('name the provider carrying the evidence calls, not the number\'s lifetime majority (its caller ID abused through a reseller)', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    const friends = [0, 1, 2, 3, 4].map((i) => mobile(100 + i, '135'));
    for (const f of friends) tr.answered(T0 - HOUR, f, CALLER, 60, { provider: 'carrier-a' });
    for (let d = 0; d < 2; d++) for (let i = 0; i < 150; i++) tr.answered(T0 + d * 86_400_000 + i * 4 * MIN, CALLER, friends[i % 5], 120, { provider: 'carrier-a' });
    for (let i = 0; i < 120; i++) tr.noAnswer(T0 + 3 * 86_400_000 + 4 * HOUR + i * 30 * SEC, CALLER, stranger(i + 1), { provider: 'reseller-b' });
    const { flags } = play(e, tr.inputs());
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.map((f) => f.accessProvider)).toEqual(flags.map(() => 'reseller-b'));
  });

  it('give null as access provider when the probes did not say', () => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    for (let i = 0; i < 12; i++) tr.noAnswer(T0 + i * 150 * SEC, CALLER, VICTIM, { provider: null });
    expect(play(e, tr.inputs()).flags[0].accessProvider).toBeNull();
  });

  it.each([
    ['+862088886666', 'FIXED_LINE'],
    ['+8695566', 'SERVICE_95'],
    ['+8696123', 'SERVICE_96'],
    ['+864001234567', 'TOLL_FREE_400'],
    ['+14155552671', 'INTERNATIONAL'],
  ])('give the number class of %s as %s', (caller, cls) => {
    const e = createEngine(defaultConfig(), { now: () => 0 });
    const tr = new Traffic();
    bombing(tr, caller);
    const { flags } = play(e, tr.inputs());
    expect(flags.length).toBeGreaterThan(0);
    expect(flags[0].numberClass).toBe(cls);
  });
});

describe('HIGH_FREQUENCY through the engine', () => {
  it('the daily threshold is reached by calls to contacts too (no stranger ever opens the gate): 420 calls in 14 h at 30 an hour is a WATCH', () => {
    const contacts = Array.from({ length: 5 }, (_, i) => stranger(i));
    const tr = new Traffic();
    contacts.forEach((c, i) => tr.noAnswer(T0 - HOUR + i * MIN, c, CALLER)); // each called first: not strangers
    for (let i = 0; i < 420; i++) tr.noAnswer(T0 + i * 2 * MIN, CALLER, contacts[i % 5]);
    const flags = play(createEngine(defaultConfig(), { now: () => 0 }), tr.inputs()).flags.filter((f) => f.number === CALLER);
    expect(flags.map((f) => [f.severity, f.reasons.map((r) => [r.rule, r.window, r.threshold])])).toEqual([['WATCH', [['HIGH_FREQUENCY', '24h', 400]]]]);
    // At the 400th call of the day (the sliding estimate reaches the threshold there or just after).
    expect(flags[0].detectedAt).toBeGreaterThanOrEqual(T0 + 399 * 2 * MIN);
  });
});
