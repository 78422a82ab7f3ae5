import { describe, expect, it } from 'vitest';
import { CampaignGroups } from './campaigns.ts';

const DAY = 86_400_000;
/** Midnight UTC at the start of a day, and 02:00 of it. */
const D0 = Date.UTC(2025, 2, 3);
const T = D0 + 2 * 3_600_000;

describe('CampaignGroups', () => {
  it('gives one id per block and provider', () => {
    const g = new CampaignGroups();
    const a = g.idFor(8613712345, 1);
    expect(g.idFor(8613712345, 1)).toBe(a);
    expect(g.idFor(8613712345, 2)).not.toBe(a);
    expect(g.idFor(8613712346, 1)).not.toBe(a);
    expect(g.size).toBe(3);
  });

  it('counts members and their calls within the day', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 1);
    g.join(id, T, 6);
    g.join(id, T + 1000, 7);
    g.addCalls(id, T + 2000, 3);
    expect(g.value(id, T + 3000)).toEqual({ members: 2, calls: 16 });
  });

  it('carries yesterday into today, fading as today passes', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 1);
    for (let i = 0; i < 6; i++) g.join(id, T, 15);
    // At the very start of the next day everything of yesterday still counts.
    expect(g.value(id, D0 + DAY)).toEqual({ members: 6, calls: 90 });
    // A quarter into the next day, three quarters remain.
    expect(g.value(id, D0 + DAY + DAY / 4)).toEqual({ members: 4.5, calls: 67.5 });
    // A member joining today counts in full on top of the fading calls; members take the larger of today and the faded yesterday.
    g.join(id, D0 + DAY + DAY / 4, 10);
    expect(g.value(id, D0 + DAY + DAY / 4)).toEqual({ members: 4.5, calls: 77.5 });
  });

  it('forgets a group idle for more than a day', () => {
    const g = new CampaignGroups();
    const id = g.idFor(1, 1);
    g.join(id, T, 15);
    expect(g.value(id, D0 + 2 * DAY)).toEqual({ members: 0, calls: 0 });
    g.addCalls(id, D0 + 2 * DAY + 1000, 1);
    expect(g.value(id, D0 + 2 * DAY + 1000)).toEqual({ members: 0, calls: 1 });
  });

  it('keeps groups apart', () => {
    const g = new CampaignGroups();
    const a = g.idFor(1, 1);
    const b = g.idFor(2, 1);
    g.join(a, T, 10);
    expect(g.value(b, T)).toEqual({ members: 0, calls: 0 });
  });
});
