import { describe, expect, it } from 'vitest';
import { RULES } from '../../contracts/records.ts';
import { defaultConfig } from '../../config/index.ts';
import { EVIDENCE_RULES } from '../../config/schema.ts';
import { emptySignals } from '../signals.ts';
import { RULE_SET } from './index.ts';

const c = defaultConfig().rules;

/**
 * Signals at which every rule fires but LOW_ANSWER_FANOUT: most calls are rung once, and calls nobody could answer
 * show no answer rate (RING_ONCE judges them). `loudAnswered` is the same number whose calls rang long enough.
 */
const loud = {
  ...emptySignals(),
  calls1h: 100,
  calls24h: 450, // strangers are most of the calls (a campaign member calls strangers almost only)
  answered24h: 20,
  shortTalk24h: 20,
  strangerCalls1h: 40,
  strangerCalls24h: 400,
  newStrangers1h: 40,
  newStrangers24h: 400,
  ringOnce1h: 60,
  ringOnce24h: 600,
  sequential1h: 60,
  quietStranger24h: 50,
  noConsent24h: 50,
  rejectionRepeats24h: 5,
  rejectionRepeatMax: 5,
  bombingMax: 20,
  swarmCallers: 12,
  complaintReporters: 5,
  complaintWeighted: 5,
  isMarketingLine: true,
  campaignMembers: 10,
  campaignCalls: 500,
  campaignListed: 10,
  campaignNeighbours: 9,
};
const loudAnswered = { ...loud, ringOnce1h: 0, ringOnce24h: 0 };
/** The rules' reasons at `loud` and `loudAnswered`, each rule's first. */
const loudest = () => RULE_SET.map((rule) => rule(loud, c) ?? rule(loudAnswered, c));

describe('RULE_SET', () => {
  it('holds one rule for every rule name of the contract', () => {
    const names = loudest().map((r) => r?.rule);
    expect(names).not.toContain(undefined);
    expect([...names].sort()).toEqual([...RULES].sort());
  });

  it('says nothing about a number that did nothing', () => {
    for (const rule of RULE_SET) expect(rule(emptySignals(), c)).toBeNull();
  });

  it('gives every reason positive points and the contract fields only besides them (and the context, restates and newestAt marks)', () => {
    for (const r of loudest()) {
      expect(r).not.toBeNull();
      expect(Object.keys(r!).filter((k) => k !== 'context' && k !== 'restates' && k !== 'newestAt').sort()).toEqual(['points', 'rule', 'threshold', 'value', 'window']);
      expect(r!.points).toBeGreaterThan(0);
      expect(r!.points).toBeLessThanOrEqual(100);
      expect(['1h', '24h', '7d', '30d']).toContain(r!.window);
    }
  });

  it('has EVIDENCE_RULES rules whose reasons can count towards blockMinRules (the config caps the minimum there)', () => {
    const evidence = new Set<string>();
    for (const signals of [loud, loudAnswered, { ...loud, isMarketingLine: false }, { ...loudAnswered, isMarketingLine: false }]) {
      for (const rule of RULE_SET) {
        const r = rule(signals, c);
        if (r && r.context !== true && r.restates !== true) evidence.add(r.rule);
      }
    }
    expect(evidence.size).toBe(EVIDENCE_RULES);
    for (const always of ['HIGH_FREQUENCY', 'SHORT_CALLS', 'QUIET_HOURS']) expect(evidence).not.toContain(always);
  });

  it('rules are pure: the same signals give the same reasons and are not modified', () => {
    const before = JSON.stringify(loud);
    const a = RULE_SET.map((rule) => rule(loud, c));
    const b = RULE_SET.map((rule) => rule(loud, c));
    expect(a).toEqual(b);
    expect(JSON.stringify(loud)).toBe(before);
  });
});
