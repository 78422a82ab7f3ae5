import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, wilsonUpper, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { campaign, looksLikeCampaign } from './campaign.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const { members: MEMBERS, listedMembers: LISTED, strangerCallsPerDay: GROUP_CALLS, memberStrangersPerDay: MEMBER_CALLS, memberMaxAnswerRate: MAX } = c.campaign;

/** A quiet marketer (15 strangers a day, 3 engaged) in a group of 6, all alike, making 90 stranger calls, 18 engaged. */
const member = (o: Partial<Signals> = {}): Signals => ({
  ...emptySignals(),
  strangerCalls24h: 15,
  newStrangers24h: 15,
  strangerAnswered24h: 3,
  campaignMembers: 6,
  campaignCalls: 90,
  campaignEngaged: 18,
  campaignListed: 6,
  ...o,
});

describe('CAMPAIGN', () => {
  it('is silent for a number in no group', () => {
    expect(campaign(member({ campaignMembers: 0, campaignCalls: 0, campaignEngaged: 0 }), c)).toBeNull();
  });

  it('fires for a member of a group that calls like a telemarketer: LABEL on its own, with the contract fields', () => {
    const r = campaign(member(), c);
    expect(r).toMatchObject({ rule: 'CAMPAIGN', window: '24h', value: 6, threshold: MEMBERS });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('needs enough members', () => {
    expect(campaign(member({ campaignMembers: MEMBERS - 0.1 }), c)).toBeNull();
    expect(campaign(member({ campaignMembers: MEMBERS }), c)?.points).toBe(50);
  });

  it('needs enough stranger calls over the whole group for its rate to be evidence', () => {
    expect(campaign(member({ campaignCalls: GROUP_CALLS - 0.1, campaignEngaged: 0 }), c)).toBeNull();
    expect(campaign(member({ campaignCalls: GROUP_CALLS, campaignEngaged: 0 }), c)).not.toBeNull();
  });

  it('needs members that behave alike: enough of them look like quiet marketers on their own', () => {
    expect(campaign(member({ campaignListed: LISTED - 0.1 }), c)).toBeNull();
    expect(campaign(member({ campaignListed: LISTED }), c)).not.toBeNull();
  });

  it('recognises a small operation by its evidence, not its volume: 6 numbers, 43 calls, 6 engaged', () => {
    expect(campaign(member({ campaignMembers: 6, campaignListed: 4, campaignCalls: 43, campaignEngaged: 6 }), c)).not.toBeNull();
    // The same numbers with their callees engaging like anyone's (half) are not one.
    expect(campaign(member({ campaignMembers: 6, campaignListed: 4, campaignCalls: 43, campaignEngaged: 21 }), c)).toBeNull();
  });

  it('looksLikeCampaign is the rule’s group test, shared with the tracker', () => {
    expect(looksLikeCampaign(6, 6, 90, 18, c.campaign)).toBe(true);
    expect(looksLikeCampaign(MEMBERS - 1, 6, 90, 18, c.campaign)).toBe(false);
    expect(looksLikeCampaign(6, LISTED - 1, 90, 18, c.campaign)).toBe(false);
    expect(looksLikeCampaign(6, 6, GROUP_CALLS - 1, 0, c.campaign)).toBe(false);
    expect(looksLikeCampaign(6, 6, 90, 40, c.campaign)).toBe(false);
  });

  it('needs the group’s callees not to engage, judged by the upper bound of the rate', () => {
    // 30 of 90 engaged is a third, under the maximum, but only the bound counts.
    let k = 0;
    while (wilsonUpper(k + 1, 90) <= MAX) k++;
    expect(campaign(member({ campaignEngaged: k }), c)).not.toBeNull();
    expect(campaign(member({ campaignEngaged: k + 1 }), c)).toBeNull();
    expect((k + 1) / 90).toBeLessThan(MAX);
  });

  it('does not score a member that itself barely calls strangers, or whose callees engage', () => {
    expect(campaign(member({ strangerCalls24h: MEMBER_CALLS - 0.5, strangerAnswered24h: 0 }), c)).toBeNull();
    expect(campaign(member({ strangerCalls24h: 10, newStrangers24h: 10, strangerAnswered24h: 5 }), c)).toBeNull();
    expect(campaign(member({ strangerCalls24h: MEMBER_CALLS, strangerAnswered24h: 0 }), c)).not.toBeNull();
  });

  it('rises with the members to 70 points at 3× and stops there', () => {
    expect(campaign(member({ campaignMembers: 2 * MEMBERS }), c)?.points).toBeCloseTo(60, 6);
    expect(campaign(member({ campaignMembers: 3 * MEMBERS }), c)?.points).toBe(70);
    expect(campaign(member({ campaignMembers: 100 * MEMBERS, campaignCalls: 9000, campaignEngaged: 900 }), c)?.points).toBe(70);
  });

  it('reports interpolated member counts rounded to one decimal', () => {
    expect(campaign(member({ campaignMembers: 5.4321 }), c)?.value).toBe(5.4);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, campaign: { ...c.campaign, members: 10, strangerCallsPerDay: 10 } };
    expect(campaign(member({ campaignMembers: 9 }), custom)).toBeNull();
    expect(campaign(member({ campaignMembers: 10 }), custom)?.threshold).toBe(10);
  });
});
