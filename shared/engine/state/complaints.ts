import { MAX_REPORTERS_PER_NUMBER as MAX_PER_NUMBER } from '../../config/schema.ts';

interface Entry {
  reporter: number;
  /** The reporter's latest complaint. */
  time: number;
  weight: number;
  /** The reporter's complaints within the window of its latest (evidence, not the rule: a reporter counts once). */
  reports: number;
}

/**
 * Complaints per reported number (a small list each, complaints are rare
 * next to calls): distinct reporters in an ageing window, each weighted
 * (an acquaintance's complaint counts less). A reporter complaining twice
 * counts once — one quarrel is not harassment.
 */
export class ComplaintStore {
  private readonly byNumber = new Map<number, Entry[]>();

  constructor(private readonly windowMs: number) {}

  get size(): number {
    return this.byNumber.size;
  }

  add(reported: number, reporter: number, time: number, weight: number, reports = 1): void {
    let list = this.byNumber.get(reported);
    if (!list) this.byNumber.set(reported, (list = []));
    const existing = list.find((e) => e.reporter === reporter);
    if (existing) {
      // The reporter's earlier complaints have aged out of the window before this one: they are no evidence now.
      if (time - existing.time >= this.windowMs) {
        existing.time = time;
        existing.weight = weight;
        existing.reports = reports;
        return;
      }
      // One so old that it had aged out before the reporter's latest adds nothing that can be on record with it.
      if (existing.time - time >= this.windowMs) return;
      existing.time = Math.max(existing.time, time);
      existing.weight = Math.max(existing.weight, weight);
      existing.reports += reports;
      return;
    }
    list.push({ reporter, time, weight, reports });
    if (list.length > MAX_PER_NUMBER) {
      list.sort((x, y) => y.time - x.time);
      list.length = MAX_PER_NUMBER;
    }
  }

  /**
   * Distinct reporters (count and weighted sum) within the window ending at
   * `t`, the earliest and latest of their latest complaints (`last`: −Infinity for none), and their complaints (`reports`: each reporter's since its entry was
   * made, for the evidence).
   */
  reporters(reported: number, t: number): { count: number; weighted: number; first: number; last: number; reports: number } {
    const list = this.byNumber.get(reported);
    let count = 0;
    let weighted = 0;
    let reports = 0;
    let first = t;
    let last = -Infinity;
    if (list) {
      for (const e of list) {
        if (e.time <= t && t - e.time < this.windowMs) {
          count++;
          weighted += e.weight;
          reports += e.reports;
          if (e.time < first) first = e.time;
          if (e.time > last) last = e.time;
        }
      }
    }
    return { count, weighted, first, last, reports };
  }

  /** Every reporter's entry as [reported, reporter, time, weight, reports], for snapshots. */
  exportState(): [number, number, number, number, number][] {
    const out: [number, number, number, number, number][] = [];
    for (const [k, list] of this.byNumber) for (const e of list) out.push([k, e.reporter, e.time, e.weight, e.reports]);
    return out;
  }

  /** Rows of {@link exportState}; rows of older snapshots have no `reports` (one each). */
  importState(rows: ([number, number, number, number] | [number, number, number, number, number])[]): void {
    for (const [k, reporter, time, weight, reports] of rows) this.add(k, reporter, time, weight, reports ?? 1);
  }

  /** Event time of the number's latest complaint on record (-Infinity for none). */
  latest(reported: number): number {
    let t = -Infinity;
    const list = this.byNumber.get(reported);
    if (list) for (const e of list) if (e.time > t) t = e.time;
    return t;
  }

  /** True while the number has complaints on record. */
  has(reported: number): boolean {
    return this.byNumber.has(reported);
  }

  /** Forget reported numbers whose every complaint is older than the window. */
  sweep(t: number): void {
    for (const [k, list] of this.byNumber) {
      if (list.every((e) => t - e.time >= this.windowMs)) this.byNumber.delete(k);
    }
  }
}
