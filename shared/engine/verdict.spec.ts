import { describe, expect, it } from 'vitest';
import type { RuleName } from '../contracts/records.ts';
import { defaultConfig } from '../config/index.ts';
import type { ScoredReason } from './signals.ts';
import { SEVERITY_RANK, flagId, verdict, windowLabel, windowMs } from './verdict.ts';
import { RULE_SET } from './rules/index.ts';
import { callBombing } from './rules/call-bombing.ts';
import { highFrequency } from './rules/high-frequency.ts';
import { quietHours } from './rules/quiet-hours.ts';
import { rejectionRepeat } from './rules/rejection-repeat.ts';
import { shortCalls } from './rules/short-calls.ts';
import { emptySignals, type Signals } from './signals.ts';

const sev = defaultConfig().severity;
const reason = (rule: RuleName, points: number): ScoredReason => ({ rule, window: '1h', value: 1, threshold: 1, points });

describe('verdict', () => {
  it('gives no severity below the WATCH score', () => {
    expect(verdict([reason('HIGH_FREQUENCY', 24.4)], sev)).toEqual({ score: 24, severity: null });
    expect(verdict([], sev)).toEqual({ score: 0, severity: null });
  });

  it('maps the summed score onto WATCH and LABEL at their thresholds', () => {
    expect(verdict([reason('HIGH_FREQUENCY', 25)], sev).severity).toBe('WATCH');
    expect(verdict([reason('HIGH_FREQUENCY', 20), reason('SHORT_CALLS', 15)], sev)).toEqual({ score: 35, severity: 'WATCH' });
    expect(verdict([reason('CALL_BOMBING', 50)], sev).severity).toBe('LABEL');
    expect(verdict([reason('CALL_BOMBING', 49.4)], sev).severity).toBe('WATCH');
  });

  it('caps the score at 100', () => {
    expect(verdict([reason('CALL_BOMBING', 75), reason('RING_ONCE', 70), reason('COMPLAINTS', 80)], sev).score).toBe(100);
  });

  it('never gives BLOCK_RECOMMENDED to a single signal, however strong', () => {
    expect(verdict([reason('CALL_BOMBING', 100)], sev)).toEqual({ score: 100, severity: 'LABEL' });
  });

  it('never gives BLOCK_RECOMMENDED to one strong signal padded with weak ones', () => {
    // 75 + 15 + 19.9 = 109.9 → 100, but only one reason would label the number on its own.
    const v = verdict([reason('RING_ONCE', 75), reason('SHORT_CALLS', 15), reason('HIGH_FREQUENCY', 19.9)], sev);
    expect(v.score).toBe(100);
    expect(v.severity).toBe('LABEL');
  });

  it('never gives BLOCK_RECOMMENDED to one strong signal padded with the context rules as they really score', () => {
    // HIGH_FREQUENCY never scores under 25 and QUIET_HOURS at engaged callees 25–40: over the 20-point cut.
    const rules = defaultConfig().rules;
    const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });
    const hf = highFrequency(sig({ calls1h: 60 }), rules)!;
    const night = quietHours(sig({ quietStranger24h: 6, strangerCalls24h: 6, newStrangers24h: 6, strangerAnswered24h: 6 }), rules)!;
    const short = shortCalls(sig({ answered24h: 10, shortTalk24h: 10 }), rules)!;
    expect([hf.context, night.context, short.context]).toEqual([true, true, true]);
    expect(hf.points).toBeGreaterThanOrEqual(20);
    expect(night.points).toBeGreaterThanOrEqual(20);
    // Six repeats after a refusal (85 points) from a busy line (60 calls an hour): one signal.
    const rr = rejectionRepeat(sig({ rejectionRepeatMax: 6 }), rules)!;
    expect(verdict([rr, hf], sev)).toEqual({ score: 100, severity: 'LABEL' });
    // Bombing one victim 60 times an hour is 60 calls an hour: still one signal.
    expect(verdict([callBombing(sig({ bombingMax: 60 }), rules)!, hf, night, short], sev).severity).toBe('LABEL');
  });

  it('no rule at its maximum, with every context rule at its maximum, is BLOCK_RECOMMENDED', () => {
    const rules = defaultConfig().rules;
    const max = emptySignals() as unknown as Record<string, unknown>;
    for (const k of Object.keys(max)) if (typeof max[k] === 'number') max[k] = 1e6;
    max.isMarketingLine = true;
    // Nobody engaged or picked up (LOW_ANSWER_FANOUT and SEQUENTIAL_DIALING speak only then).
    for (const k of ['strangerAnswered1h', 'strangerAnswered24h', 'strangerTalked1h', 'strangerTalked24h', 'callbacks1h', 'callbacks24h', 'strangerPickedUp24h']) max[k] = 0;
    // Engaged night calls (context), and the context rules at their maximum.
    const ctx = { ...(max as unknown as Signals), strangerAnswered24h: 1e6, strangerTalked24h: 1e6 };
    const context = [highFrequency(ctx, rules)!, shortCalls(ctx, rules)!, quietHours(ctx, rules)!];
    expect(context.every((r) => r.context === true)).toBe(true);
    // Calls mostly rung once show no answer rate (LOW_ANSWER_FANOUT is silent): the same number without them too.
    const strong = [max, { ...max, ringOnce1h: 0, ringOnce24h: 0 }]
      .flatMap((signals) => RULE_SET.map((rule) => rule(signals as unknown as Signals, rules)))
      .filter((r) => r !== null && r.context !== true);
    expect(new Set(strong.map((r) => r!.rule)).size).toBeGreaterThanOrEqual(9);
    for (const r of strong) expect(verdict([r!, ...context], sev).severity, r!.rule).not.toBe('BLOCK_RECOMMENDED');
  });

  it('does not count marketing-like QUIET_HOURS as a second rule: unanswered night calls are one signal with LOW_ANSWER_FANOUT', () => {
    const rules = defaultConfig().rules;
    // Six strangers rung between 22:30 and 22:40, none answering: both rules judge the same six calls.
    const s: Signals = { ...emptySignals(), quietStranger24h: 6, strangerCalls1h: 6, strangerCalls24h: 6, newStrangers1h: 6, newStrangers24h: 6, calls1h: 6, calls24h: 6 };
    const night = quietHours(s, rules)!;
    expect(night.context).toBeUndefined();
    expect(night.restates).toBe(true);
    expect(verdict([reason('LOW_ANSWER_FANOUT', 60), night], sev).severity).toBe('LABEL');
    // Alone it is still a LABEL: marketing at night.
    expect(verdict([night], sev).severity).toBe('LABEL');
  });

  it('gives BLOCK_RECOMMENDED to two strong signals reaching the block score', () => {
    expect(verdict([reason('LOW_ANSWER_FANOUT', 55), reason('REJECTION_REPEAT', 50)], sev)).toEqual({ score: 100, severity: 'BLOCK_RECOMMENDED' });
  });

  it("does not count another rule's WATCH-grade step as the second rule: it would not label the number on its own", () => {
    const rules = defaultConfig().rules;
    const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });
    // A parcel station's low answer rate, and one customer who rejected it rung twice more (REJECTION_REPEAT's WATCH, 40).
    const second = rejectionRepeat(sig({ rejectionRepeatMax: rules.rejectionRepeat.repeats }), rules)!;
    expect(verdict([second], sev).severity).toBe('WATCH');
    expect(verdict([reason('LOW_ANSWER_FANOUT', 60), second], sev)).toEqual({ score: 100, severity: 'LABEL' });
    // Three repeats (its LABEL grade) make it a second rule.
    const third = rejectionRepeat(sig({ rejectionRepeatMax: rules.rejectionRepeat.repeats + 1 }), rules)!;
    expect(verdict([reason('LOW_ANSWER_FANOUT', 60), third], sev).severity).toBe('BLOCK_RECOMMENDED');
  });

  it("counts two distinct reporters' complaints (their WATCH grade) as a second rule when they are evidence: testimony, not the calls read again", () => {
    expect(verdict([reason('REJECTION_REPEAT', 70), reason('COMPLAINTS', 35)], sev)).toEqual({ score: 100, severity: 'BLOCK_RECOMMENDED' });
    expect(verdict([reason('REJECTION_REPEAT', 70), { ...reason('COMPLAINTS', 35), context: true }], sev).severity).toBe('LABEL');
  });

  it('does not give BLOCK_RECOMMENDED to two strong signals below the block score', () => {
    expect(verdict([reason('LOW_ANSWER_FANOUT', 50), reason('QUIET_HOURS', 25)], sev)).toEqual({ score: 75, severity: 'LABEL' });
  });

  it('honours a stricter blockMinRules', () => {
    const strict = { ...sev, blockMinRules: 3 };
    expect(verdict([reason('LOW_ANSWER_FANOUT', 60), reason('COMPLAINTS', 40)], strict).severity).toBe('LABEL');
    expect(verdict([reason('LOW_ANSWER_FANOUT', 55), reason('COMPLAINTS', 20), reason('QUIET_HOURS', 25)], strict).severity).toBe('LABEL');
    expect(verdict([reason('LOW_ANSWER_FANOUT', 50), reason('COMPLAINTS', 20), reason('SEQUENTIAL_DIALING', 50)], strict).severity).toBe('BLOCK_RECOMMENDED');
  });

  it('ranks severities WATCH < LABEL < BLOCK_RECOMMENDED', () => {
    expect(SEVERITY_RANK.WATCH).toBeLessThan(SEVERITY_RANK.LABEL);
    expect(SEVERITY_RANK.LABEL).toBeLessThan(SEVERITY_RANK.BLOCK_RECOMMENDED);
  });
});

