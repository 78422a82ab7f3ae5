/** The rules' inputs: one number's figures read out of the engine's stores. */
import type { EngineContext } from './context.ts';
import { CONSENTING as CONSENTING_, MARKETING as MARKETING_, SHARED_BOMBING } from './number-kind.ts';
import type { Signals } from './signals.ts';
import { looksLikeCampaign } from './rules/campaign.ts';
import { H1 as H1_, H24 as H24_, M, STRANGER_PICKED_UP_24H } from './state/metrics.ts';
import { NUM16 as NUM16_, NUM32 as NUM32_, NUM8 as NUM8_ } from './state/number-state.ts';
// The records' field offsets (the state accessors take offsets, not names: number-state.ts's NUM32).
const NUM16 = NUM16_;
const NUM32 = NUM32_;
const NUM8 = NUM8_;

const H1 = H1_;
const H24 = H24_;
const MARKETING = MARKETING_;
const CONSENTING = CONSENTING_;
const { CALLS, ANSWERED, REJECTED, STRANGER_CALLS, STRANGER_ANSWERED, STRANGER_TALKED, CALLBACKS, NEW_STRANGERS, NEW_CALLEES, SHORT_TALK, RING_ONCE, SEQUENTIAL, QUIET_STRANGER, NO_CONSENT, REJECTION_REPEATS } = M;

/**
 * Stranger calls in the callees' quiet hours over the last 24 h: the day
 * windows' sliding estimate with the previous window weighed by the share of
 * its quiet hours still within the 24 h (local-time.ts `QuietShare`), since
 * these calls fall only in the quiet hours, not over the whole day.
 */
export function quietStrangers(cx: EngineContext, slot: number, t: number): number {
  return cx.state.counters.valueWith(slot, H24, QUIET_STRANGER, t, cx.quietShare);
}

/** Whether `quietStrangers(cx, slot, t)` is at least `min` (WindowedCounters.atLeastWith: a gate asked of most stranger calls). */
export function quietStrangersAtLeast(cx: EngineContext, slot: number, t: number, min: number): boolean {
  return cx.state.counters.atLeastWith(slot, H24, QUIET_STRANGER, t, cx.quietShare, min);
}

