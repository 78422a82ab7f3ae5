/**
 * Folds call events, complaints and flags into the rows of `number_minute`
 * and `provider_hour` the way the streaming detector writes them (one `src`,
 * cumulative values), so a database can be filled from `callguard simulate`
 * + `callguard replay` output without the detector: for demos, the console's
 * load-time measurement and the investigator tests. Pure: no I/O.
 */
import type { CallEvent, ComplaintReport, FlagEvent } from '../../../shared/contracts/records.ts';
import type { NumberMinuteRow, ProviderHourRow } from '../../../shared/clickhouse/index.ts';
import { FLAGGED_FOR_MS } from '../../detector/aggregates/provider-hour.ts';

interface MinuteCell {
  calls: number;
  answered: number;
  rejected: number;
  callees: Set<string>;
  talkSeconds: number;
  complaints: number;
}

interface HourCell {
  calls: number;
  flaggedCalls: number;
  flaggedNumbers: Set<string>;
}

/** Accumulates traffic; call {@link TrafficAggregate.rows} at the end. */
export class TrafficAggregate {
  private readonly minutes = new Map<string, MinuteCell>();
  private readonly hours = new Map<string, HourCell>();
  private readonly seenEvents = new Set<string>();
  private readonly seenReports = new Set<string>();
  /** Calls and complaints counted (duplicate ids excluded). */
  calls = 0;
  complaints = 0;
  duplicates = 0;

  /**
   * @param flagged numbers flagged at LABEL or above → their flags'
   *   `detectedAt` times (unshifted; {@link flaggedNumbers}). A call counts as
   *   a `flagged_call` of the provider that carried it only when a flag of its
   *   caller was detected at most {@link FLAGGED_FOR_MS} before it and not
   *   after it, as the detector's provider_hour counts them
   *   (services/detector/aggregates/provider-hour.ts).
   * @param shiftMs added to every timestamp (to move old simulated data near now).
   */
  constructor(
    private readonly flagged: ReadonlyMap<string, readonly number[]>,
    private readonly shiftMs = 0,
  ) {}

  /** Adds one call (numbers already normalised); a repeated eventId is counted once. */
  addCall(c: CallEvent): void {
    if (this.seenEvents.has(c.eventId)) {
      this.duplicates++;
      return;
    }
    this.seenEvents.add(c.eventId);
    this.calls++;
    const t = c.startTime + this.shiftMs;
    const cell = this.minute(c.caller, t);
    cell.calls++;
    if (c.outcome === 'ANSWERED') cell.answered++;
    if (c.outcome === 'REJECTED') cell.rejected++;
    cell.callees.add(c.callee);
    if (c.answerTime !== null) cell.talkSeconds += (c.endTime - c.answerTime) / 1000;
    const provider = c.accessProvider ?? '';
    const hourKey = `${provider}\u0000${Math.floor(t / 3_600_000) * 3600}`;
    let h = this.hours.get(hourKey);
    if (!h) this.hours.set(hourKey, (h = { calls: 0, flaggedCalls: 0, flaggedNumbers: new Set() }));
    h.calls++;
    if (this.flaggedAt(c.caller, t)) {
      h.flaggedCalls++;
      h.flaggedNumbers.add(c.caller);
    }
  }

  /** Adds one complaint against `reported`; a repeated reportId is counted once. */
  addComplaint(r: ComplaintReport): void {
    if (this.seenReports.has(r.reportId)) {
      this.duplicates++;
      return;
    }
    this.seenReports.add(r.reportId);
    this.complaints++;
    this.minute(r.reported, r.reportTime + this.shiftMs).complaints++;
  }

  /** The rows, with `src` and `version` as given. */
  rows(src = 'seed', version = 1): { numberMinute: NumberMinuteRow[]; providerHour: ProviderHourRow[] } {
    const numberMinute: NumberMinuteRow[] = [];
    for (const [key, m] of this.minutes) {
      const sep = key.indexOf('\u0000');
      numberMinute.push({
        number: key.slice(0, sep),
        minute: Number(key.slice(sep + 1)),
        src,
        calls: m.calls,
        answered: m.answered,
        rejected: m.rejected,
        distinct_callees: m.callees.size,
        talk_seconds: Math.round(m.talkSeconds * 1000) / 1000,
        complaints: m.complaints,
        version,
      });
    }
    const providerHour: ProviderHourRow[] = [];
    for (const [key, h] of this.hours) {
      const sep = key.indexOf('\u0000');
      providerHour.push({
        access_provider: key.slice(0, sep),
        hour: Number(key.slice(sep + 1)),
        src,
        calls: h.calls,
        flagged_calls: h.flaggedCalls,
        flagged_numbers: h.flaggedNumbers.size,
        version,
      });
    }
    return { numberMinute, providerHour };
  }

  /** Whether a flag of `caller` (times shifted like the call's) makes a call at `t` a flagged call. */
  private flaggedAt(caller: string, t: number): boolean {
    const times = this.flagged.get(caller);
    if (times === undefined) return false;
    for (const detectedAt of times) {
      const d = detectedAt + this.shiftMs;
      if (d <= t && t - d <= FLAGGED_FOR_MS) return true;
    }
    return false;
  }

  private minute(number: string, t: number): MinuteCell {
    const key = `${number}\u0000${Math.floor(t / 60_000) * 60}`;
    let m = this.minutes.get(key);
    if (!m) this.minutes.set(key, (m = { calls: 0, answered: 0, rejected: 0, callees: new Set(), talkSeconds: 0, complaints: 0 }));
    return m;
  }
}

/** Moves a flag's event times by `shiftMs` (emittedAt too); the flagId is kept. */
export function shiftFlag(f: FlagEvent, shiftMs: number): FlagEvent {
  if (shiftMs === 0) return f;
  return { ...f, windowStart: f.windowStart + shiftMs, windowEnd: f.windowEnd + shiftMs, detectedAt: f.detectedAt + shiftMs, emittedAt: f.emittedAt + shiftMs };
}

/** Numbers flagged at LABEL or above → the `detectedAt` of each such flag (WATCH flags flag no calls). */
export function flaggedNumbers(flags: Iterable<FlagEvent>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of flags) {
    if (f.severity === 'WATCH') continue;
    const times = out.get(f.number);
    if (times === undefined) out.set(f.number, [f.detectedAt]);
    else if (!times.includes(f.detectedAt)) times.push(f.detectedAt);
  }
  return out;
}
