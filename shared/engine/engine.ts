import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent, NumberClass, RuleName, Severity } from '../contracts/records.ts';
import { NUMBER_CLASSES } from '../contracts/records.ts';
import type { EngineConfig } from '../config/schema.ts';
import { classify, fromNumberKey, normalize, numberKey } from '../numbers/index.ts';
import type { Accepted, Engine, EngineStats } from './api.ts';
import { LocalClock, inHours } from './local-time.ts';
import { RULE_SET } from './rules/index.ts';
import { emptySignals, type ScoredReason, type Signals } from './signals.ts';
import { buildFlag } from './flag.ts';
import { CampaignGroups } from './state/campaigns.ts';
import { ComplaintStore } from './state/complaints.ts';
import { ConsentStore } from './state/consents.ts';
import { H1 as H1_, H24 as H24_, M } from './state/metrics.ts';
import { NumberIndex } from './state/number-index.ts';
import { NumberState } from './state/number-state.ts';
import { ProviderNames } from './state/provider-names.ts';
import {
  PAIR_ANSWERED as PAIR_ANSWERED_,
  PAIR_CALLED_BACK as PAIR_CALLED_BACK_,
  PAIR_ENGAGED as PAIR_ENGAGED_,
  PAIR_REJECTED_AS_STRANGER as PAIR_REJECTED_AS_STRANGER_,
  PairCache,
} from './state/pair-cache.ts';
import { RecentIds } from './state/recent-ids.ts';
import { SEVERITY_RANK, flagId, verdict, windowMs } from './verdict.ts';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from './snapshot.ts';

// Imported bindings are read through getters after transpilation: copy the
// hot ones into module constants.
const H1 = H1_;
const H24 = H24_;
const CALLS = M.CALLS;
const ANSWERED = M.ANSWERED;
const REJECTED = M.REJECTED;
const STRANGER_CALLS = M.STRANGER_CALLS;
const STRANGER_ANSWERED = M.STRANGER_ANSWERED;
const NEW_CALLEES = M.NEW_CALLEES;
const NEW_STRANGERS = M.NEW_STRANGERS;
const SHORT_TALK = M.SHORT_TALK;
const RING_ONCE = M.RING_ONCE;
const SEQUENTIAL = M.SEQUENTIAL;
const QUIET_STRANGER = M.QUIET_STRANGER;
const NO_CONSENT = M.NO_CONSENT;
const REJECTION_REPEATS = M.REJECTION_REPEATS;
const CALLBACKS = M.CALLBACKS;
const STRANGER_TALKED = M.STRANGER_TALKED;
const PAIR_ANSWERED = PAIR_ANSWERED_;
const PAIR_REJECTED_AS_STRANGER = PAIR_REJECTED_AS_STRANGER_;
const PAIR_CALLED_BACK = PAIR_CALLED_BACK_;
const PAIR_ENGAGED = PAIR_ENGAGED_;

/** Bits of a number's `kind`: a marketing line (95/96/400 or configured)… */
const MARKETING = 1;
/** …or a number that has consent registrations (a sales rep's mobile): its consented calls are not calls to strangers either. */
const CONSENTING = 2;
const SWEEP_EVERY = 1 << 16;
const SWEEP_CHUNK = 4096;

export interface EngineOptions {
  /** Wall clock for `emittedAt` only; detection never reads it. */
  now?: () => number;
  /**
   * Campaign groups shared with other engines of the same process (one per
   * partition): a block's numbers are spread over partitions, so its group
   * must see all of them. Default: the engine's own.
   */
  campaignGroups?: CampaignGroups;
}

/**
 * The detection engine: keyed event-time state per calling number, pair
 * knowledge (contact, rejection, bombing), consent, complaints and campaign
 * groups, evaluated by the rules into evidence-carrying flags. Pure: no I/O,
 * no clock of its own.
 */
