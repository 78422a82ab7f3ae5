import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent, NumberClass, RuleName, Severity } from '../contracts/records.ts';
import { NUMBER_CLASSES } from '../contracts/records.ts';
import type { EngineConfig } from '../config/schema.ts';
import { classify, fromNumberKey, normalize, numberKey } from '../numbers/index.ts';
import type { Accepted, Engine, EngineStats } from './api.ts';
import { LocalClock, QuietShare } from './local-time.ts';
import { OBSERVED_INTERESTING, OBSERVED_STRANGER, observeCall, observeContact } from './call-observer.ts';
import { trackCampaign, trackProvider } from './campaign-tracker.ts';
import type { EngineContext } from './context.ts';
import { CONSENTING, LINE_KIND, MARKETING } from './number-kind.ts';
import { fillSignals, quietStrangersAtLeast } from './signals-fill.ts';
import { RULE_SET } from './rules/index.ts';
import { emptySignals, type ScoredReason, type Signals } from './signals.ts';
import { buildFlag } from './flag.ts';
import { takeHandedOver } from './swarm-observer.ts';
import { quietEnough } from './rules/campaign.ts';
import { CallPrefetch, PREFETCH_GROUP } from './call-prefetch.ts';
import { CampaignGroups } from './state/campaigns.ts';
import { InboundSwarms } from './state/inbound-swarms.ts';
import { ComplaintStore } from './state/complaints.ts';
import { ConsentStore } from './state/consents.ts';
import { H1 as H1_, H24 as H24_, M } from './state/metrics.ts';
import { NumberIndex } from './state/number-index.ts';
import { NUM16 as NUM16_, NUM32 as NUM32_, NUM8 as NUM8_, NumberState } from './state/number-state.ts';
import { ProviderNames } from './state/provider-names.ts';
import { PAIR8 as PAIR8_, PAIR_ATTEMPTED, PAIR_CALLED_BACK, PairCache, pairTag } from './state/pair-cache.ts';
import { hashKey } from './state/hash.ts';
import { RecentIds, REPORT_ID } from './state/recent-ids.ts';
import { SEVERITY_RANK, flagId, verdict, windowMs } from './verdict.ts';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from './snapshot.ts';

// Imported bindings are live (read through the module record): copy the hot ones.
// The records' field offsets (the state accessors take offsets, not names: number-state.ts's NUM32).
const NUM16 = NUM16_;
const NUM32 = NUM32_;
const NUM8 = NUM8_;
const PAIR8 = PAIR8_;
const H1 = H1_;
const H24 = H24_;
const CALLS = M.CALLS;
const STRANGER_CALLS = M.STRANGER_CALLS;
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
  /** The callees' swarm loads, shared the same way (a victim's callers are spread over partitions). Default: the engine's own. */
  swarms?: InboundSwarms;
}

type Exported<T extends { exportState(): unknown }> = ReturnType<T['exportState']>;

/**
 * What `snapshot` writes and `restore` reads (snapshot.ts turns it into binary parts and back). Parts added after the
 * first snapshots are optional: older snapshots lack them.
 */
interface SnapshotState {
  index: Exported<NumberIndex>;
  state: Exported<NumberState>;
  pairs: Exported<PairCache>;
  ids: Exported<RecentIds>;
  consents: Exported<ConsentStore>;
  complaints: Exported<ComplaintStore>;
  groups: Exported<CampaignGroups>;
  /** Since SWARM_BOMBING. */
  swarms?: Exported<InboundSwarms>;
  allowlist: number[];
  providers: Exported<ProviderNames>;
  counts: EngineCounts;
  maxEventTime: number | null;
  flagsBySeverity: Record<Severity, number>;
  flagsByRule: Partial<Record<RuleName, number>>;
  /** Since the idle sweep's position was kept. */
  sweep?: { since: number; hand: number };
}

