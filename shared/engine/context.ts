import type { EngineConfig } from '../config/schema.ts';
import type { LocalClock, QuietShare } from './local-time.ts';
import type { CampaignGroups } from './state/campaigns.ts';
import type { ComplaintStore } from './state/complaints.ts';
import type { ConsentStore } from './state/consents.ts';
import type { InboundSwarms } from './state/inbound-swarms.ts';
import type { NumberIndex } from './state/number-index.ts';
import type { NumberState } from './state/number-state.ts';
import type { PairCache } from './state/pair-cache.ts';
import type { ProviderNames } from './state/provider-names.ts';

/**
 * The engine's stores and config, as the per-call counting
 * (call-observer.ts), campaign tracking (campaign-tracker.ts) and signal
 * filling (signals-fill.ts) read and update them. One object per engine,
 * built once: the hot path reads its fields, it allocates nothing.
 */
export interface EngineContext {
  readonly config: EngineConfig;
  /** The operator's allowlisted numbers (keys): never judged as callers, and as callees a queue, no bombing victim. */
  readonly allowlist: ReadonlySet<number>;
  /** Number key → slot of its record in `state`. */
  readonly index: NumberIndex;
  /** Per-number records and windowed counters, by slot. */
  readonly state: NumberState;
  /** Per directed pair caller→callee: attempts, talks, refusals, bombing window. */
  readonly pairs: PairCache;
  readonly consents: ConsentStore;
  readonly complaints: ComplaintStore;
  /** Block/provider campaign groups (possibly shared by the engines of a process). */
  readonly groups: CampaignGroups;
  /** Whether `groups` is shared with other engines: then a recognised group's members it does not track are handed over. */
  readonly groupsShared: boolean;
  /** Per callee, the strangers who ring it again and again (SWARM_BOMBING; possibly shared like the groups). */
  readonly swarms: InboundSwarms;
  /** Whether `swarms` is shared with other engines (one per partition): then recognised members it does not track are handed over. */
  readonly swarmsShared: boolean;
  /** Slots of earlier swarm members marked by the current call, for the engine to judge after it (emptied each time). */
  readonly swarmJudged: number[];
  readonly providers: ProviderNames;
  /** Local hour of event times (quiet hours). */
  readonly clock: LocalClock;
  /** How much of the previous day window's quiet-hour count lies within the last 24 h (signals-fill.ts `quietStrangers`). */
  readonly quietShare: QuietShare;
}