export class DetectionEngine implements Engine {
  private readonly index: NumberIndex;
  private readonly state: NumberState;
  private readonly pairs: PairCache;
  private readonly ids: RecentIds;
  private readonly consents = new ConsentStore();
  private readonly complaintStore: ComplaintStore;
  private readonly groups: CampaignGroups;
  private readonly allowlist = new Set<number>();
  private readonly marketingLines = new Set<number>();
  private readonly providers = new ProviderNames();
  private readonly clock: LocalClock;
  private readonly signals: Signals = emptySignals();
  private readonly now: () => number;
  /** Fewest stranger calls at which any stranger-based rule can fire. */
  private readonly strangerGate: number;
  private out: FlagEvent[] = [];
  private maxEventTime = -Infinity;
  private sinceSweep = 0;
  private sweepHand = 0;
  private readonly counts = {
    calls: 0,
    complaints: 0,
    consents: 0,
    duplicates: 0,
    late: 0,
    evictedNumbers: 0,
    flags: 0,
  };
  private readonly flagsBySeverity: Record<Severity, number> = { WATCH: 0, LABEL: 0, BLOCK_RECOMMENDED: 0 };
  private readonly flagsByRule: Partial<Record<RuleName, number>> = {};

  constructor(
    private readonly config: EngineConfig,
    opts: EngineOptions = {},
  ) {
    this.now = opts.now ?? (() => 0);
    this.groups = opts.campaignGroups ?? new CampaignGroups();
    this.index = new NumberIndex(1 << 16);
    this.state = new NumberState(1 << 16);
    this.pairs = new PairCache(config.pairCacheEntries);
    this.ids = new RecentIds(config.dedupEntries);
    this.complaintStore = new ComplaintStore(config.rules.complaints.windowMs);
    this.clock = new LocalClock(config.timeZone);
    const r = config.rules;
    this.strangerGate = Math.min(
      r.lowAnswerFanout.strangersPerHour,
      r.ringOnce.perHour,
      r.quietHours.strangerCallsPerDay,
    );
    for (const line of config.marketingLines) {
      const e164 = normalize(line);
      if (e164) this.marketingLines.add(numberKey(e164));
    }
  }

  get watermark(): number {
    return this.maxEventTime - this.config.allowedLatenessMs;
  }

  /** Allowlists a number given in any form that normalises (ignored otherwise). */
  allow(number: string): void {
    const e164 = normalize(number);
    if (e164) this.allowlist.add(numberKey(e164));
  }

  onConsent(c: ConsentRecord): void {
    this.counts.consents++;
    const caller = numberKey(c.caller);
    this.consents.put(caller, numberKey(c.callee), c.grantedAt, c.revokedAt);
    const slot = this.index.get(caller);
    if (slot >= 0) this.state.set8(slot, 'kind', this.state.get8(slot, 'kind') | CONSENTING);
  }

  advanceTo(t: number): void {
    if (t > this.maxEventTime) this.maxEventTime = t;
  }

  onCall(e: CallEvent): Accepted {
    const t = e.startTime;
    if (t < this.watermark) {
      this.counts.late++;
      return 'late';
    }
    if (this.ids.seen(e.eventId)) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    this.counts.calls++;
    if (t > this.maxEventTime) this.maxEventTime = t;
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep();

    const caller = numberKey(e.caller);
    if (this.allowlist.size !== 0 && this.allowlist.has(caller)) return 'accepted';
    const callee = numberKey(e.callee);
    const slot = this.slotFor(caller, e.caller, t);
    this.observe(slot, caller, callee, e, t);
    return 'accepted';
  }

  onComplaint(c: ComplaintReport): Accepted {
    if (this.ids.seen('r:' + c.reportId)) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    this.counts.complaints++;
    // Complaints do not move the watermark: it is the calls' event time (a
    // complaint stream running ahead must not make calls late).
    const t = c.reportTime;
    const reported = numberKey(c.reported);
    if (this.allowlist.has(reported)) return 'accepted';
    const reporter = numberKey(c.reporter);
    const w = this.acquainted(reported, reporter) ? this.config.rules.complaints.acquaintanceWeight : 1;
    this.complaintStore.add(reported, reporter, t, w);
    const slot = this.slotFor(reported, c.reported, t);
    this.state.counters.touch(slot, t);
    this.evaluate(slot, t);
    return 'accepted';
  }

  drainFlags(): FlagEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  finish(): void {
    // Every rule is evaluated as its evidence arrives, so there is nothing
    // pending at the end of input; a final sweep releases idle numbers.
    this.sweep();
  }

