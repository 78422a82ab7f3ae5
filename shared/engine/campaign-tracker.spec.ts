import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { OBSERVED_NEW_STRANGER } from './call-observer.ts';
import { trackCampaign, trackProvider } from './campaign-tracker.ts';
import type { EngineContext } from './context.ts';
import { CampaignGroups } from './state/campaigns.ts';
import { M } from './state/metrics.ts';
import { NumberIndex } from './state/number-index.ts';
import { NUM32, NumberState } from './state/number-state.ts';
import { ProviderNames } from './state/provider-names.ts';
import { T0 } from './testing/calls.ts';

/** The parts of the engine's context the tracker reads. */
function context(): EngineContext {
  return {
    config: defaultConfig(),
    state: new NumberState(16),
    index: new NumberIndex(16),
    groups: new CampaignGroups(),
    providers: new ProviderNames(),
  } as unknown as EngineContext;
}

const KEY = 8613800138001;
const DAY = 86_400_000;

/**
 * Whether a number is listed by its group (a quiet marketer on its own) at a
 * stranger call at `t`, after `count` has filled its counters.
 */
function listedAt(t: number, count: (ctr: NumberState['counters'], slot: number) => void): boolean {
  const cx = context();
  const slot = cx.state.allocate(KEY);
  trackProvider(cx, slot, 'carrier-a');
  count(cx.state.counters, slot);
  trackCampaign(cx, slot, KEY, t, OBSERVED_NEW_STRANGER, () => {});
  return cx.state.get32(slot, NUM32.listedDay) === Math.floor(t / DAY);
}

/** The same, with the day's counts all added at T0. */
function listed(counts: { calls: number; strangers: number; engaged: number }): boolean {
  return listedAt(T0, (ctr, slot) => {
    ctr.touch(slot, T0);
    ctr.add(slot, M.CALLS, counts.calls);
    ctr.add(slot, M.STRANGER_CALLS, counts.strangers);
    ctr.add(slot, M.NEW_STRANGERS, counts.strangers);
    ctr.add(slot, M.STRANGER_ANSWERED, counts.engaged);
  });
}

describe('trackCampaign: listing a member', () => {
  it('lists a number that calls strangers almost only and is not engaged', () => {
    expect(listed({ calls: 60_000, strangers: 55_000, engaged: 5_000 })).toBe(true);
    expect(listed({ calls: 60_000, strangers: 40_000, engaged: 5_000 })).toBe(false);
  });

  it('does not list on a stranger share whose call count is at the counters\' ceiling (100,000 calls, 60 % strangers, read as 92 %)', () => {
    expect(listed({ calls: 100_000, strangers: 60_000, engaged: 5_000 })).toBe(false);
  });

  it('does not list on an engagement rate whose engagement count is at the counters\' ceiling (a lower bound only)', () => {
    // Yesterday 100,000 strangers called back (stopped at 65,535); at 14:00 UTC today its 65,535 × 0.42 still
    // counts: 27,306 engaged of 67,306 callees would read as a low 0.41. (Today's calls are kept small, and
    // apart from the callees, so that only the engagement count is at the ceiling.)
    const t = T0 - (T0 % DAY) + DAY + 14 * 3_600_000;
    const count = (callbacks: number) => (ctr: NumberState['counters'], slot: number) => {
      ctr.touch(slot, T0);
      ctr.add(slot, M.CALLBACKS, callbacks);
      ctr.add(slot, M.NEW_STRANGERS, 65_535);
      ctr.touch(slot, t);
      ctr.add(slot, M.CALLS, 1_000);
      ctr.add(slot, M.STRANGER_CALLS, 1_000);
      ctr.add(slot, M.NEW_STRANGERS, 40_000);
    };
    expect(listedAt(t, count(65_534))).toBe(true);
    expect(listedAt(t, count(100_000))).toBe(false);
  });
});
