/**
 * A small, exactly known investigators' database: flags and calls for a
 * handful of numbers, folded into the contract tables by the seeder's
 * aggregate (as the detector would write them). Times are fixed so that
 * every count and order can be asserted.
 */
import type { CallEvent, FlagEvent, CallOutcome } from '../../shared/contracts/records.ts';
import { flagRow, migrate, quoteIdentifier, type ClickHouse } from '../../shared/clickhouse/index.ts';
import { TrafficAggregate, flaggedNumbers } from '../../services/investigator/seed/aggregate.ts';

export const M = 60_000;
export const H = 3_600_000;
/** The data clock of the fixture: the newest flag or hour. */
export const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

export const HARASSER = '+8613800000001';
export const DIALLER = '+8613800000002';
export const LURE = '+8613800000003';
export const WATCHED = '+8613800000004';
export const NEIGHBOUR = '+8613900000005';
export const OLD_OFFENDER = '+8613800000006';
/** Flagged 10 days before T0 (only in the 30d and all periods): a LABEL scored 100 (dismissed) and a later BLOCK_RECOMMENDED scored 85. */
export const SCORER = '+8613800000007';
/** A BLOCK_RECOMMENDED scored 90, 10 days before T0: above the scorer's 85, below its LABEL's 100. */
export const RUNNER_UP = '+8613800000008';
/** Two LABEL flags alike but for their ids (12 days before T0): the greater id is the one shown. */
export const TIED = '+8613800000009';
const D = 24 * H;
/**
 * Decisions that change (40 days before T0: only in the 'all' period, or in a
 * window of their own via `until`). REVISED's one LABEL flag was CONFIRMED,
 * then DISMISSED: the later decision is the one in force.
 */
export const REVISED = '+8613800000010';
/** Two LABEL flags (TB-2h, TB-1h), each reviewed: nothing of it waits in the queue. */
export const SETTLED = '+8613800000011';
/** Three LABEL flags alike (score 70, detected at TB-2d) but for their numbers: ranked by number. */
export const TIES = ['+8613800000012', '+8613800000013', '+8613800000014'];
/** The time of REVISED's flag (the end of the window of REVISED and SETTLED). */
export const TB = T0 - 40 * D;

function flag(number: string, severity: FlagEvent['severity'], detectedAt: number, rule: FlagEvent['reasons'][number]['rule'], over: Partial<FlagEvent> = {}): FlagEvent {
  return {
    flagId: `fx-${number.slice(-2)}-${severity}-${detectedAt}`,
    number,
    severity,
    score: severity === 'BLOCK_RECOMMENDED' ? 95 : severity === 'LABEL' ? 70 : 35,
    reasons: [{ rule, window: '24h', value: 12, threshold: 3 }],
    windowStart: detectedAt - 24 * H,
    windowEnd: detectedAt,
    detectedAt,
    emittedAt: detectedAt + 500,
    numberClass: 'MOBILE',
    accessProvider: number === HARASSER ? 'TRUNK-X' : 'CMCC',
    evidence: { calls: 40, rejected: 30, answered: 5 },
    ...over,
  };
}

export const FLAGS: FlagEvent[] = [
  flag(HARASSER, 'WATCH', T0 - 5 * H, 'REJECTION_REPEAT'),
  flag(HARASSER, 'BLOCK_RECOMMENDED', T0 - H, 'REJECTION_REPEAT', { reasons: [{ rule: 'REJECTION_REPEAT', window: '7d', value: 9, threshold: 3 }, { rule: 'COMPLAINTS', window: '7d', value: 2, threshold: 2 }] }),
  flag(DIALLER, 'LABEL', T0 - 30 * M, 'LOW_ANSWER_FANOUT'),
  flag(LURE, 'LABEL', T0 - 2 * H, 'RING_ONCE'),
  flag(WATCHED, 'WATCH', T0 - 10 * M, 'HIGH_FREQUENCY'),
  flag(OLD_OFFENDER, 'BLOCK_RECOMMENDED', T0 - 3 * 24 * H, 'NO_CONSENT'),
  flag(SCORER, 'LABEL', T0 - 10 * D - 3 * H, 'COMPLAINTS', { score: 100, evidence: { calls: 7 } }),
  flag(SCORER, 'BLOCK_RECOMMENDED', T0 - 10 * D - 2 * H, 'LOW_ANSWER_FANOUT', { score: 85, evidence: { calls: 300 } }),
  flag(RUNNER_UP, 'BLOCK_RECOMMENDED', T0 - 10 * D - H, 'HIGH_FREQUENCY', { score: 90 }),
  flag(TIED, 'LABEL', T0 - 12 * D, 'RING_ONCE', { flagId: 'fx-09-b', evidence: { calls: 2 } }),
  flag(TIED, 'LABEL', T0 - 12 * D, 'RING_ONCE', { flagId: 'fx-09-a', evidence: { calls: 1 } }),
  flag(REVISED, 'LABEL', TB, 'RING_ONCE'),
  flag(SETTLED, 'LABEL', TB - 2 * H, 'RING_ONCE'),
  flag(SETTLED, 'LABEL', TB - H, 'RING_ONCE'),
  ...TIES.map((n) => flag(n, 'LABEL', TB - 2 * D, 'RING_ONCE')),
];

/** The scorer's LABEL flag (the one dismissed before the tests start). */
export const SCORER_LABEL = FLAGS[6];
/** The scorer's BLOCK_RECOMMENDED flag: its strongest, unreviewed. */
export const SCORER_BLOCK = FLAGS[7];
/** REVISED's flag and SETTLED's two. */
export const REVISED_FLAG = FLAGS[11];
export const SETTLED_FLAGS = [FLAGS[12], FLAGS[13]];

