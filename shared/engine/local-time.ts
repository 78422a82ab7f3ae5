const HOUR_MS = 3_600_000;

/**
 * Local hour of day in a time zone, for event times. The zone's offset is
 * looked up with Intl once per UTC hour and cached, so daylight-saving zones
 * are right and the per-event cost is a Map hit.
 */
export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  private lastHour = -1;
  private lastOffset = 0;

  constructor(timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' });
  }

  /** Hour of day 0–23 at event time `t` (ms). */
  hour(t: number): number {
    const h = Math.floor(t / HOUR_MS);
    let off = h === this.lastHour ? this.lastOffset : this.offsets.get(h);
    if (off === undefined) {
      off = this.offsetMinutes(h * HOUR_MS);
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(h, off);
    }
    this.lastHour = h;
    this.lastOffset = off;
    const local = t + off * 60_000;
    return Math.floor(local / HOUR_MS) % 24;
  }

  private offsetMinutes(t: number): number {
    const parts = this.fmt.formatToParts(new Date(t));
    const hh = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
    const mm = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
    const d = new Date(t);
    let diff = hh * 60 + mm - (d.getUTCHours() * 60 + d.getUTCMinutes());
    if (diff > 14 * 60) diff -= 24 * 60;
    if (diff < -14 * 60) diff += 24 * 60;
    return diff;
  }
}

/** True when `hour` lies in [start, end), wrapping past midnight when start > end. */
export function inHours(hour: number, start: number, end: number): boolean {
  return start <= end ? hour >= start && hour < end : hour >= start || hour < end;
}

/** Validates a time zone name (Intl throws RangeError on unknown zones). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 24 * HOUR_MS;
const QUARTER_MS = 15 * 60_000;
const QUARTERS = DAY_MS / QUARTER_MS;

/**
 * How much of the previous day window's count of quiet-hour events still
 * lies within the 24 h before `t`, for counts kept in epoch-aligned day
 * windows (state/windowed-counters.ts). The plain sliding estimate weighs the
 * previous window by the share of the whole day still within the last 24 h,
 * as if its events were spread over the day; quiet-hour events can only fall
 * in the quiet hours, and in Asia/Shanghai 22:00–08:00 are the last 10 h of
 * the UTC day window. At 22:00 the previous night then counted 0.42 of its
 * calls, though all of them were made within the last 24 h. Here they are
 * taken as spread over the window's quiet hours instead: at 22:00 the
 * previous night counts whole, at 03:00 half of it. The zone's quiet time
 * of each window is worked out per quarter hour (every zone's offset is a
 * whole number of quarters), once per window; two windows are kept (by the
 * window's parity), so late events across midnight UTC do not recompute it
 * at every call.
 */
export class QuietShare {
  private readonly windows = [Number.NaN, Number.NaN];
  /** Per parity of the window: quarters of its previous window in the quiet hours, and from each quarter on (suffix sums). */
  private readonly quiet = [new Uint8Array(QUARTERS), new Uint8Array(QUARTERS)];
  private readonly from = [new Uint16Array(QUARTERS + 1), new Uint16Array(QUARTERS + 1)];

  constructor(
    private readonly clock: LocalClock,
    private readonly startHour: number,
    private readonly endHour: number,
  ) {}

  /** Share (0–1) of the quiet hours of the day window before `t`'s that lies within the 24 h before `t`. */
  previous(t: number): number {
    const w = Math.floor(t / DAY_MS);
    const p = w & 1;
    if (w !== this.windows[p]) this.load(w, p);
    const quiet = this.quiet[p];
    const from = this.from[p];
    const total = from[0];
    if (total === 0) return 0;
    const e = (t - w * DAY_MS) / QUARTER_MS;
    const j = Math.floor(e);
    return (quiet[j] * (j + 1 - e) + from[j + 1]) / total;
  }

  private load(w: number, p: number): void {
    const start = (w - 1) * DAY_MS;
    const quiet = this.quiet[p];
    const from = this.from[p];
    for (let k = 0; k < QUARTERS; k++) quiet[k] = inHours(this.clock.hour(start + k * QUARTER_MS + QUARTER_MS / 2), this.startHour, this.endHour) ? 1 : 0;
    from[QUARTERS] = 0;
    for (let k = QUARTERS - 1; k >= 0; k--) from[k] = from[k + 1] + quiet[k];
    this.windows[p] = w;
  }
}
