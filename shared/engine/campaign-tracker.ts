/**
 * Which access provider carries a number's calls, and the block/provider
 * campaign group its stranger calls count for (state/campaigns.ts holds
 * the groups).
 */
import { OBSERVED_ANSWERED, OBSERVED_FIRST_ENGAGED, OBSERVED_NEW_STRANGER } from './call-observer.ts';
import type { EngineContext } from './context.ts';
import { looksLikeCampaign, quietEnough } from './rules/campaign.ts';
import { H24 as H24_, M, STRANGER_PICKED_UP_24H as STRANGER_PICKED_UP_24H_ } from './state/metrics.ts';
import { NUM16 as NUM16_, NUM32 as NUM32_ } from './state/number-state.ts';
// The records' field offsets (the state accessors take offsets, not names: number-state.ts's NUM32).
const NUM16 = NUM16_;
const NUM32 = NUM32_;

const H24 = H24_;
const CALLS = M.CALLS;
const STRANGER_CALLS = M.STRANGER_CALLS;
const STRANGER_ANSWERED = M.STRANGER_ANSWERED;
const CALLBACKS = M.CALLBACKS;
const NEW_STRANGERS = M.NEW_STRANGERS;
const STRANGER_PICKED_UP_24H = STRANGER_PICKED_UP_24H_;
const NEW_STRANGER = OBSERVED_NEW_STRANGER;
const FIRST_ENGAGED = OBSERVED_FIRST_ENGAGED;
const ANSWERED = OBSERVED_ANSWERED;

/**
 * How far the provider's count may run ahead: another provider carrying the next `PROVIDER_LEAD + 1` calls in a
 * row takes over. Kept short, so the provider named is the one carrying most of the recent calls (the evidence),
 * not of the number's whole life: nuisance calls with a number's caller ID entering through a reseller after
 * months of its owner's calls through the home carrier name the reseller by the time they are flagged.
 */
const PROVIDER_LEAD = 4;

/** Misra–Gries with one counter, its lead capped (PROVIDER_LEAD): the provider carrying most of the number's recent calls. */
export function trackProvider(cx: EngineContext, slot: number, provider: string | null): void {
  if (provider === null) return;
  const id = cx.providers.id(provider);
  const st = cx.state;
  const count = st.get16(slot, NUM16.providerCount);
  if (st.get16(slot, NUM16.provider) === id) {
    if (count < PROVIDER_LEAD) st.set16(slot, NUM16.providerCount, count + 1);
  } else if (count === 0) {
    st.set16(slot, NUM16.provider, id);
    st.set16(slot, NUM16.providerCount, 1);
  } else {
    st.set16(slot, NUM16.providerCount, count - 1);
  }
}

/**
 * Counts a stranger call for the number's block/provider campaign group
 * (found once per number and kept in its record) and says whether the
 * group currently looks like a campaign. When it first does on a day, its
 * members that were quiet until then are passed to `judge`.
 *
 * The group's evidence is the stranger calls of its listed members: those
 * that themselves look like quiet marketers today, however quiet. When a
 * member is listed its calls of the day so far are added; its later ones as
 * they come. The block's other callers do not count, so residents who call
 * the odd stranger cannot hide an operation among them (as they did when
 * every member counted). Calls count per callee, as a number's own rates
 * do (`seen`, the call observer's bits): a stranger once a day, its first
 * engaged answer once, so that retries of unanswered calls (a company's
 * lines calling customers back) do not make a block look unwelcome; and a
 * stranger's first call of the day picked up, however briefly, as the
 * share of first tries the public answers.
 */
