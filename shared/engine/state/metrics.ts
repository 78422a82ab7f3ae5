/**
 * The per-number windowed metrics, each counted over every horizon. Indices
 * into the counter slab; keep `METRIC_COUNT` in step.
 */
export const M = {
  CALLS: 0,
  ANSWERED: 1,
  /** Attempts the callee explicitly declined (REJECTED). */
  REJECTED: 2,
  /** Attempts at callees with no earlier contact in either direction and no consent. */
  STRANGER_CALLS: 3,
  /** Strangers who answered and stayed past the short-call cut (engaged), each stranger once. */
  STRANGER_ANSWERED: 4,
  /** Callees not called before within the horizon (distinct callees). */
  NEW_CALLEES: 5,
  /** Strangers not called before within the horizon (distinct strangers). */
  NEW_STRANGERS: 6,
  /** Answered calls with talk shorter than `shortCalls.maxTalkSec`. */
  SHORT_TALK: 7,
  /** CANCELLED attempts at strangers that rang at most `ringOnce.maxRingMs`. */
  RING_ONCE: 8,
  /**
   * Callees within `maxGap` of the previous callee. Counted over the hour
   * only (SEQUENTIAL_DIALING judges the hour): its day cell holds
   * `STRANGER_PICKED_UP_24H`.
   */
  SEQUENTIAL: 9,
  /** Stranger calls in the callee's quiet hours. */
  QUIET_STRANGER: 10,
  /** Marketing-line calls without live consent (acquaintances exempt). */
  NO_CONSENT: 11,
  /** Attempts at a callee after that callee explicitly rejected the caller. */
  REJECTION_REPEATS: 12,
  /** Strangers the number called who then called it back (engagement, like an answer). */
  CALLBACKS: 13,
  /** Of those, the ones whose first engaged call was a real conversation (talk ≥ acquaintanceTalkSec). */
  STRANGER_TALKED: 14,
} as const;

export const METRIC_COUNT = 15;

/**
 * Strangers who picked up (answered, however short the talk), each stranger
 * once, counted over the day only (`H24`, with `addIn`): SEQUENTIAL's day
 * cell, which it never used, so the record stays at 15 metrics × 2 horizons.
 */
export const STRANGER_PICKED_UP_24H = M.SEQUENTIAL;

/** The horizons every metric is counted over. */
export const HORIZONS = [
  { name: '1h', ms: 3_600_000 },
  { name: '24h', ms: 86_400_000 },
] as const;
export const H1 = 0;
export const H24 = 1;
export const HORIZON_COUNT = HORIZONS.length;
