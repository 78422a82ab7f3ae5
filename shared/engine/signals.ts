import type { FlagReason } from '../contracts/records.ts';
import type { EngineConfig } from '../config/schema.ts';

/**
 * What the rules read: one number's windowed behaviour at event time `t`,
 * as plain numbers (sliding estimates). Filled by the engine only when a
 * number is worth evaluating; rules never touch the stores.
 */
export interface Signals {
  t: number;
  calls1h: number;
  calls24h: number;
  answered24h: number;
  rejected24h: number;
  strangerCalls1h: number;
  strangerCalls24h: number;
  strangerAnswered1h: number;
  strangerAnswered24h: number;
  /** Stranger calls that became real conversations (also counted in strangerAnswered). */
  strangerTalked1h: number;
  strangerTalked24h: number;
  /** Strangers called who called back (engagement, like an answer). */
  callbacks1h: number;
  callbacks24h: number;
  newStrangers1h: number;
  newStrangers24h: number;
  /**
   * Strangers who picked up, however short the talk (each once, as
   * `strangerAnswered` counts engaged ones), over the day only: whether
   * strangers answer the number at all, apart from whether they stay on.
   */
  strangerPickedUp24h: number;
  newCallees24h: number;
  shortTalk24h: number;
  ringOnce1h: number;
  ringOnce24h: number;
  sequential1h: number;
  quietStranger24h: number;
  noConsent24h: number;
  rejectionRepeats24h: number;
  /** Most attempts after an explicit rejection at one stranger, within the rejection memory. */
  rejectionRepeatMax: number;
  /** Largest call-bombing run at one stranger within the bombing window. */
  bombingMax: number;
  /**
   * That run and the refusal run (`rejectionRepeatMax`) are one callee's, and no other callee had a run of either
   * rule's grade beside them (call-observer `noteRun`): one person's calls.
   */
  bombingOneCallee: boolean;
  /** Largest swarm (distinct strangers repeating at one callee who does not engage) the number took part in, within the swarm window. */
  swarmCallers: number;
  complaintReporters: number;
  complaintWeighted: number;
  /** Complaints of those reporters (evidence only). */
  complaintReports: number;
  /** From the earliest of those reporters' complaints to now, ms (how long the complaints took to gather). */
  complaintSpanMs: number;
  /** Event time of the latest of those complaints, ms (0 for none). */
  complaintLatestAt: number;
  /** Event time the number's largest refusal run (`rejectionRepeatMax`) was reached, ms. */
  rejectionRepeatAt: number;
  isMarketingLine: boolean;
  /** The number has consent registrations (a sales rep's mobile): its calls to people who revoked theirs count as NO_CONSENT. */
  isConsentingLine: boolean;
  /** The number's campaign group over 24 h, when it is a member. */
  campaignMembers: number;
  campaignCalls: number;
  campaignEngaged: number;
  /** Of the group's calls, those picked up at the first try, however briefly, of `campaignPickCalls` (state/campaigns.ts). */
  campaignPickedUp: number;
  campaignPickCalls: number;
  /** Members of the group that themselves look like quiet marketers (state/campaigns.ts). */
  campaignListed: number;
  /** Listed members within `rules.campaign.neighbourhood` numbers of this one (counted only while the group looks like a campaign). */
  campaignNeighbours: number;
  /**
   * Counts that reached the counters' ceiling (`COUNTER_MAX`,
   * state/windowed-counters.ts; each counter saturates on its own) in the
   * windows read. Such a count is only a lower bound, so a share of it is
   * unknown: with it as denominator the share reads too high (a line making
   * 175,000 calls a day, 40 % ring-once: 32,768 / 65,535). A rule that needs
   * the share does not fire on it; volume rules still do.
   */
  calls1hSaturated: boolean;
  calls24hSaturated: boolean;
  answered24hSaturated: boolean;
  /** One of the counts summed by `engagement()` is at the ceiling: the engagement is a lower bound (see `reach`). */
  engagement1hSaturated: boolean;
  engagement24hSaturated: boolean;
  /** `strangerPickedUp24h` is at the ceiling (a lower bound). */
  strangerPickedUp24hSaturated: boolean;
}

