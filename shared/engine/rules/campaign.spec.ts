import { describe, expect, it } from 'vitest';
import type { FlagEvent } from '../../contracts/records.ts';
import { defaultConfig } from '../../config/index.ts';
import { CampaignGroups, createEngine } from '../index.ts';
import { DAY, HOUR, MIN, T0, Traffic, atLeast, flagsOf, mobile, play, rng, stranger, withRule } from '../testing/calls.ts';
import { emptySignals, wilsonUpper, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { campaign, looksLikeCampaign } from './campaign.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const { members: MEMBERS, listedMembers: LISTED, strangerCallsPerDay: GROUP_CALLS, memberStrangersPerDay: MEMBER_CALLS, quietMemberStrangers: QUIET_CALLS, memberMaxAnswerRate: MAX } = c.campaign;

/** A quiet marketer (15 strangers a day, 3 engaged) in a group of 6, all alike and numbered close together, making 90 stranger calls, 18 engaged. */
const member = (o: Partial<Signals> = {}): Signals => ({
  ...emptySignals(),
  strangerCalls24h: 15,
  newStrangers24h: 15,
  strangerAnswered24h: 3,
  campaignMembers: 6,
  campaignCalls: 90,
  campaignEngaged: 18,
  campaignPickedUp: 25,
  campaignPickCalls: 90,
  campaignListed: 6,
  campaignNeighbours: 5,
  ...o,
});

describe('CAMPAIGN', () => {
  it('scores a member only when enough of the listed members sit within the neighbourhood of its number', () => {
    expect(campaign(member({ campaignNeighbours: LISTED - 2 }), c)).toBeNull();
    expect(campaign(member({ campaignNeighbours: LISTED - 1 }), c)).not.toBeNull();
  });

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
    expect(looksLikeCampaign(6, 6, 90, 18, 25, 90, c)).toBe(true);
    expect(looksLikeCampaign(MEMBERS - 1, 6, 90, 18, 25, 90, c)).toBe(false);
    expect(looksLikeCampaign(6, LISTED - 1, 90, 18, 25, 90, c)).toBe(false);
    expect(looksLikeCampaign(6, 6, GROUP_CALLS - 1, 0, 0, GROUP_CALLS - 1, c)).toBe(false);
    expect(looksLikeCampaign(6, 6, 90, 40, 45, 90, c)).toBe(false);
    expect(looksLikeCampaign(6, 6, 90, 18, 70, 90, c)).toBe(false);
    // The pick-up share is of the calls counted with pick-ups (a group restored from an older snapshot: its calls since).
    expect(looksLikeCampaign(6, 6, 90, 18, 28, 40, c)).toBe(false);
  });

  it('is silent while the public plainly picks the group up at the first try, however briefly (a privacy-number pool)', () => {
    // 300 first calls, 195 picked up (65 %), 45 kept on the line past the cut: engagement is a campaign's.
    expect(wilsonUpper(45, 300)).toBeLessThan(MAX);
    expect(campaign(member({ campaignCalls: 300, campaignEngaged: 45, campaignPickedUp: 195, campaignPickCalls: 300 }), c)).toBeNull();
    // The bound decides, not the share: 53 % of 30 first tries could be chance; of 300 it is not.
    expect(1 - wilsonUpper(14, 30)).toBeLessThan(MAX);
    expect(campaign(member({ campaignCalls: 30, campaignEngaged: 3, campaignPickedUp: 16, campaignPickCalls: 30 }), c)).not.toBeNull();
    expect(1 - wilsonUpper(140, 300)).toBeGreaterThan(MAX);
    expect(campaign(member({ campaignCalls: 300, campaignEngaged: 30, campaignPickedUp: 160, campaignPickCalls: 300 }), c)).toBeNull();
    // A snowshoe whose public picks up 40 % stays one.
    expect(campaign(member({ campaignCalls: 300, campaignEngaged: 45, campaignPickedUp: 120, campaignPickCalls: 300 }), c)).not.toBeNull();
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
    expect(campaign(member({ strangerCalls24h: QUIET_CALLS - 0.5, newStrangers24h: 1, strangerAnswered24h: 0 }), c)).toBeNull();
    expect(campaign(member({ strangerCalls24h: 10, newStrangers24h: 10, strangerAnswered24h: 5 }), c)).toBeNull();
    expect(campaign(member({ strangerCalls24h: MEMBER_CALLS, strangerAnswered24h: 0 }), c)).not.toBeNull();
  });

  it('scores a member whose stranger calls are exactly memberStrangerShare of its calls, not one whose share is below', () => {
    const share = c.campaign.memberStrangerShare;
    const calls = 20;
    const strangers = Math.ceil(share * calls);
    expect(strangers / calls).toBe(share);
    const m = (callsDay: number) => member({ strangerCalls24h: strangers, newStrangers24h: strangers, calls24h: callsDay });
    expect(campaign(m(calls), c)).not.toBeNull();
    expect(campaign(m(calls + 1), c)).toBeNull();
  });

  it('scores a member quieter than listed (two unanswered strangers) only with as many listed members near it as the group needs listed', () => {
    expect(QUIET_CALLS).toBeLessThan(MEMBER_CALLS);
    const quiet = { strangerCalls24h: QUIET_CALLS, newStrangers24h: QUIET_CALLS, strangerAnswered24h: 0 };
    expect(campaign(member({ ...quiet, campaignNeighbours: LISTED - 1 }), c)).toBeNull(); // enough for a listed member
    expect(campaign(member({ ...quiet, strangerCalls24h: MEMBER_CALLS, newStrangers24h: MEMBER_CALLS, campaignNeighbours: LISTED - 1 }), c)).not.toBeNull();
    expect(campaign(member({ ...quiet, campaignNeighbours: LISTED }), c)).toMatchObject({ rule: 'CAMPAIGN' });
    // One of its two strangers engaged: not alike.
    expect(campaign(member({ ...quiet, strangerAnswered24h: 1, campaignNeighbours: LISTED }), c)).toBeNull();
    // A single call is not enough by default, even inside the range; an operator may configure it to be.
    const single = member({ strangerCalls24h: 1, newStrangers24h: 1, strangerAnswered24h: 0, campaignNeighbours: 10 });
    expect(campaign(single, c)).toBeNull();
    expect(campaign(single, { ...c, campaign: { ...c.campaign, quietMemberStrangers: 1 } })).not.toBeNull();
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

  it('does not judge the member\'s shares when a count they need is at the counters\' ceiling', () => {
    // 100,000 calls a day, 60,000 to strangers: the call count stopped at 65,535, so strangers read as 92 % of it.
    const busy = { calls24h: 65_535, strangerCalls24h: 60_000, newStrangers24h: 60_000, strangerAnswered24h: 3_000 };
    expect(campaign(member(busy), c)).not.toBeNull();
    expect(campaign(member({ ...busy, calls24hSaturated: true }), c)).toBeNull();
    // Engagement at the ceiling (yesterday's callbacks stopped at 65,535, read as 50,000 now) is only a lower bound: the rate cannot be judged low.
    const engaged = { calls24h: 131_070, strangerCalls24h: 131_070, newStrangers24h: 131_070, strangerAnswered24h: 5_000, callbacks24h: 50_000 };
    expect(campaign(member(engaged), c)).not.toBeNull();
    expect(campaign(member({ ...engaged, engagement24hSaturated: true }), c)).toBeNull();
  });
});

/** Whole blocks through the engine: a small operation recognised by its evidence, and benign blocks left alone. */
describe('CAMPAIGN through the engine', () => {
  const engine = () => createEngine(defaultConfig(), { now: () => 0 });
  const labelled = (flags: FlagEvent[], numbers: string[]) => numbers.filter((n) => atLeast(flagsOf(flags, n), 'LABEL').length > 0);
  const block = (base: string, n: number, step = 1) => Array.from({ length: n }, (_, k) => `${base}${String(100 + k * step).padStart(3, '0')}`);

  it('a small operation — six numbers, 7 strangers each over 2.5 h, 15 % engaged: 42 calls, far under any volume gate — is labelled, each number only together', () => {
    const six = block('+8613712347', 6, 2);
    const run = (numbers: string[]) => {
      const random = rng(31);
      const tr = new Traffic();
      let n = 0;
      numbers.forEach((num, m) => {
        for (let i = 0; i < 7; i++) {
          const at = T0 + m * 40 * MIN + i * 25 * MIN; // 7 calls over 2.5 h: under 6 an hour
          if (random() < 0.15) tr.answered(at, num, stranger(7000 + n++, '156'), 15, { provider: 'carrier-z' });
          else tr.noAnswer(at, num, stranger(7000 + n++, '156'), { provider: 'carrier-z' });
        }
      });
      return play(engine(), tr.inputs()).flags;
    };
    expect(atLeast(run(six.slice(0, 1)), 'LABEL')).toEqual([]);
    const flags = run(six);
    for (const m of six) expect(atLeast(withRule(flagsOf(flags, m), 'CAMPAIGN'), 'LABEL'), m).not.toEqual([]);
  });

  /**
   * A range of numbers leased together (every other number of a block): five
   * ring 8 strangers each, unanswered, over the morning; three more ring two
   * strangers each and rotate out, one of them before the group is
   * recognised; one rings a single stranger. Elsewhere in the block a
   * resident rings two strangers who do not answer.
   */
  it('a snowshoe range whose numbers rotate out after two unanswered calls: each is labelled with the operation, the one that called before it was recognised when it is; a single call and a resident far off are not', () => {
    const range = block('+8613712355', 10, 2);
    const [listed, quiet, single] = [range.slice(0, 5), range.slice(5, 8), range[8]];
    const early = range[9];
    const resident = '+8613712355900';
    const tr = new Traffic();
    let n = 0;
    const ring = (at: number, from: string) => tr.noAnswer(at, from, stranger(9000 + n++, '158'), { provider: 'carrier-q' });
    ring(T0, early);
    ring(T0 + 5 * MIN, early);
    for (let i = 0; i < 8; i++) listed.forEach((m, k) => ring(T0 + HOUR + i * 20 * MIN + k * MIN, m));
    quiet.forEach((m, k) => [0, 1].forEach((i) => ring(T0 + 5 * HOUR + k * 30 * MIN + i * 10 * MIN, m)));
    ring(T0 + 6 * HOUR, single);
    ring(T0 + 6 * HOUR, resident);
    ring(T0 + 6 * HOUR + 15 * MIN, resident);
    const flags = play(engine(), tr.inputs()).flags;
    expect(labelled(flags, [...listed, ...quiet, early])).toEqual([...listed, ...quiet, early]);
    for (const m of [...quiet, early]) expect(withRule(atLeast(flagsOf(flags, m), 'LABEL'), 'CAMPAIGN'), m).not.toEqual([]);
    // The early number is judged when the group is recognised, hours after its two calls.
    expect(flagsOf(flags, early)[0].detectedAt).toBeGreaterThan(T0 + HOUR);
    expect(labelled(flags, [single, resident])).toEqual([]);
  });

  it('hands a quiet member that called before the group was recognised to the engine that tracks it, when the engines of partitions share the groups', () => {
    const range = block('+8613712356', 10, 2);
    const [listed, early] = [range.slice(0, 5), range[9]];
    const tr = new Traffic();
    let n = 0;
    const ring = (at: number, from: string) => tr.noAnswer(at, from, stranger(9500 + n++, '158'), { provider: 'carrier-q' });
    ring(T0, early);
    ring(T0 + 5 * MIN, early);
    for (let i = 0; i < 8; i++) listed.forEach((m, k) => ring(T0 + HOUR + i * 20 * MIN + k * MIN, m));
    // Later, someone else on the early number's partition calls a friend (an engine takes hand-overs at its next call).
    const other = mobile(4242, '139');
    tr.answered(T0 + 5 * HOUR, other, mobile(4243, '139'), 60);
    // The early number's calls (and the other's) go to one engine, every listed member's to the other; each call in event-time order.
    const run = (shared: boolean) => {
      const groups = shared ? new CampaignGroups() : undefined;
      const engines = [0, 1].map(() => createEngine(defaultConfig(), { now: () => 0, campaignGroups: groups }));
      return tr.inputs().flatMap((x) => (x.kind === 'call' ? play(engines[x.event.caller === early || x.event.caller === other ? 0 : 1], [x]).flags : []));
    };
    expect(labelled(run(true), [early])).toEqual([early]);
    // The one that recognised the group does not track it: with its own groups neither engine sees the campaign whole.
    expect(labelled(run(false), [early])).toEqual([]);
  });

  it('judges yesterday’s quiet members when the group is recognised after midnight UTC, however the 24-h estimate has faded their two calls', () => {
    const range = block('+8613712357', 10, 2);
    const listed = range.slice(0, 5);
    const quiet = range[9];
    const midnight = T0 - 2 * HOUR + DAY;
    const tr = new Traffic();
    let n = 0;
    const ring = (at: number, from: string) => tr.noAnswer(at, from, stranger(9800 + n++, '158'), { provider: 'carrier-q' });
    // Four strangers each before midnight (not yet listed), the rest after.
    for (let i = 0; i < 8; i++) listed.forEach((m, k) => ring(midnight - 2 * HOUR + i * 25 * MIN + k * MIN, m));
    ring(midnight - 3 * HOUR, quiet);
    ring(midnight - 3 * HOUR + 10 * MIN, quiet);
    const flags = play(engine(), tr.inputs()).flags;
    const first = atLeast(flagsOf(flags, listed[0]), 'LABEL')[0];
    expect(first.detectedAt).toBeGreaterThan(midnight);
    expect(withRule(atLeast(flagsOf(flags, quiet), 'LABEL'), 'CAMPAIGN').map((f) => f.detectedAt)).toEqual([first.detectedAt]);
  });

  it('takes a stranger rung twice for one stranger: a quiet member needs two distinct strangers', () => {
    const range = block('+8613712358', 10, 2);
    const listed = range.slice(0, 5);
    const [redialler, two] = [range[5], range[6]];
    const tr = new Traffic();
    let n = 0;
    const ring = (at: number, from: string, to = stranger(9900 + n++, '158')) => tr.noAnswer(at, from, to, { provider: 'carrier-q' });
    for (let i = 0; i < 8; i++) listed.forEach((m, k) => ring(T0 + i * 20 * MIN + k * MIN, m));
    const plumber = stranger(9990, '158');
    ring(T0 + 4 * HOUR, redialler, plumber);
    ring(T0 + 4 * HOUR + 5 * MIN, redialler, plumber);
    ring(T0 + 4 * HOUR, two);
    ring(T0 + 4 * HOUR + 5 * MIN, two);
    const flags = play(engine(), tr.inputs()).flags;
    expect(labelled(flags, [redialler, two])).toEqual([two]);
  });

  it('a company’s switchboard block — twelve lines calling customers, 55 % answered, each missed customer retried twice — is not a campaign', () => {
    const lines = block('+8601088881', 12);
    const random = rng(37);
    const tr = new Traffic();
    let n = 0;
    for (let day = 0; day < 2; day++) {
      lines.forEach((line, k) => {
        for (let i = 0; i < 10; i++) {
          const at = T0 + day * DAY + k * 3 * MIN + i * 40 * MIN;
          const customer = stranger(20_000 + n++, '159');
          if (random() < 0.55) tr.answered(at, line, customer, 90, { provider: 'carrier-w' });
          else {
            tr.noAnswer(at, line, customer, { provider: 'carrier-w' });
            tr.noAnswer(at + 10 * MIN, line, customer, { provider: 'carrier-w' });
            tr.noAnswer(at + 20 * MIN, line, customer, { provider: 'carrier-w' });
          }
        }
      });
    }
    const flags = play(engine(), tr.inputs()).flags;
    expect(withRule(flags, 'CAMPAIGN')).toEqual([]);
    expect(labelled(flags, lines)).toEqual([]);
  });

  /**
   * A platform's privacy-number pool: twelve consecutive virtual numbers show
   * every rider's call to a customer. Each rings 20 customers over the day;
   * `answer` of them pick up at the first ring and say a few words (3–8 s:
   * "I'm downstairs"), the rest are rung again a minute later and mostly pick
   * up then. Engagement past the 10-s cut is a campaign's either way; whether
   * the public answers is not.
   */
  const pool = (answer: number, seed: number) => {
    const xs = block('+8617100200', 12);
    const random = rng(seed);
    const tr = new Traffic();
    let n = 0;
    xs.forEach((x, k) => {
      for (let i = 0; i < 20; i++) {
        const at = T0 + k * MIN + i * 30 * MIN;
        const customer = stranger(50_000 + n++, '186');
        const talk = 3 + Math.floor(random() * 6);
        if (random() < answer) tr.answered(at, x, customer, talk, { provider: 'carrier-p' });
        else {
          tr.noAnswer(at, x, customer, { provider: 'carrier-p' });
          if (random() < 0.6) tr.answered(at + MIN, x, customer, talk, { provider: 'carrier-p' });
        }
      }
    });
    return { xs, flags: play(engine(), tr.inputs()).flags };
  };

  it('a privacy-number pool whose customers mostly pick up at the first ring, for a few seconds, is not a campaign; the same block answered at a third is', () => {
    const riders = pool(0.7, 43);
    expect(withRule(riders.flags, 'CAMPAIGN')).toEqual([]);
    const shunned = pool(0.3, 43);
    expect(labelled(withRule(shunned.flags, 'CAMPAIGN'), shunned.xs).length).toBeGreaterThanOrEqual(10);
  });

  it('a block of ordinary subscribers — mostly calls to contacts, a few strangers, most of whom answer — is not labelled, however many', () => {
    const people = block('+8613912340', 40);
    const random = rng(41);
    const tr = new Traffic();
    let n = 0;
    const friends = (k: number) => [0, 1].map((i) => mobile(800_000 + k * 10 + i, '135'));
    people.forEach((p, k) => friends(k).forEach((f, i) => tr.answered(T0 - DAY + k * MIN + i * HOUR, f, p, 120)));
    for (let day = 0; day < 2; day++) {
      people.forEach((p, k) => {
        const base = T0 + day * DAY + k * 5 * MIN;
        friends(k).forEach((f, i) => tr.answered(base + i * HOUR, p, f, 180, { provider: 'carrier-v' }));
        for (let i = 0; i < 3; i++) {
          const at = base + (3 + i * 2) * HOUR;
          if (random() < 0.6) tr.answered(at, p, stranger(30_000 + n++, '157'), 60, { provider: 'carrier-v' });
          else tr.noAnswer(at, p, stranger(30_000 + n++, '157'), { provider: 'carrier-v' });
        }
      });
    }
    expect(labelled(play(engine(), tr.inputs()).flags, people)).toEqual([]);
  });

  it('a family’s block — six numbers ringing each other (strangers to the engine at first), and now and then a shop that does not answer — is not labelled', () => {
    const family = block('+8613812349', 6);
    const tr = new Traffic();
    let n = 0;
    for (let day = 0; day < 2; day++) {
      family.forEach((a, k) => {
        family.forEach((b, j) => {
          if (a !== b) tr.answered(T0 + day * DAY + k * 20 * MIN + j * 2 * MIN, a, b, 120, { provider: 'carrier-u' });
        });
        for (let i = 0; i < 3; i++) tr.noAnswer(T0 + day * DAY + 4 * HOUR + k * 10 * MIN + i * MIN, a, stranger(40_000 + n++, '150'), { provider: 'carrier-u' });
      });
    }
    expect(labelled(play(engine(), tr.inputs()).flags, family)).toEqual([]);
  });
});