  stats(): EngineStats {
    return {
      ...this.counts,
      trackedNumbers: this.state.size,
      flagsBySeverity: { ...this.flagsBySeverity },
      flagsByRule: { ...this.flagsByRule },
      watermark: Number.isFinite(this.maxEventTime) ? this.watermark : null,
    };
  }

  /**
   * Copy of the whole state as binary parts (see snapshot.ts). Restore with
   * `restore` on an engine built with the same pair-cache and dedup sizes.
   */
  snapshot(): EngineSnapshot {
    return encodeSnapshot({
      index: this.index.exportState(),
      state: this.state.exportState(),
      pairs: this.pairs.exportState(),
      ids: this.ids.exportState(),
      consents: this.consents.exportState(),
      complaints: this.complaintStore.exportState(),
      groups: this.groups.exportState(),
      allowlist: [...this.allowlist],
      providers: this.providers.exportState(),
      counts: this.counts,
      maxEventTime: Number.isFinite(this.maxEventTime) ? this.maxEventTime : null,
      flagsBySeverity: this.flagsBySeverity,
      flagsByRule: this.flagsByRule,
    });
  }

  /** Replaces this (fresh) engine's state with a snapshot's. */
  restore(snap: EngineSnapshot): void {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = decodeSnapshot(snap) as any;
    this.index.importState(s.index);
    this.state.importState(s.state);
    this.pairs.importState(s.pairs);
    this.ids.importState(s.ids);
    this.consents.importState(s.consents);
    this.complaintStore.importState(s.complaints);
    this.groups.importState(s.groups);
    for (const a of s.allowlist as number[]) this.allowlist.add(a);
    this.providers.importState(s.providers as string[]);
    Object.assign(this.counts, s.counts);
    this.maxEventTime = s.maxEventTime ?? -Infinity;
    Object.assign(this.flagsBySeverity, s.flagsBySeverity);
    Object.assign(this.flagsByRule, s.flagsByRule);
  }

  /**
   * Contact knowledge from elsewhere: `callee` has called `caller` (seen by
   * another partition's engine, since calls are keyed by caller). Later calls
   * from `caller` to `callee` are then not calls to a stranger.
   */
  noteCallBack(caller: string, callee: string, t: number): void {
    const a = numberKey(caller);
    const b = numberKey(callee);
    const p = this.pairs.getOrCreate(a, b, Math.floor(t / 1000));
    this.pairs.set8(p, 'flags', this.pairs.get8(p, 'flags') | PAIR_CALLED_BACK);
    if (this.pairs.created) this.pairs.setLastSeen(p, Math.floor(t / 1000));
  }

  /** Bytes held by the engine's fixed structures (typed arrays), for the benchmark. */
  memory(): { numbers: number; index: number; pairs: number; dedup: number } {
    return { numbers: this.state.bytes, index: this.index.bytes, pairs: this.pairs.bytes, dedup: this.ids.bytes };
  }

  private slotFor(key: number, e164: string, t: number): number {
    let slot = this.index.get(key);
    if (slot < 0) {
      slot = this.state.allocate(key);
      this.index.set(key, slot);
      const cls = classify(e164);
      this.state.set8(slot, 'numberClass', NUMBER_CLASSES.indexOf(cls));
      let kind = 0;
      if (cls === 'SERVICE_95' || cls === 'SERVICE_96' || cls === 'TOLL_FREE_400' || this.marketingLines.has(key)) kind |= MARKETING;
      if (this.consents.isRegisteredLine(key)) kind |= CONSENTING;
      this.state.set8(slot, 'kind', kind);
    }
    const sec = Math.floor(t / 1000);
    if (sec > this.state.get32(slot, 'lastSeen')) this.state.set32(slot, 'lastSeen', sec);
    return slot;
  }

  /** Acquainted: `b` has called `a`, or `a` and `b` have had enough real conversations. */
  private acquainted(a: number, b: number): boolean {
    const back = this.pairs.find(b, a);
    if (back >= 0 && this.pairs.get16(back, 'attempts') > 0) return true;
    const fwd = this.pairs.find(a, b);
    return fwd >= 0 && this.pairs.get8(fwd, 'talks') >= this.config.acquaintanceTalks;
  }