export function emptySignals(): Signals {
  return {
    t: 0,
    calls1h: 0,
    calls24h: 0,
    answered24h: 0,
    rejected24h: 0,
    strangerCalls1h: 0,
    strangerCalls24h: 0,
    strangerAnswered1h: 0,
    strangerAnswered24h: 0,
    strangerTalked1h: 0,
    strangerTalked24h: 0,
    callbacks1h: 0,
    callbacks24h: 0,
    newStrangers1h: 0,
    newStrangers24h: 0,
    strangerPickedUp24h: 0,
    newCallees24h: 0,
    shortTalk24h: 0,
    ringOnce1h: 0,
    ringOnce24h: 0,
    sequential1h: 0,
    quietStranger24h: 0,
    noConsent24h: 0,
    rejectionRepeats24h: 0,
    rejectionRepeatMax: 0,
    bombingMax: 0,
    bombingOneCallee: false,
    swarmCallers: 0,
    complaintReporters: 0,
    complaintWeighted: 0,
    complaintReports: 0,
    complaintSpanMs: 0,
    complaintLatestAt: 0,
    rejectionRepeatAt: 0,
    isMarketingLine: false,
    isConsentingLine: false,
    campaignMembers: 0,
    campaignCalls: 0,
    campaignEngaged: 0,
    campaignPickedUp: 0,
    campaignPickCalls: 0,
    campaignListed: 0,
    campaignNeighbours: 0,
    calls1hSaturated: false,
    calls24hSaturated: false,
    answered24hSaturated: false,
    engagement1hSaturated: false,
    engagement24hSaturated: false,
    strangerPickedUp24hSaturated: false,
  };
}

/** A contributing signal: the contract's reason plus the points it adds to the score. */
export interface ScoredReason extends FlagReason {
  points: number;
  /**
   * Context, not evidence: volume, short talk, the hour. Context adds to the
   * score of a number that has evidence of nuisance, but never makes a LABEL
   * on its own or together (a school ringing 300 parents until 22:30 is busy
   * and late, not a nuisance). See `verdict`.
   */
  context?: boolean;
  /**
   * Evidence, but drawn from calls another reason already judges (QUIET_HOURS
   * is marketing-like by LOW_ANSWER_FANOUT's own engagement test on the same
   * stranger calls): it adds its points and may make a LABEL, but it is not
   * another rule towards BLOCK_RECOMMENDED (six unanswered calls at night are
   * one signal, not two). See `verdict`.
   */
  restates?: boolean;
  /**
   * For a rule that remembers for days: event time of its newest evidence, ms.
   * A flag at the same severity is raised again only on evidence newer than the
   * last flag (engine `evaluate`); without it, a window of the reason's length
   * must have opened since.
   */
  newestAt?: number;
}

export type RulesConfig = EngineConfig['rules'];

/** A detection rule: reads signals, returns its reason or null. Pure. */
export type Rule = (s: Signals, c: RulesConfig) => ScoredReason | null;

/** `base` at the threshold, rising linearly to `base + extra` at `cap`× the threshold. */
export function rising(value: number, threshold: number, base: number, extra: number, cap = 2): number {
  const over = Math.min(1, Math.max(0, (value / threshold - 1) / (cap - 1)));
  return base + extra * over;
}

/**
 * How much strangers engaged with the number in a horizon: answered calls
 * kept past the short-call cut, plus callbacks. Within the hour, callbacks
 * to the latest missed calls have not had time to arrive yet, so a real
 * conversation (talk ≥ acquaintanceTalkSec) counts once more there — the
 * evidence of a legitimate purpose that is available at once.
 */
export function engagement(s: Signals, horizon: '1h' | '24h'): number {
  return horizon === '1h'
    ? s.strangerAnswered1h + s.strangerTalked1h + s.callbacks1h
    : s.strangerAnswered24h + s.callbacks24h;
}

/**
 * The engagement rate's sample, per callee: `n` distinct strangers called
 * in the horizon and `k` of them who engaged (each stranger's first engaged
 * answer counts once, as does a callback). Per callee rather than per call,
 * so that retrying the customers who missed a call (couriers, clinics) does
 * not read as being ignored, and calling the same few who answer again and
 * again does not read as being welcome. An engagement count at the counters'
 * ceiling is only a lower bound, so the rate is unknown: `k` is then `n`,
 * and no rule judges the rate low. (`n` at the ceiling only makes the rate an
 * upper bound, and its Wilson bound wider: judging it low stays sound.)
 */
