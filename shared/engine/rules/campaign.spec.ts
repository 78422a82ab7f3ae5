import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { campaign } from './campaign.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('CAMPAIGN', () => {
  it('is silent for a number in no group', () => {
    expect(campaign(sig({ strangerCalls24h: 15 }), c)).toBeNull();
  });

  it('needs enough members', () => {
    expect(campaign(sig({ campaignMembers: 3.9, campaignCalls: 500 }), c)).toBeNull();
  });

  it('needs enough stranger calls over the whole group', () => {
    expect(campaign(sig({ campaignMembers: 6, campaignCalls: 79.9 }), c)).toBeNull();
  });

  it('is a LABEL at exactly the thresholds, with the contract fields', () => {
    const r = campaign(sig({ campaignMembers: 4, campaignCalls: 80 }), c);
    expect(r).toEqual({ rule: 'CAMPAIGN', window: '24h', value: 4, threshold: 4, points: 50 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('rises with the members to 70 points at 3× and stops there', () => {
    expect(campaign(sig({ campaignMembers: 8, campaignCalls: 80 }), c)?.points).toBeCloseTo(60, 6);
    expect(campaign(sig({ campaignMembers: 12, campaignCalls: 80 }), c)?.points).toBe(70);
    expect(campaign(sig({ campaignMembers: 400, campaignCalls: 8000 }), c)?.points).toBe(70);
  });

  it('reports interpolated member counts rounded to one decimal', () => {
    expect(campaign(sig({ campaignMembers: 5.4321, campaignCalls: 90 }), c)?.value).toBe(5.4);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, campaign: { ...c.campaign, members: 10, strangerCallsPerDay: 10 } };
    expect(campaign(sig({ campaignMembers: 9, campaignCalls: 100 }), custom)).toBeNull();
    expect(campaign(sig({ campaignMembers: 10, campaignCalls: 10 }), custom)?.threshold).toBe(10);
  });
});