  private observe(slot: number, caller: number, callee: number, e: CallEvent, t: number): void {
    const cfg = this.config;
    const st = this.state;
    const ctr = st.counters;
    const pairs = this.pairs;
    const sec = Math.floor(t / 1000);
    ctr.touch(slot, t);

    const p = pairs.getOrCreate(caller, callee, sec);
    const isNew = pairs.created;
    const sinceLast = isNew ? Infinity : sec - pairs.lastSeen(p);
    // Has the callee ever called the caller? Once known, cached in this pair's
    // flags, which saves the reverse lookup (a cache miss) on later calls.
    // A pair that has talked is acquainted already: skip the lookup unless the
    // caller is a marketing line or has consents (whose consent question it also answers).
    const kind = st.get8(slot, 'kind');
    const marketing = (kind & MARKETING) !== 0;
    const talked = pairs.get8(p, 'talks') >= cfg.acquaintanceTalks;
    let pflags = pairs.get8(p, 'flags');
    let calledBack = (pflags & PAIR_CALLED_BACK) !== 0;
    if (!calledBack && (!talked || kind !== 0)) {
      const back = pairs.find(callee, caller);
      if (back >= 0 && pairs.get16(back, 'attempts') > 0) {
        if (isNew) {
          this.countCallback(callee, t);
          // That touched the callee's windows, which resets where the next adds land: back to the caller's.
          ctr.touch(slot, t);
        }
        calledBack = true;
        pflags |= PAIR_CALLED_BACK;
        pairs.set8(p, 'flags', pflags);
      }
    }
    // Consent makes a call legitimate whoever places it (a 95 line or a sales rep's mobile).
    const consented = kind !== 0 && this.consents.has(caller, callee, t);
    const stranger = !calledBack && !talked && !consented;

    ctr.add(slot, CALLS);
    if (isNew || sinceLast >= 3600) ctr.addIn(slot, H1, NEW_CALLEES);
    if (isNew || sinceLast >= 86400) ctr.addIn(slot, H24, NEW_CALLEES);

    let interesting = marketing;
    const outcome = e.outcome;
    const talkSec = outcome === 'ANSWERED' ? (e.endTime - (e.answerTime ?? e.endTime)) / 1000 : 0;
    if (outcome === 'ANSWERED') {
      ctr.add(slot, ANSWERED);
      pairs.set8(p, 'flags', pairs.get8(p, 'flags') | PAIR_ANSWERED);
      if (talkSec < cfg.rules.shortCalls.maxTalkSec) ctr.add(slot, SHORT_TALK);
    } else if (outcome === 'REJECTED') {
      ctr.add(slot, REJECTED);
    }

    if (stranger) {
      ctr.add(slot, STRANGER_CALLS);
      // Engagement: answered and kept on the line past the short-call cut (a
      // callee who hangs up on a pitch within seconds has not engaged), once
      // per stranger: rates are per callee, so retries do not dilute them.
      if (outcome === 'ANSWERED' && talkSec >= cfg.rules.shortCalls.maxTalkSec && (pflags & PAIR_ENGAGED) === 0) {
        ctr.add(slot, STRANGER_ANSWERED);
        if (talkSec >= cfg.acquaintanceTalkSec) ctr.add(slot, STRANGER_TALKED);
        pairs.set8(p, 'flags', pairs.get8(p, 'flags') | PAIR_ENGAGED);
      }
      if (isNew || sinceLast >= 3600) ctr.addIn(slot, H1, NEW_STRANGERS);
      if (isNew || sinceLast >= 86400) ctr.addIn(slot, H24, NEW_STRANGERS);
      if (outcome === 'CANCELLED' && e.endTime - t <= cfg.rules.ringOnce.maxRingMs) ctr.add(slot, RING_ONCE);
      const q = cfg.rules.quietHours;
      if (inHours(this.clock.hour(t), q.startHour, q.endHour)) ctr.add(slot, QUIET_STRANGER);
    }
    if (marketing && !consented && !calledBack) ctr.add(slot, NO_CONSENT);

    const last = st.lastCallee(slot);
    const gap = callee - last;
    // Scanning a number range: runs of consecutive strangers (a consented
    // customer list called in order is not scanning).
    if (stranger && last !== 0 && gap !== 0 && Math.abs(gap) <= cfg.rules.sequentialDialing.maxGap) {
      ctr.add(slot, SEQUENTIAL);
      interesting = true;
    }
    st.setLastCallee(slot, callee);

    // Attempts after an explicit rejection by a callee to whom the caller was a stranger.
    const rr = cfg.rules.rejectionRepeat;
    const memorySec = rr.memoryMs / 1000;
    const rejectedAt = pairs.get32(p, 'rejectedAt');
    // Only attempts after the rejection in event time relate to it: one made
    // before it but delivered after it (within the lateness) is no repeat.
    const afterRejection = rejectedAt !== 0 && sec > rejectedAt;
    if (afterRejection && sec - rejectedAt <= memorySec) {
      if ((pflags & PAIR_REJECTED_AS_STRANGER) !== 0 && !calledBack && !talked) {
        const n = pairs.get16(p, 'afterReject') + 1;
        pairs.set16(p, 'afterReject', n);
        ctr.add(slot, REJECTION_REPEATS);
        if (n > st.get16(slot, 'rrMax') || sec - st.get32(slot, 'rrAt') > memorySec) st.set16(slot, 'rrMax', n);
        st.set32(slot, 'rrAt', sec);
        interesting = true;
      }
    }
    if (outcome === 'ANSWERED' && afterRejection) {
      // The callee picked up: the refusal is over; a new one starts a new count.
      this.closeRefusal(p);
    } else if (outcome === 'REJECTED') {
      if (rejectedAt === 0 || sec - rejectedAt > memorySec) pairs.set16(p, 'afterReject', 0);
      if (sec > rejectedAt) pairs.set32(p, 'rejectedAt', sec);
      if (stranger) pairs.set8(p, 'flags', pairs.get8(p, 'flags') | PAIR_REJECTED_AS_STRANGER);
    }

    // Call bombing: attempts at one stranger within the bombing window.
    const bombSec = cfg.rules.callBombing.windowMs / 1000;
    let bombs = pairs.get16(p, 'bombCount') + 1;
    if (sec - pairs.get32(p, 'bombStart') > bombSec) {
      pairs.set32(p, 'bombStart', sec);
      bombs = 1;
    }
    pairs.set16(p, 'bombCount', bombs);
    if (stranger && bombs >= 3) {
      if (bombs > st.get16(slot, 'bombMax') || sec - st.get32(slot, 'bombAt') > bombSec) st.set16(slot, 'bombMax', bombs);
      st.set32(slot, 'bombAt', sec);
      interesting = true;
    }

    // Contact knowledge, after this call has been judged. Enough real
    // conversations make the two acquainted and close any earlier refusal.
    if (outcome === 'ANSWERED' && e.answerTime !== null && (e.endTime - e.answerTime) / 1000 >= cfg.acquaintanceTalkSec) {
      const talks = pairs.get8(p, 'talks') + 1;
      pairs.set8(p, 'talks', talks);
      if (talks >= cfg.acquaintanceTalks) this.closeRefusal(p);
    }

    pairs.set16(p, 'attempts', pairs.get16(p, 'attempts') + 1);
    if (sec > pairs.lastSeen(p)) pairs.setLastSeen(p, sec);

    this.trackProvider(slot, e.accessProvider);
    if (stranger) {
      const hot = this.trackCampaign(slot, caller, t, outcome === 'ANSWERED' && talkSec >= cfg.rules.shortCalls.maxTalkSec);
      // Every stranger-based rule needs a handful of stranger calls first (a
      // member of a suspicious campaign group, fewer): below that, skip the work.
      const g = hot ? cfg.rules.campaign.memberStrangersPerDay : this.strangerGate;
      if (ctr.value(slot, H1, STRANGER_CALLS, t) >= g || ctr.value(slot, H24, STRANGER_CALLS, t) >= g) interesting = true;
    }
    if (interesting || ctr.value(slot, H1, CALLS, t) >= cfg.rules.highFrequency.callsPerHour) this.evaluate(slot, t);
  }