/** A reviews row for flag `f`, decided at `decidedAt` (version = decided_at_ms, as the console writes it). */
function reviewRow(f: FlagEvent, decision: 'CONFIRMED' | 'DISMISSED', decidedAt: number, reviewer = 'earlier', note = '') {
  return {
    number: f.number,
    flag_id: f.flagId,
    decision,
    reviewer,
    note,
    decided_at_ms: decidedAt,
    flag_severity: f.severity,
    flag_detected_at_ms: f.detectedAt,
    flag_window_start_ms: f.windowStart,
    flag_window_end_ms: f.windowEnd,
    version: decidedAt,
  };
}

let seq = 0;
function call(caller: string, startTime: number, outcome: CallOutcome, provider: string, callee = `+86139${String(10_000_000 + seq).slice(-8)}`): CallEvent {
  seq++;
  const answered = outcome === 'ANSWERED';
  return {
    eventId: `fx-${seq}`,
    probeId: 'probe-test',
    caller,
    callee,
    startTime,
    answerTime: answered ? startTime + 5_000 : null,
    endTime: startTime + (answered ? 65_000 : 8_000),
    outcome,
    releaseCause: null,
    accessProvider: provider,
  };
}

/**
 * The calls: the harasser 40 (5 answered, 30 rejected) in the 3 h before
 * T0-1h; the dialler 60 (10 answered); the neighbour 6 answered; the lure 12
 * unanswered, every 5 minutes from T0-1h55m — after its flag (T0-2h), so the
 * only flagged calls in provider_hour (those of the harasser and the dialler
 * came before their flags: a flag counts for the 24 h after it, as the
 * detector counts them).
 */
export function calls(): CallEvent[] {
  const out: CallEvent[] = [];
  for (let i = 0; i < 40; i++) out.push(call(HARASSER, T0 - 4 * H + i * 4 * M, i < 5 ? 'ANSWERED' : i < 35 ? 'REJECTED' : 'NO_ANSWER', 'TRUNK-X'));
  for (let i = 0; i < 60; i++) out.push(call(DIALLER, T0 - 2 * H + i * M, i < 10 ? 'ANSWERED' : 'NO_ANSWER', 'CMCC'));
  for (let i = 0; i < 6; i++) out.push(call(NEIGHBOUR, T0 - 6 * H + i * H, 'ANSWERED', 'CMCC', '+8613700000000'));
  for (let i = 0; i < 12; i++) out.push(call(LURE, T0 - 2 * H + (i + 1) * 5 * M, 'NO_ANSWER', 'CMCC'));
  out.push(out[0]); // a duplicated eventId is counted once
  return out;
}

/** Migrates `database` and writes the fixture; returns what the tables hold. */
export async function loadFixture(ch: ClickHouse, database: string): Promise<{ numberMinuteRows: number }> {
  await migrate(ch, { database });
  const db = quoteIdentifier(database);
  const agg = new TrafficAggregate(flaggedNumbers(FLAGS));
  for (const c of calls()) agg.addCall(c);
  agg.addComplaint({ reportId: 'r1', reporter: '+8613711111111', reported: HARASSER, reportTime: T0 - 2 * H, category: 'HARASSMENT', channel: '12321' });
  agg.addComplaint({ reportId: 'r2', reporter: '+8613722222222', reported: HARASSER, reportTime: T0 - 2 * H + 30_000, category: 'HARASSMENT', channel: 'app' });
  const { numberMinute, providerHour } = agg.rows('callguard.calls.v1/0', 10);
  await ch.insert(`${db}.flags`, FLAGS.map((f) => flagRow(f)));
  await ch.insert(`${db}.flags`, [flagRow(FLAGS[1])]); // a redelivered flag: one row after FINAL
  await ch.insert(`${db}.number_minute`, numberMinute);
  // A retried batch (same rows, same version) and a stale replay (lower version, other values):
  // neither may change a count (cumulative rows, highest version wins).
  const harasser = numberMinute.filter((r) => r.number === HARASSER);
  await ch.insert(`${db}.number_minute`, harasser);
  await ch.insert(`${db}.number_minute`, harasser.map((r) => ({ ...r, calls: r.calls + 5, rejected: r.rejected + 5, version: 3 })));
  await ch.insert(`${db}.provider_hour`, providerHour);
  // A stale replay of provider_hour (lower version, other values): read deduplicated (FINAL), it changes no figure.
  await ch.insert(`${db}.provider_hour`, providerHour.map((r) => ({ ...r, calls: r.calls + 7, flagged_calls: r.flagged_calls + 7, version: 3 })));
  // Decisions taken before: the scorer's LABEL flag dismissed (its BLOCK_RECOMMENDED one stays unreviewed);
  // REVISED's flag confirmed, then dismissed (one insert, so one part, the earlier decision first in it);
  // both of SETTLED's flags confirmed.
  const f = SCORER_LABEL;
  await ch.insert(`${db}.reviews`, [
    reviewRow(f, 'DISMISSED', f.detectedAt + H, 'earlier', 'a clinic'),
    reviewRow(REVISED_FLAG, 'CONFIRMED', TB + H),
    reviewRow(REVISED_FLAG, 'DISMISSED', TB + 2 * H, 'earlier', 'a school after all'),
    ...SETTLED_FLAGS.map((s) => reviewRow(s, 'CONFIRMED', TB + H)),
  ]);
  return { numberMinuteRows: numberMinute.length };
}
