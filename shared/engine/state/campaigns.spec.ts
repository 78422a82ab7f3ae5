import { describe, expect, it } from 'vitest';
import { CampaignGroups } from './campaigns.ts';

const DAY = 86_400_000;
/** Midnight UTC at the start of a day, and 02:00 of it. */
const D0 = Date.UTC(2025, 2, 3);
const T = D0 + 2 * 3_600_000;

describe('CampaignGroups', () => {
  it('gives one id per block and provider', () => {
    const g = new CampaignGroups();
    const a = g.idFor(8613712345, 'p1');
    expect(g.idFor(8613712345, 'p1')).toBe(a);
    expect(g.idFor(8613712345, 'p2')).not.toBe(a);
    expect(g.idFor(8613712346, 'p1')).not.toBe(a);
    expect(g.size).toBe(3);
  });

  it('counts members, stranger calls and engaged calls within the day', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    g.join(id, T);
    g.join(id, T + 1000);
    for (let i = 0; i < 10; i++) g.addCall(id, T + 2000 + i, true, i < 3, i < 6);
    expect(g.value(id, T + 3000)).toEqual({ members: 2, calls: 10, engaged: 3, pickedUp: 6, pickCalls: 10, listed: 0 });
  });

  it('carries yesterday into today, fading as today passes', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    for (let m = 0; m < 6; m++) {
      g.join(id, T);
      for (let i = 0; i < 15; i++) g.addCall(id, T, true, i < 3, i < 9);
    }
    // At the very start of the next day everything of yesterday still counts.
    expect(g.value(id, D0 + DAY)).toEqual({ members: 6, calls: 90, engaged: 18, pickedUp: 54, pickCalls: 90, listed: 0 });
    // A quarter into the next day, three quarters remain.
    expect(g.value(id, D0 + DAY + DAY / 4)).toEqual({ members: 4.5, calls: 67.5, engaged: 13.5, pickedUp: 40.5, pickCalls: 67.5, listed: 0 });
    // Today's calls count in full on top; members are the larger of today and the faded yesterday.
    g.join(id, D0 + DAY + DAY / 4);
    g.addCall(id, D0 + DAY + DAY / 4, true, false, true);
    expect(g.value(id, D0 + DAY + DAY / 4)).toEqual({ members: 4.5, calls: 68.5, engaged: 13.5, pickedUp: 41.5, pickCalls: 68.5, listed: 0 });
  });

  it('forgets a group idle for more than a day', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    g.join(id, T);
    g.addCall(id, T, true, false, true);
    expect(g.value(id, D0 + 2 * DAY)).toEqual({ members: 0, calls: 0, engaged: 0, pickedUp: 0, pickCalls: 0, listed: 0 });
    g.addCall(id, D0 + 2 * DAY + 1000, true, true);
    expect(g.value(id, D0 + 2 * DAY + 1000)).toEqual({ members: 0, calls: 1, engaged: 1, pickedUp: 0, pickCalls: 1, listed: 0 });
  });

  it('counts per callee: a retried stranger once a day, an engaged stranger once', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    g.addCall(id, T, true, false); // a customer, unanswered
    g.addCall(id, T + 1000, false, false); // retried, unanswered
    g.addCall(id, T + 2000, false, true); // retried again, answered: the first engagement
    expect(g.value(id, T + 3000)).toMatchObject({ calls: 1, engaged: 1 });
  });

  it('counts listed members like members: today’s, or the larger of today and the faded yesterday', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    for (const key of [11, 12, 13, 14]) g.list(id, T, key);
    expect(g.value(id, T).listed).toBe(4);
    // Half into the next day, yesterday's four count as two; one listed today does not lower that.
    g.list(id, D0 + DAY + DAY / 2, 15);
    expect(g.value(id, D0 + DAY + DAY / 2).listed).toBe(2);
    for (const key of [16, 17]) g.list(id, D0 + DAY + DAY / 2, key);
    expect(g.value(id, D0 + DAY + DAY / 2).listed).toBe(3);
    // Two days on, nothing.
    expect(g.value(id, D0 + 3 * DAY).listed).toBe(0);
  });

  it('keeps groups apart', () => {
    const g = new CampaignGroups();
    const a = g.idFor(1, 'p1');
    const b = g.idFor(2, 'p1');
    g.join(a, T);
    g.addCall(a, T, true, false);
    expect(g.value(b, T)).toEqual({ members: 0, calls: 0, engaged: 0, pickedUp: 0, pickCalls: 0, listed: 0 });
  });

  it('hands over its listed members once per day when it becomes hot, today’s and yesterday’s', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p1');
    g.list(id, T, 111);
    g.list(id, D0 + DAY + 1000, 222);
    expect(g.markHot(id, D0 + DAY + 2000)).toEqual([111, 222]);
    expect(g.markHot(id, D0 + DAY + 3000)).toEqual([]);
    g.list(id, D0 + 2 * DAY + 1000, 333);
    expect(g.markHot(id, D0 + 2 * DAY + 2000)).toEqual([222, 333]);
  });

  it('hands over its quiet members with the listed ones, once each, today’s and yesterday’s, without counting them as listed or their calls as evidence', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 'p2');
    g.noteQuiet(id, T, 555);
    g.noteQuiet(id, T + 1000, 555);
    g.list(id, D0 + DAY + 1000, 222, 4, 0);
    g.noteQuiet(id, D0 + DAY + 1000, 666);
    expect(g.value(id, D0 + DAY + 1000)).toMatchObject({ listed: 1, calls: 4 });
    expect(g.markHot(id, D0 + DAY + 2000)).toEqual([222, 555, 666]);
    expect(g.markHot(id, D0 + DAY + 3000)).toEqual([]);
    expect(g.markHot(id, D0 + 3 * DAY)).toEqual([]); // two days on: none
  });

  it('keeps hand-overs for the engine that tracks the member, and drops those a day old', () => {
    const g = new CampaignGroups();
    const v0 = g.handedVersion;
    g.handOver(501, T);
    g.handOver(502, T + 1000);
    expect(g.handedVersion).toBe(v0 + 2);
    const taken: number[] = [];
    g.takeHanded((key) => (key === 502 ? 7 : -1), (slot) => taken.push(slot));
    expect(taken).toEqual([7]);
    g.takeHanded((key) => (key === 502 ? 7 : -1), (slot) => taken.push(slot));
    expect(taken).toEqual([7]); // taken once
    g.handOver(503, T + DAY + 1); // 501 is more than a day old now
    g.takeHanded((key) => key, (slot) => taken.push(slot));
    expect(taken).toEqual([7, 503]);
  });

  it('counts a listed member’s calls of the day so far as the group’s evidence, and only listed members’ calls', () => {
    const g = new CampaignGroups();
    const id = g.idFor(2, 'p1');
    g.list(id, T, 11, 8, 1);
    g.list(id, T, 12, 6, 2);
    g.addCall(id, T + 1000, true, false);
    expect(g.value(id, T + 1000)).toMatchObject({ calls: 15, engaged: 3, listed: 2 });
  });

  it('finds the listed members within a radius of a number, itself left out, today’s or yesterday’s when more', () => {
    const g = new CampaignGroups();
    const id = g.idFor(3, 'p1');
    for (const key of [100, 103, 108, 160, 500]) g.list(id, T, key);
    expect(g.listedNear(id, T, 103, 16)).toBe(2); // 100 and 108; 160 and 500 are far
    expect(g.listedNear(id, T, 500, 16)).toBe(0);
    expect(g.listedNear(id, T, 130, 30)).toBe(4); // 100, 103, 108, 160 (the radius is inclusive)
    g.list(id, D0 + DAY + 1000, 101); // the next day: one so far
    expect(g.listedNear(id, D0 + DAY + 2000, 103, 16)).toBe(2); // yesterday's two (100, 108) are more than today's one (101)
    expect(g.listedNear(id, D0 + 3 * DAY, 103, 16)).toBe(0); // two days on: none
  });

  it('reads a time one day behind the group\'s day from the previous day (a call delivered late across midnight)', () => {
    const g = new CampaignGroups();
    const id = g.idFor(4, 'p1');
    for (const key of [100, 103, 108]) {
      g.join(id, T);
      g.list(id, T, key, 12, 1, 5);
    }
    g.join(id, D0 + DAY + 10_000); // the next day starts: the day before is now the previous one
    g.list(id, D0 + DAY + 10_000, 150, 1, 0);
    // Five seconds before midnight the last 24 h hold that day's counts (the day before it is gone).
    const late = D0 + DAY - 5_000;
    expect(g.value(id, late)).toEqual({ members: 3, calls: 36, engaged: 3, pickedUp: 15, pickCalls: 36, listed: 3 });
    expect(g.listedNear(id, late, 103, 16)).toBe(2); // 100 and 108 of that day; 150 (today's) is not
    // Two days behind: gone.
    expect(g.value(id, D0 - 5_000)).toEqual({ members: 0, calls: 0, engaged: 0, pickedUp: 0, pickCalls: 0, listed: 0 });
    expect(g.listedNear(id, D0 - 5_000, 103, 16)).toBe(0);
  });

  it('judges the pick-up share of a group restored from a snapshot that did not count pick-ups on its calls since, not on its older calls', () => {
    const g = new CampaignGroups();
    const id = g.idFor(9, 'p4');
    for (let i = 0; i < 200; i++) g.addCall(id, T - DAY, true, i < 20, i < 140);
    const old = JSON.parse(JSON.stringify(g.exportState())) as ReturnType<CampaignGroups['exportState']>;
    for (const x of old.groups) {
      delete x.pickedUpCur;
      delete x.pickedUpPrev;
      delete x.pickCallsCur;
      delete x.pickCallsPrev;
    }
    const restored = new CampaignGroups();
    restored.importState(old);
    for (let i = 0; i < 40; i++) restored.addCall(id, T, true, false, i < 28);
    const v = restored.value(id, T);
    // Yesterday's 200 calls still count as calls (faded), but the share of pick-ups is of the 40 since.
    expect(v.calls).toBeCloseTo(40 + 200 * (1 - (T - D0) / DAY), 6);
    expect([v.pickedUp, v.pickCalls]).toEqual([28, 40]);
  });

  it('round-trips through exportState / importState', () => {
    const g = new CampaignGroups();
    const id = g.idFor(7, 'p3');
    g.join(id, T);
    g.addCall(id, T, true, true);
    g.list(id, T, 42);
    const copy = new CampaignGroups();
    copy.importState(JSON.parse(JSON.stringify(g.exportState())));
    expect(copy.idFor(7, 'p3')).toBe(id);
    expect(copy.value(id, T)).toEqual(g.value(id, T));
    g.noteQuiet(id, T, 43);
    const again = new CampaignGroups();
    again.importState(JSON.parse(JSON.stringify(g.exportState())));
    expect(again.markHot(id, T)).toEqual([42, 43]);
    expect(copy.markHot(id, T)).toEqual([42]);
  });

  it('restores a snapshot taken before quiet members were kept, and merges one into a table in use', () => {
    const g = new CampaignGroups();
    const id = g.idFor(8, 'p3');
    g.list(id, T, 42);
    const old = JSON.parse(JSON.stringify(g.exportState())) as ReturnType<CampaignGroups['exportState']>;
    for (const x of old.groups) {
      delete x.quietCur;
      delete x.quietPrev;
    }
    const copy = new CampaignGroups();
    copy.importState(old);
    copy.noteQuiet(id, T, 44);
    expect(copy.markHot(id, T)).toEqual([42, 44]);
    const live = new CampaignGroups();
    live.idFor(1, 'other');
    const remap = live.merge(old);
    // The merged group reads as it did where it came from (its counts, its listed member).
    expect(live.value(remap[id], T)).toEqual(g.value(id, T));
    expect(live.value(remap[id], T).listed).toBe(1);
    live.noteQuiet(remap[id], T, 45);
    expect(live.markHot(remap[id], T)).toEqual([42, 45]);
  });

  it('never reads fewer listed members in maxListed than load finds, at any time (trackCampaign skips the group on it)', () => {
    const g = new CampaignGroups();
    const id = g.idFor(5, 'p1');
    const times = [D0 - DAY - 1, D0 - 1, D0, T, D0 + DAY - 1, D0 + DAY + 5_000, D0 + 2 * DAY + 7_000, D0 + 5 * DAY];
    const check = () => {
      for (const t of times) expect(g.maxListed(id)).toBeGreaterThanOrEqual(g.value(id, t).listed);
    };
    check();
    for (let k = 0; k < 4; k++) g.list(id, T, 100 + k);
    check();
    g.list(id, D0 + DAY + 1_000, 200); // the next day: yesterday's four, today's one
    check();
    expect(g.maxListed(id)).toBe(4);
    g.join(id, D0 + 3 * DAY); // two days on: both days' lists gone
    check();
    expect(g.maxListed(id)).toBe(0);
  });

  it('restores 200,000 groups from a snapshot, each under its block and provider', () => {
    const g = new CampaignGroups();
    for (let b = 0; b < 200_000; b++) expect(g.idFor(b, 'CMCC')).toBe(b);
    const copy = new CampaignGroups();
    copy.importState(g.exportState());
    expect(copy.size).toBe(200_000);
    expect(copy.idFor(123_456, 'CMCC')).toBe(123_456);
    expect(copy.idFor(7, 'CUCC')).toBe(200_000);
  });
});