  /** `number` called someone who now calls it back for the first time: engagement, like an answer. */
  private countCallback(number: number, t: number): void {
    const slot = this.index.get(number);
    if (slot < 0) return;
    const ctr = this.state.counters;
    ctr.touch(slot, t);
    ctr.add(slot, CALLBACKS);
  }

  /** The two are acquainted now: an earlier refusal no longer makes later calls harassment. */
  private closeRefusal(p: number): void {
    const pairs = this.pairs;
    pairs.set32(p, 'rejectedAt', 0);
    pairs.set16(p, 'afterReject', 0);
    pairs.set8(p, 'flags', pairs.get8(p, 'flags') & ~PAIR_REJECTED_AS_STRANGER);
  }

  /** Misra–Gries with one counter: the provider carrying most of the number's calls. */
  private trackProvider(slot: number, provider: string | null): void {
    if (provider === null) return;
    const id = this.providers.id(provider);
    const st = this.state;
    const count = st.get16(slot, 'providerCount');
    if (st.get16(slot, 'provider') === id) {
      st.set16(slot, 'providerCount', count + 1);
    } else if (count === 0) {
      st.set16(slot, 'provider', id);
      st.set16(slot, 'providerCount', 1);
    } else {
      st.set16(slot, 'providerCount', count - 1);
    }
  }