export function trackCampaign(cx: EngineContext, slot: number, key: number, t: number, seen: number, judge: (slot: number, t: number) => void): boolean {
  const st = cx.state;
  const c = cx.config.rules.campaign;
  let group = st.get32(slot, NUM32.group);
  if (group === 0) {
    const provider = st.get16(slot, NUM16.provider);
    if (provider === 0) return false;
    group = cx.groups.idFor(Math.floor(key / 10 ** c.blockDigits), cx.providers.name(provider) as string) + 1;
    st.set32(slot, NUM32.group, group);
  }
  const id = group - 1;
  const day = Math.floor(t / 86_400_000);
  const joined = st.get16(slot, NUM16.groupDay);
  // A call of a day the number has already left (late across midnight UTC)
  // counts for nothing here: the group's counts of that day are closed, and
  // whether the number had joined it is not kept. Counting it would add it to
  // today and move the number's days back, so that its next call today joined
  // and listed it a second time.
  if (day >= joined) countForGroup(cx, slot, key, id, t, day, seen);
  const g = cx.groups;
  // Too few listed members for the rule, whatever the group's counts (most groups, on most stranger calls): the
  // answer is no without reading the group (`looksLikeCampaign` asks `listed >= listedMembers` of `load`'s value).
  if (g.maxListed(id) < c.listedMembers) return false;
  g.load(id, t);
  // The rule's own test of the group, so that the members judged now are judged on the same evidence.
  const hot = looksLikeCampaign(g.members, g.listed, g.calls, g.engaged, g.pickedUp, g.pickCalls, cx.config.rules);
  if (hot) {
    // Members that called while the group was not yet recognised are judged now; those another engine sharing the
    // groups tracks (their calls are another partition's) are handed to it.
    for (const member of cx.groups.markHot(id, t)) {
      const m = cx.index.get(member);
      if (m >= 0) {
        if (m !== slot) judge(m, t);
      } else if (cx.groupsShared) {
        cx.groups.handOver(member, t);
      }
    }
  }
  return hot;
}

/** The member's part in its group's counts of `day`: joined once a day, listed once a day, then its calls. */
function countForGroup(cx: EngineContext, slot: number, key: number, id: number, t: number, day: number, seen: number): void {
  const st = cx.state;
  const c = cx.config.rules.campaign;
  if (st.get16(slot, NUM16.groupDay) !== day) {
    st.set16(slot, NUM16.groupDay, day);
    cx.groups.join(id, t);
  }
  if (st.get32(slot, NUM32.listedDay) === day) {
    if ((seen & (NEW_STRANGER | FIRST_ENGAGED)) !== 0) {
      const callee = (seen & NEW_STRANGER) !== 0;
      cx.groups.addCall(id, t, callee, (seen & FIRST_ENGAGED) !== 0, callee && (seen & ANSWERED) !== 0);
    }
    return;
  }
  // Listed: the member itself looks like a quiet marketer (the rule's member conditions, per callee).
  const ctr = st.counters;
  const calls = ctr.value(slot, H24, STRANGER_CALLS, t);
  const strangers = ctr.value(slot, H24, NEW_STRANGERS, t);
  const listed = calls >= c.memberStrangersPerDay;
  if (!listed && !quietEnough(strangers, c)) return;
  const callees = Math.max(1, strangers);
  const engaged = ctr.value(slot, H24, STRANGER_ANSWERED, t) + ctr.value(slot, H24, CALLBACKS, t);
  const share = calls / Math.max(1, ctr.value(slot, H24, CALLS, t));
  if (share < c.memberStrangerShare || engaged / callees > c.memberMaxAnswerRate || sharesUnknown(cx, slot, t)) return;
  if (listed) {
    st.set32(slot, NUM32.listedDay, day);
    // Its calls of the day so far (this one included) become the group's evidence. Its strangers picked up so far
    // are counted at any try (the number does not keep first tries apart): at most the few calls before it is listed.
    const today = (m: number) => ctr.current(slot, H24, m, t);
    cx.groups.list(id, t, key, today(NEW_STRANGERS), today(STRANGER_ANSWERED), today(STRANGER_PICKED_UP_24H));
  } else {
    // Too quiet to be evidence, not too quiet to be scored beside the listed members once the group is recognised.
    cx.groups.noteQuiet(id, t, key);
  }
}

/**
 * Whether the listing test's shares are unknown: a count at the counters'
 * ceiling (windowed-counters.ts) is only a lower bound, so the calls the
 * stranger share divides by would make it read too high, and the engagement
 * counts would make the answer rate read too low (as in the rule: see
 * `Signals.calls24hSaturated` and `reach`). Asked last, only of a member
 * that would be listed.
 */
function sharesUnknown(cx: EngineContext, slot: number, t: number): boolean {
  const ctr = cx.state.counters;
  return ctr.saturated(slot, H24, CALLS, t) || ctr.saturated(slot, H24, STRANGER_ANSWERED, t) || ctr.saturated(slot, H24, CALLBACKS, t);
}