/** The engine's running counts (EngineStats reports them). */
interface EngineCounts {
  calls: number;
  complaints: number;
  consents: number;
  duplicates: number;
  late: number;
  evictedNumbers: number;
  flags: number;
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
  private readonly swarms: InboundSwarms;
  private readonly allowlist = new Set<number>();
  private readonly marketingLines = new Set<number>();
  private readonly providers = new ProviderNames();
  private readonly clock: LocalClock;
  private readonly signals: Signals = emptySignals();
  private readonly prefetch: CallPrefetch;
  /** Whether `groups` is shared with other engines (EngineOptions.campaignGroups). */
  private readonly groupsShared: boolean;
  /** The stores as the call observer, campaign tracker and signal filling use them. */
  private readonly cx: EngineContext;
  /** `evaluate`, bound once (campaign tracking judges a hot group's quiet members with it). */
  private readonly judge = (slot: number, t: number): void => this.evaluate(slot, t);
  private readonly now: () => number;
  /** Fewest stranger calls at which any stranger-based rule can fire. */
  private readonly strangerGate: number;
  private out: FlagEvent[] = [];
  private maxEventTime = -Infinity;
  private sinceSweep = 0;
  private sweepHand = 0;
  /** The shared swarm table's hand-over version this engine last took its hand-overs at. */
  private handedSeen = 0;
  /** The same for the shared campaign groups. */
  private groupsHandedSeen = 0;
  private readonly counts: EngineCounts = {
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
    this.groupsShared = opts.campaignGroups !== undefined;
    this.swarms = opts.swarms ?? new InboundSwarms(config.swarmEntries);
    this.index = new NumberIndex(1 << 16);
    this.state = new NumberState(1 << 16);
    this.pairs = new PairCache(config.pairCacheEntries);
    this.ids = new RecentIds(config.dedupEntries);
    this.prefetch = new CallPrefetch(this.index, this.state, this.pairs, this.ids, this.swarms);
    this.complaintStore = new ComplaintStore(config.rules.complaints.windowMs);
    this.clock = new LocalClock(config.timeZone);
    this.cx = {
      config,
      allowlist: this.allowlist,
      index: this.index,
      state: this.state,
      pairs: this.pairs,
      consents: this.consents,
      complaints: this.complaintStore,
      groups: this.groups,
      groupsShared: this.groupsShared,
      swarms: this.swarms,
      swarmsShared: opts.swarms !== undefined,
      swarmJudged: [],
      providers: this.providers,
      clock: this.clock,
      quietShare: new QuietShare(this.clock, config.rules.quietHours.startHour, config.rules.quietHours.endHour),
    };
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

  /**
   * Complaints reported before this are late: complaints come through slower
   * channels than probes, so one behind the calls' watermark still counts
   * while it is inside its ageing window (`rules.complaints.windowMs`).
   */
  get complaintHorizon(): number {
    return this.watermark - this.config.rules.complaints.windowMs;
  }

  /** Allowlists a number given in any form that normalises (ignored otherwise). */
  allow(number: string): void {
    const e164 = normalize(number);
    if (e164) this.allowlist.add(numberKey(e164));
  }

  /**
   * The allowlist becomes exactly these numbers (as `allow` takes them): a restored snapshot's, and numbers
   * allowed before, that are not among them are judged again from their next call.
   */
  setAllowlist(numbers: Iterable<string>): void {
    this.allowlist.clear();
    for (const n of numbers) this.allow(n);
  }

  onConsent(c: ConsentRecord): void {
    this.counts.consents++;
    const caller = numberKey(c.caller);
    this.consents.put(caller, numberKey(c.callee), c.grantedAt, c.revokedAt);
    const slot = this.index.get(caller);
    if (slot >= 0) this.state.set8(slot, NUM8.kind, this.state.get8(slot, NUM8.kind) | CONSENTING);
  }

  advanceTo(t: number): void {
    if (t > this.maxEventTime) this.maxEventTime = t;
  }

  /**
   * `onCall` of each of `events[from..to)`, in order, with the state lines of
   * each group of calls loaded together first ({@link prefetchCalls}).
   * Returns how many were accepted.
   */
  onCalls(events: readonly CallEvent[], from = 0, to = events.length): number {
    let accepted = 0;
    const pf = this.prefetch;
    const keys = pf.pairKeys;
    const tags = pf.pairTags;
    for (let i = from; i < to; i += PREFETCH_GROUP) {
      const end = Math.min(i + PREFETCH_GROUP, to);
      pf.calls(events, i, end);
      // The keys, fingerprints and pair tags the prefetch computed, not computed again.
      for (let j = i, q = 0; j < end; j++, q++) {
        if (this.acceptCall(events[j], keys[q * 2], keys[q * 2 + 1], pf.idPrint1[q], pf.idPrint2[q], tags[q * 2], tags[q * 2 + 1]) === 'accepted') accepted++;
      }
    }
    return accepted;
  }

  /**
   * A hint, with no effect on results: loads the state lines the calls
   * `events[from..to)` will read, a group at a time, so that their cache
   * misses overlap (call-prefetch.ts). Worth calling just before the calls.
   */
  prefetchCalls(events: readonly CallEvent[], from = 0, to = events.length): void {
    this.prefetch.calls(events, from, to);
  }

  onCall(e: CallEvent): Accepted {
    const ids = this.ids;
    ids.fingerprint(e.eventId);
    const caller = numberKey(e.caller);
    const callee = numberKey(e.callee);
    const ka = hashKey(caller);
    const kb = hashKey(callee);
    return this.acceptCall(e, caller, callee, ids.h1, ids.h2, pairTag(ka, kb), pairTag(kb, ka));
  }

  /**
   * `onCall` of `e`, its numbers' keys, its event id's fingerprint and the tags of the pair caller→callee and of its
   * reverse (PairCache's pairTag) already computed.
   */
  private acceptCall(e: CallEvent, caller: number, callee: number, id1: number, id2: number, tag: number, backTag: number): Accepted {
    const t = e.startTime;
    if (t < this.watermark) {
      this.counts.late++;
      return 'late';
    }
    if (this.ids.seenPrint(id1, id2)) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    this.counts.calls++;
    if (t > this.maxEventTime) this.maxEventTime = t;
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep();

    if (this.allowlist.size !== 0 && this.allowlist.has(caller)) {
      // Never judged, but the people it calls are its contacts when they call back.
      observeContact(this.cx, caller, callee, e, t, tag);
      return 'accepted';
    }
    const slot = this.slotFor(caller, e.caller, t);
    this.judgeCall(slot, caller, callee, e, t, tag, backTag);
    return 'accepted';
  }

  onComplaint(c: ComplaintReport): Accepted {
    // One older than its ageing window behind the watermark would count for
    // nothing: late (counted and routed, like a late call).
    if (c.reportTime < this.complaintHorizon) {
      this.counts.late++;
      return 'late';
    }
    if (this.ids.seen(c.reportId, REPORT_ID)) {
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
    const w = this.complaintWeight(reported, reporter, t);
    this.complaintStore.add(reported, reporter, t, w);
    const slot = this.slotFor(reported, c.reported, t);
    // No counters.touch here: a complaint counts nothing in the windows, and
    // rolling them to a report time ahead of the number's calls would drop
    // those calls' counts (reading them at any time needs no roll).
    // A complaint delivered after a later one about the same number (slower
    // channels) is judged where both are on record, at the later one's time:
    // at its own time the later reporter had not yet complained, and nothing
    // else may come to judge the number again. One so late that it has aged out of the window at the later
    // one's time is judged at its own time too, where it and the complaints before it are on record.
    const latest = this.complaintStore.latest(reported);
    if (latest - t >= this.config.rules.complaints.windowMs) this.evaluate(slot, t);
    this.evaluate(slot, Math.max(t, latest));
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
    const state: SnapshotState = {
      index: this.index.exportState(),
      state: this.state.exportState(),
      pairs: this.pairs.exportState(),
      ids: this.ids.exportState(),
      consents: this.consents.exportState(),
      complaints: this.complaintStore.exportState(),
      groups: this.groups.exportState(),
      swarms: this.swarms.exportState(),
      allowlist: [...this.allowlist],
      providers: this.providers.exportState(),
      counts: this.counts,
      maxEventTime: Number.isFinite(this.maxEventTime) ? this.maxEventTime : null,
      flagsBySeverity: this.flagsBySeverity,
      flagsByRule: this.flagsByRule,
      // Where the idle sweep stands: a restored engine sweeps at the same calls
      // and slots as an uninterrupted one (and keeps counts.calls in step with
      // sinceSweep, which the complaint store's sweep relies on).
      sweep: { since: this.sinceSweep, hand: this.sweepHand },
    };
    return encodeSnapshot(state);
  }

  /** Replaces this (fresh) engine's state with a snapshot's; which numbers are marketing lines comes from this engine's config. */
  restore(snap: EngineSnapshot): void {
    const s = decodeSnapshot(snap) as SnapshotState;
    this.index.importState(s.index);
    this.state.importState(s.state);
    this.pairs.importState(s.pairs);
    this.ids.importState(s.ids);
    this.consents.importState(s.consents);
    this.complaintStore.importState(s.complaints);
    // Campaign groups and swarm loads may be shared by the engines of a process (one per partition, see
    // EngineOptions). A restore into a shared table other engines already use must not replace it: their records
    // point into it (a replaced table crashed them on a group id it no longer had). The groups are merged, this
    // snapshot's records pointed at their ids in the shared table; the swarm loads stay as the table has them.
    if (this.groupsShared && this.groups.size !== 0) {
      const remap = this.groups.merge(s.groups);
      for (let slot = 0; slot < this.state.end; slot++) {
        const g = this.state.key(slot) === 0 ? 0 : this.state.get32(slot, NUM32.group);
        if (g !== 0) this.state.set32(slot, NUM32.group, remap[g - 1] + 1);
      }
    } else {
      this.groups.importState(s.groups);
    }
    // Snapshots taken before SWARM_BOMBING existed have no swarm part: the loads start empty.
    if (s.swarms && (!this.cx.swarmsShared || this.swarms.isEmpty())) this.swarms.importState(s.swarms);
    for (const a of s.allowlist) this.allowlist.add(a);
    this.providers.importState(s.providers);
    Object.assign(this.counts, s.counts);
    this.maxEventTime = s.maxEventTime ?? -Infinity;
    Object.assign(this.flagsBySeverity, s.flagsBySeverity);
    Object.assign(this.flagsByRule, s.flagsByRule);
    // Snapshots taken before the sweep position was kept: the hand starts
    // afresh, the count in step with the calls (as it was, finish() aside).
    this.sinceSweep = s.sweep?.since ?? this.counts.calls % SWEEP_EVERY;
    this.sweepHand = s.sweep?.hand ?? 0;
    this.rederiveKinds();
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
    this.pairs.set8(p, PAIR8.flags, this.pairs.get8(p, PAIR8.flags) | PAIR_CALLED_BACK);
    if (this.pairs.created) this.pairs.setLastSeen(p, Math.floor(t / 1000));
  }

  /** Bytes held by the engine's fixed structures (typed arrays), for the benchmark. */
  memory(): { numbers: number; index: number; pairs: number; dedup: number; swarms: number } {
    return { numbers: this.state.bytes, index: this.index.bytes, pairs: this.pairs.bytes, dedup: this.ids.bytes, swarms: this.swarms.bytes };
  }

  private slotFor(key: number, e164: string, t: number): number {
    let slot = this.index.get(key);
    if (slot < 0) {
      slot = this.state.allocate(key);
      this.index.set(key, slot);
      const cls = classify(e164);
      this.state.set8(slot, NUM8.numberClass, NUMBER_CLASSES.indexOf(cls));
      this.state.set8(slot, NUM8.kind, this.kindOf(key, cls));
    }
    const sec = Math.floor(t / 1000);
    if (sec > this.state.get32(slot, NUM32.lastSeen)) this.state.set32(slot, NUM32.lastSeen, sec);
    return slot;
  }

  /** A number's `kind` bits under this engine's config (marketingLines) and consents. */
  private kindOf(key: number, cls: NumberClass): number {
    let kind = 0;
    if (cls === 'SERVICE_95' || cls === 'SERVICE_96' || cls === 'TOLL_FREE_400' || this.marketingLines.has(key)) kind |= MARKETING;
    if (this.consents.isRegisteredLine(key)) kind |= CONSENTING;
    return kind;
  }

  /**
   * Every tracked number's `kind` again, after a restore: a snapshot holds the bits as the config of the engine
   * that took it had them, and this engine's config may list other marketing lines (a live config change
   * rebuilds the engines from snapshots, a restart may bring another config). Without this, a line removed
   * from `marketingLines` kept being judged as one (NO_CONSENT) and one added was not, until idle eviction.
   * CONSENTING is re-derived alike (from the restored consents, so it comes out as it was).
   */
  private rederiveKinds(): void {
    const st = this.state;
    for (let slot = 0; slot < st.end; slot++) {
      const key = st.key(slot);
      if (key !== 0) st.set8(slot, NUM8.kind, (st.get8(slot, NUM8.kind) & ~LINE_KIND) | this.kindOf(key, NUMBER_CLASSES[st.get8(slot, NUM8.numberClass)]));
    }
  }

  /**
   * The weight of `reporter`'s complaint about `reported` at `t`: an acquaintance's counts `acquaintanceWeight`; a
   * stranger's whom `reported` is on record as having called counts whole; one from a person it is not on record
   * as having called counts `unreachedWeight`, but only where the record would show the call: `reported` has
   * called others within its 24-h window, and the pair's set has never given a pair up (PairCache.wouldHold).
   * A complaint about a call that never reached the reporter (a rival's or a grudge's, an SMS) is no evidence
   * about calls. Where the engine cannot know (a number not seen calling of late, a set that may have given the
   * pair up), the complaint counts whole.
   */
  private complaintWeight(reported: number, reporter: number, t: number): number {
    const cfg = this.config.rules.complaints;
    const fwd = this.pairs.find(reported, reporter);
    if (this.acquainted(reported, reporter, fwd)) return cfg.acquaintanceWeight;
    if (fwd >= 0 && (this.pairs.get8(fwd, PAIR8.flags) & PAIR_ATTEMPTED) !== 0) return 1;
    const slot = this.index.get(reported);
    if (slot < 0 || this.state.counters.value(slot, H24, CALLS, t) < 1) return 1;
    return this.pairs.wouldHold(reported, reporter) ? cfg.unreachedWeight : 1;
  }

  /**
   * Acquainted: `b` has called `a` (seen here, or noted on the pair a→b: by `noteCallBack` from another
   * partition, or cached there from the reverse pair since evicted), or `a` and `b` have had enough real
   * conversations. `fwd`: the pair a→b's index (`pairs.find(a, b)`), which the caller reads too.
   */
  private acquainted(a: number, b: number, fwd: number): boolean {
    const back = this.pairs.find(b, a);
    if (back >= 0 && (this.pairs.get8(back, PAIR8.flags) & PAIR_ATTEMPTED) !== 0) return true;
    if (fwd < 0) return false;
    return (this.pairs.get8(fwd, PAIR8.flags) & PAIR_CALLED_BACK) !== 0 || this.pairs.get8(fwd, PAIR8.talks) >= this.config.acquaintanceTalks;
  }

  /**
   * One accepted call: counted (call-observer.ts), its provider and campaign
   * group tracked, and the caller judged when the call brought evidence.
   */
  private judgeCall(slot: number, caller: number, callee: number, e: CallEvent, t: number, tag: number, backTag: number): void {
    const cx = this.cx;
    const cfg = this.config;
    const seen = observeCall(cx, slot, caller, callee, e, t, tag, backTag);
    trackProvider(cx, slot, e.accessProvider);
    let interesting = (seen & OBSERVED_INTERESTING) !== 0;
    const ctr = this.state.counters;
    if ((seen & OBSERVED_STRANGER) !== 0) {
      const hot = trackCampaign(cx, slot, caller, t, seen, this.judge);
      // Every stranger-based rule needs a handful of stranger calls first (a
      // member of a recognised campaign group, fewer: see `quietEnough`): below that, skip the work.
      if (hot) {
        if (quietEnough(ctr.value(slot, H24, STRANGER_CALLS, t), cfg.rules.campaign)) interesting = true;
      } else {
        const g = this.strangerGate;
        // The night's calls on their own estimate (quietStrangers): the day's stranger calls, spread over the whole
        // day by the sliding estimate, undercount last night's calls at the start of tonight's.
        if (ctr.atLeast(slot, H1, STRANGER_CALLS, t, g) || ctr.atLeast(slot, H24, STRANGER_CALLS, t, g) || quietStrangersAtLeast(cx, slot, t, cfg.rules.quietHours.strangerCallsPerDay)) interesting = true;
      }
    }
    // Volume is judged on both horizons: a number calling its contacts (no
    // stranger gate) 30 times an hour all day reaches the daily threshold only.
    const hf = cfg.rules.highFrequency;
    if (interesting || ctr.atLeast(slot, H1, CALLS, t, hf.callsPerHour) || ctr.atLeast(slot, H24, CALLS, t, hf.callsPerDay)) this.evaluate(slot, t);
    // Members of swarms recognised by another partition's engine since this engine last looked.
    if (cx.swarmsShared && this.swarms.handedVersion !== this.handedSeen) {
      this.handedSeen = this.swarms.handedVersion;
      takeHandedOver(cx);
    }
    // Members of campaign groups recognised by another partition's engine: judged now, as that engine would have.
    if (this.groupsShared && this.groups.handedVersion !== this.groupsHandedSeen) {
      this.groupsHandedSeen = this.groups.handedVersion;
      this.groups.takeHanded((key) => this.index.get(key), (m) => {
        if (m !== slot) this.evaluate(m, t);
      });
    }
    // Members of a swarm recognised by this call, who rang before it was.
    const judged = cx.swarmJudged;
    if (judged.length !== 0) {
      for (let i = 0; i < judged.length; i++) this.evaluate(judged[i], t);
      judged.length = 0;
    }
  }

  private evaluate(slot: number, t: number): void {
    // A number allowlisted after it was tracked is still judged when a swarm
    // or campaign it took part in is recognised: never flag it.
    if (this.allowlist.size !== 0 && this.allowlist.has(this.state.key(slot))) return;
    const s = fillSignals(this.signals, this.cx, slot, t);
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
    const last = st.get8(slot, NUM8.lastSeverity);
    const lastAt = st.get32(slot, NUM32.lastFlagAt);
    let span = 0;
    let opened = false;
    for (const r of reasons) {
      const w = windowMs(r.window);
      if (w > span) span = w;
      // Evidence the last flag lacked: newer than it (rules that remember for days say how new theirs is), or a
      // whole window of the reason opened since (a 1-h rule's an hour later, a 24-h rule's a day later). The same
      // complaints of a 30-day window do not make a new flag every day (a flood of identical flags).
      if (r.newestAt !== undefined ? r.newestAt > lastAt * 1000 : t - w >= lastAt * 1000) opened = true;
    }
    const fresh = last === 0 || (sec - lastAt >= this.config.reflagAfterMs / 1000 && opened);
    if (!fresh && rank <= last) return;

    const windowStart = t - span;
    // The episode is named by the second it opened (its first flag), not by its evidence window's start: two
    // episodes whose windows start alike (a 7-day rule's, then a 30-day rule's 23 days later) are two flags.
    if (fresh) st.set32(slot, NUM32.episodeStart, sec);
    st.set8(slot, NUM8.lastSeverity, rank);
    // Never moved back: a late complaint judged at its own, earlier time must not make the next call's flag fresh.
    if (sec > lastAt) st.set32(slot, NUM32.lastFlagAt, sec);
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
        flagId: flagId(number, severity, st.get32(slot, NUM32.episodeStart) * 1000),
        number,
        severity,
        score,
        reasons,
        windowStart,
        detectedAt: t,
        emittedAt: this.now(),
        numberClass: NUMBER_CLASSES[st.get8(slot, NUM8.numberClass)],
        accessProvider: this.providers.name(st.get16(slot, NUM16.provider)),
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
      if (key !== 0 && st.get32(slot, NUM32.lastSeen) < idleBefore && !this.complaintStore.has(key)) {
        this.index.delete(key);
        st.release(slot);
        this.counts.evictedNumbers++;
      }
    }
    if (this.counts.calls % (SWEEP_EVERY * 64) === 0) this.complaintStore.sweep(this.watermark);
  }
}