describe('flagId', () => {
  const start = Date.UTC(2025, 2, 3, 1, 0);

  it('is deterministic: the same number, severity and window give the same id', () => {
    expect(flagId('+8613800138000', 'LABEL', start)).toBe(flagId('+8613800138000', 'LABEL', start));
    expect(flagId('+8613800138000', 'LABEL', start)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('differs when the number, the severity or the evidence window differs', () => {
    const ids = new Set([
      flagId('+8613800138000', 'LABEL', start),
      flagId('+8613800138001', 'LABEL', start),
      flagId('+8613800138000', 'WATCH', start),
      flagId('+8613800138000', 'BLOCK_RECOMMENDED', start),
      flagId('+8613800138000', 'LABEL', start + 60_000),
    ]);
    expect(ids.size).toBe(5);
  });
});

describe('windowMs', () => {
  it('knows the window labels the rules use', () => {
    expect(windowMs('1h')).toBe(3_600_000);
    expect(windowMs('24h')).toBe(86_400_000);
    expect(windowMs('7d')).toBe(7 * 86_400_000);
    expect(windowMs('30d')).toBe(30 * 86_400_000);
  });

  it('reads back the label of any configured window', () => {
    for (const ms of [3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, 90 * 86_400_000, 4 * 3_600_000, 48 * 3_600_000, 45 * 60_000, 90_000]) {
      expect(windowMs(windowLabel(ms)), windowLabel(ms)).toBe(ms);
    }
    expect([windowLabel(3_600_000), windowLabel(86_400_000), windowLabel(7 * 86_400_000), windowLabel(36 * 3_600_000)]).toEqual(['1h', '24h', '7d', '36h']);
  });
});
