const MAX_PER_NUMBER = 64;

interface Entry {
  reporter: number;
  time: number;
  weight: number;
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

  add(reported: number, reporter: number, time: number, weight: number): void {
    let list = this.byNumber.get(reported);
    if (!list) this.byNumber.set(reported, (list = []));
    const existing = list.find((e) => e.reporter === reporter);
    if (existing) {
      existing.time = Math.max(existing.time, time);
      existing.weight = Math.max(existing.weight, weight);
      return;
    }
    list.push({ reporter, time, weight });
    if (list.length > MAX_PER_NUMBER) {
      list.sort((x, y) => y.time - x.time);
      list.length = MAX_PER_NUMBER;
    }
  }

  /** Distinct reporters (count and weighted sum) within the window ending at `t`. */
  reporters(reported: number, t: number): { count: number; weighted: number; first: number } {
    const list = this.byNumber.get(reported);
    let count = 0;
    let weighted = 0;
    let first = t;
    if (list) {
      for (const e of list) {
        if (e.time <= t && t - e.time < this.windowMs) {
          count++;
          weighted += e.weight;
          if (e.time < first) first = e.time;
        }
      }
    }
    return { count, weighted, first };
  }

  /** Every complaint as [reported, reporter, time, weight], for snapshots. */
  exportState(): [number, number, number, number][] {
    const out: [number, number, number, number][] = [];
    for (const [k, list] of this.byNumber) for (const e of list) out.push([k, e.reporter, e.time, e.weight]);
    return out;
  }

  importState(rows: [number, number, number, number][]): void {
    for (const [k, reporter, time, weight] of rows) this.add(k, reporter, time, weight);
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