  /**
   * Counts a stranger call for the number's block/provider campaign group
   * (found once per number and kept in its record) and says whether the
   * group currently looks like a campaign, so its quiet members get judged.
   */
  private trackCampaign(slot: number, key: number, t: number, engaged: boolean): boolean {
    const st = this.state;
    const c = this.config.rules.campaign;
    let group = st.get32(slot, 'group');
    if (group === 0) {
      const provider = st.get16(slot, 'provider');
      if (provider === 0) return false;
      group = this.groups.idFor(Math.floor(key / 10 ** c.blockDigits), this.providers.name(provider) as string) + 1;
      st.set32(slot, 'group', group);
    }
    const id = group - 1;
    const day = Math.floor(t / 86_400_000);
    if (st.get32(slot, 'groupDay') !== day) {
      st.set32(slot, 'groupDay', day);
      this.groups.join(id, t);
    }
    this.groups.addCall(id, t, engaged);
    if (st.get32(slot, 'listedDay') !== day) {
      const ctr = st.counters;
      const calls = ctr.value(slot, H24, STRANGER_CALLS, t);
      const engaged = ctr.value(slot, H24, STRANGER_ANSWERED, t) + ctr.value(slot, H24, CALLBACKS, t);
      const share = calls / Math.max(1, ctr.value(slot, H24, CALLS, t));
      if (calls >= c.memberStrangersPerDay && share >= c.memberStrangerShare && engaged / calls <= c.memberMaxAnswerRate) {
        st.set32(slot, 'listedDay', day);
        this.groups.list(id, t, key);
      }
    }
    const g = this.groups;
    g.load(id, t);
    const hot = g.members >= c.members && g.calls >= c.strangerCallsPerDay && g.engaged / g.calls <= c.memberMaxAnswerRate;
    if (hot) {
      // Members that called while the group was not yet recognised are judged now.
      for (const member of this.groups.markHot(id, t)) {
        const m = this.index.get(member);
        if (m >= 0 && m !== slot) this.evaluate(m, t);
      }
    }
    return hot;
  }