/** Fills `s` with the number's figures at event time `t` (every rule reads only these). */
export function fillSignals(s: Signals, cx: EngineContext, slot: number, t: number): Signals {
  const st = cx.state;
  const c = st.counters;
  const key = st.key(slot);
  const sec = Math.floor(t / 1000);
  s.t = t;
  s.calls1h = c.value(slot, H1, CALLS, t);
  s.calls24h = c.value(slot, H24, CALLS, t);
  s.answered24h = c.value(slot, H24, ANSWERED, t);
  s.rejected24h = c.value(slot, H24, REJECTED, t);
  s.strangerCalls1h = c.value(slot, H1, STRANGER_CALLS, t);
  s.strangerCalls24h = c.value(slot, H24, STRANGER_CALLS, t);
  s.strangerAnswered1h = c.value(slot, H1, STRANGER_ANSWERED, t);
  s.strangerAnswered24h = c.value(slot, H24, STRANGER_ANSWERED, t);
  s.strangerTalked1h = c.value(slot, H1, STRANGER_TALKED, t);
  s.strangerTalked24h = c.value(slot, H24, STRANGER_TALKED, t);
  s.callbacks1h = c.value(slot, H1, CALLBACKS, t);
  s.callbacks24h = c.value(slot, H24, CALLBACKS, t);
  s.newStrangers1h = c.value(slot, H1, NEW_STRANGERS, t);
  s.newStrangers24h = c.value(slot, H24, NEW_STRANGERS, t);
  s.strangerPickedUp24h = c.value(slot, H24, STRANGER_PICKED_UP_24H, t);
  s.newCallees24h = c.value(slot, H24, NEW_CALLEES, t);
  s.shortTalk24h = c.value(slot, H24, SHORT_TALK, t);
  s.ringOnce1h = c.value(slot, H1, RING_ONCE, t);
  s.ringOnce24h = c.value(slot, H24, RING_ONCE, t);
  s.sequential1h = c.value(slot, H1, SEQUENTIAL, t);
  s.quietStranger24h = quietStrangers(cx, slot, t);
  s.noConsent24h = c.value(slot, H24, NO_CONSENT, t);
  s.rejectionRepeats24h = c.value(slot, H24, REJECTION_REPEATS, t);
  // Counts that shares divide by (or, for engagement, that a low rate counts) at the ceiling: the share is unknown.
  s.calls1hSaturated = c.saturated(slot, H1, CALLS, t);
  s.calls24hSaturated = c.saturated(slot, H24, CALLS, t);
  s.answered24hSaturated = c.saturated(slot, H24, ANSWERED, t);
  s.engagement1hSaturated = c.saturated(slot, H1, STRANGER_ANSWERED, t) || c.saturated(slot, H1, STRANGER_TALKED, t) || c.saturated(slot, H1, CALLBACKS, t);
  s.engagement24hSaturated = c.saturated(slot, H24, STRANGER_ANSWERED, t) || c.saturated(slot, H24, CALLBACKS, t);
  s.strangerPickedUp24hSaturated = c.saturated(slot, H24, STRANGER_PICKED_UP_24H, t);
  const rr = cx.config.rules.rejectionRepeat;
  s.rejectionRepeatMax = sec - st.get32(slot, NUM32.rrAt) <= rr.memoryMs / 1000 ? st.get8(slot, NUM8.rrMax) : 0;
  s.rejectionRepeatAt = st.get32(slot, NUM32.rrAt) * 1000;
  s.bombingMax = sec - st.get32(slot, NUM32.bombAt) <= cx.config.rules.callBombing.windowMs / 1000 ? st.get8(slot, NUM8.bombMax) : 0;
  s.swarmCallers = sec - st.get32(slot, NUM32.swarmAt) <= cx.config.rules.swarmBombing.windowMs / 1000 ? st.get8(slot, NUM8.swarmMax) : 0;
  const rep = cx.complaints.reporters(key, t);
  s.complaintReporters = rep.count;
  s.complaintWeighted = rep.weighted;
  s.complaintReports = rep.reports;
  s.complaintSpanMs = rep.count === 0 ? 0 : t - rep.first;
  s.complaintLatestAt = rep.count === 0 ? 0 : rep.last;
  const kind = st.get8(slot, NUM8.kind);
  s.isMarketingLine = (kind & MARKETING) !== 0;
  s.isConsentingLine = (kind & CONSENTING) !== 0;
  // Both largest runs at one callee, and no other callee's run of either rule's grade beside them.
  const holder = st.get8(slot, NUM8.bombCallee);
  s.bombingOneCallee =
    holder !== 0 && holder === st.get8(slot, NUM8.rrCallee) && (kind & SHARED_BOMBING) === 0 && st.get16(slot, NUM16.sharedRefusalsUntil) < Math.floor(sec / 86_400);
  const group = st.get32(slot, NUM32.group);
  if (group !== 0) {
    const g = cx.groups;
    g.load(group - 1, t);
    s.campaignMembers = g.members;
    s.campaignCalls = g.calls;
    s.campaignEngaged = g.engaged;
    s.campaignPickedUp = g.pickedUp;
    s.campaignPickCalls = g.pickCalls;
    s.campaignListed = g.listed;
    const rules = cx.config.rules;
    s.campaignNeighbours = looksLikeCampaign(g.members, g.listed, g.calls, g.engaged, g.pickedUp, g.pickCalls, rules)
      ? g.listedNear(group - 1, t, key, rules.campaign.neighbourhood)
      : 0;
  } else {
    s.campaignMembers = 0;
    s.campaignCalls = 0;
    s.campaignEngaged = 0;
    s.campaignPickedUp = 0;
    s.campaignPickCalls = 0;
    s.campaignListed = 0;
    s.campaignNeighbours = 0;
  }
  return s;
}
