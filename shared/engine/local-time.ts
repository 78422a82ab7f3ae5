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