  private fillSignals(slot: number, t: number): Signals {
    const s = this.signals;
    const st = this.state;
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
    s.newCallees24h = c.value(slot, H24, NEW_CALLEES, t);
    s.shortTalk24h = c.value(slot, H24, SHORT_TALK, t);
    s.ringOnce1h = c.value(slot, H1, RING_ONCE, t);
    s.ringOnce24h = c.value(slot, H24, RING_ONCE, t);
    s.sequential1h = c.value(slot, H1, SEQUENTIAL, t);
    s.quietStranger24h = c.value(slot, H24, QUIET_STRANGER, t);
    s.noConsent24h = c.value(slot, H24, NO_CONSENT, t);
    s.rejectionRepeats24h = c.value(slot, H24, REJECTION_REPEATS, t);
    const rr = this.config.rules.rejectionRepeat;
    s.rejectionRepeatMax = sec - st.get32(slot, 'rrAt') <= rr.memoryMs / 1000 ? st.get16(slot, 'rrMax') : 0;
    s.bombingMax = sec - st.get32(slot, 'bombAt') <= this.config.rules.callBombing.windowMs / 1000 ? st.get16(slot, 'bombMax') : 0;
    const rep = this.complaintStore.reporters(key, t);
    s.complaintReporters = rep.count;
    s.complaintWeighted = rep.weighted;
    s.isMarketingLine = (st.get8(slot, 'kind') & MARKETING) !== 0;
    const group = st.get32(slot, 'group');
    if (group !== 0) {
      const g = this.groups;
      g.load(group - 1, t);
      s.campaignMembers = g.members;
      s.campaignCalls = g.calls;
      s.campaignEngaged = g.engaged;
    } else {
      s.campaignMembers = 0;
      s.campaignCalls = 0;
      s.campaignEngaged = 0;
    }
    return s;
  }

  private evaluate(slot: number, t: number): void {
    const s = this.fillSignals(slot, t);
    const reasons: ScoredReason[] = [];
    for (const rule of RULE_SET) {
      const r = rule(s, this.config.rules);
      if (r) reasons.push(r);
    }
    if (reasons.length === 0) return;
    const v = verdict(reasons, this.config.severity);
    if (v.severity === null) return;
    const st = this.state;
    const rank = SEVERITY_RANK[v.severity];
    const sec = Math.floor(t / 1000);
    const last = st.get8(slot, 'lastSeverity');
    const fresh = last === 0 || sec - st.get32(slot, 'lastFlagAt') >= this.config.reflagAfterMs / 1000;
    if (!fresh && rank <= last) return;

    let span = 0;
    for (const r of reasons) span = Math.max(span, windowMs(r.window));
    const windowStart = t - span;
    if (fresh) st.set32(slot, 'episodeStart', Math.floor(windowStart / 60_000) * 60);
    st.set8(slot, 'lastSeverity', rank);
    st.set32(slot, 'lastFlagAt', sec);
    this.emit(slot, t, windowStart, v.score, v.severity, reasons, s);
  }

  private emit(
    slot: number,
    t: number,
    windowStart: number,
    score: number,
    severity: Severity,
    reasons: ScoredReason[],
    s: Signals,
  ): void {
    const st = this.state;
    const number = fromNumberKey(st.key(slot));
    const flag = buildFlag(
      {
        flagId: flagId(number, severity, st.get32(slot, 'episodeStart') * 1000),
        number,
        severity,
        score,
        reasons,
        windowStart,
        detectedAt: t,
        emittedAt: this.now(),
        numberClass: NUMBER_CLASSES[st.get8(slot, 'numberClass')] as NumberClass,
        accessProvider: this.providers.name(st.get16(slot, 'provider')),
      },
      s,
    );
    this.out.push(flag);
    this.counts.flags++;
    this.flagsBySeverity[severity]++;
    for (const r of reasons) this.flagsByRule[r.rule] = (this.flagsByRule[r.rule] ?? 0) + 1;
  }

  /** Releases numbers idle past `idleEvictMs` of event time, a chunk of slots at a time. */
  private sweep(): void {
    this.sinceSweep = 0;
    const st = this.state;
    const end = st.end;
    if (end === 0) return;
    const idleBefore = (this.watermark - this.config.idleEvictMs) / 1000;
    for (let n = 0; n < SWEEP_CHUNK; n++) {
      const slot = this.sweepHand;
      this.sweepHand = (this.sweepHand + 1) % end;
      const key = st.key(slot);
      if (key !== 0 && st.get32(slot, 'lastSeen') < idleBefore && !this.complaintStore.has(key)) {
        this.index.delete(key);
        st.release(slot);
        this.counts.evictedNumbers++;
      }
    }
    if (this.counts.calls % (SWEEP_EVERY * 64) === 0) this.complaintStore.sweep(this.watermark);
  }
}