export function reach(s: Signals, horizon: '1h' | '24h'): { n: number; k: number } {
  const n = horizon === '1h' ? s.newStrangers1h : s.newStrangers24h;
  const saturated = horizon === '1h' ? s.engagement1hSaturated : s.engagement24hSaturated;
  return { n, k: saturated ? n : Math.min(n, engagement(s, horizon)) };
}

/**
 * Whether the day's strangers pick up, so that their answer rate is not shown
 * to be low. The share is of the day's strangers who answered at all, however
 * briefly (each once a day, at any try). It is plainly above `maxAnswerRate`
 * (its lower bound at 95 %), or above it and plausibly as high as
 * `mostlyAnswered` (its upper bound at 95 % above that): a rider's first
 * half-dozen customers, five of whom picked up for a few seconds, show no low
 * answer rate, while three of six show nothing either way and are judged.
 * And at least half the day's calls are answered, so that redialling cannot
 * buy the rest: three tries at a public that answers 45 % of calls reach 83 %
 * of its strangers, but still 45 % of calls (a rider's customers answer about
 * 70 % of first calls and most retries). Every call counts there, not only
 * the day's new strangers': a courier's regular customers, called again a
 * little less than a day after the last time, are not among the day's new
 * strangers, but their answers are answers. (A caller could pad its day with
 * answered calls to accomplices; a stranger-only count would stop that, but
 * read those regulars' calls as unanswered.) At the ceiling a count is a
 * lower bound, so a share is unknown and taken as not high.
 */
export function publicPicksUp(s: Signals, c: { maxAnswerRate: number; mostlyAnswered: number }): boolean {
  if (s.strangerPickedUp24hSaturated || s.answered24hSaturated || s.calls24hSaturated) return false;
  if (2 * s.answered24h < s.calls24h) return false;
  const n = s.newStrangers24h;
  const k = Math.min(n, s.strangerPickedUp24h);
  if (plainlyAbove(k, n, c.maxAnswerRate)) return true;
  return k > c.maxAnswerRate * n && wilsonUpper(k, n) > c.mostlyAnswered;
}

/**
 * Whether the lower bound (95 %) of the rate `k / n` is above `line`: the
 * Wilson upper bound of its complement below 1 − `line` (`k` capped at `n`;
 * no sample, no evidence).
 */
export function plainlyAbove(k: number, n: number, line: number): boolean {
  if (n <= 0) return false;
  return 1 - wilsonUpper(n - Math.min(n, k), n) > line;
}

/**
 * Upper bound of the Wilson score interval for a proportion `k / n` at
 * z (1.645: one-sided 95 %): how high the true rate may plausibly be given a
 * small sample, so that a dozen calls do not pass for a low answer rate by
 * chance.
 */
export function wilsonUpper(k: number, n: number, z = 1.645): number {
  if (n <= 0) return 1;
  const p = Math.min(1, Math.max(0, k / n));
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + margin) / (1 + z2 / n));
}

/**
 * P(K ≥ k) for K Poisson with mean `mean`: how likely `k` or more events are
 * by chance (k ≤ 0: 1).
 */
export function poissonTail(k: number, mean: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  // Beyond 40 standard deviations (and 40) above the mean the tail is nil; this also bounds the loop.
  if (k > mean + 40 * Math.sqrt(mean) + 40) return 0;
  // The terms in log space: exp(−mean) alone underflows past a mean of ~745.
  const logMean = Math.log(mean);
  let logTerm = -mean;
  let below = Math.exp(logTerm);
  for (let i = 1; i < k; i++) {
    logTerm += logMean - Math.log(i);
    below += Math.exp(logTerm);
  }
  return Math.max(0, 1 - below);
}

/** Rounds a reason value for output (estimates are fractional). */
export function r1(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * Rounds a rate or share for output to three decimals: one decimal would
 * report an answer rate of 0.45 as 0.5 against a threshold of 0.45 (or
 * 0.15 as 0.2), so the reason would contradict the rule that fired.
 */
export function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
