/**
 * Consent registrations of marketing lines: caller → callee → the interval
 * in which consent is live. The latest record for a pair wins (the topic is
 * compacted by `caller|callee`, so a revocation replaces the grant).
 */
export class ConsentStore {
  private readonly byCaller = new Map<number, Map<number, { grantedAt: number; revokedAt: number }>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  put(caller: number, callee: number, grantedAt: number, revokedAt: number | null): void {
    let m = this.byCaller.get(caller);
    if (!m) this.byCaller.set(caller, (m = new Map()));
    if (!m.has(callee)) this.count++;
    m.set(callee, { grantedAt, revokedAt: revokedAt ?? Infinity });
  }

  /** Every record as [caller, callee, grantedAt, revokedAt|null], for snapshots. */
  exportState(): [number, number, number, number | null][] {
    const out: [number, number, number, number | null][] = [];
    for (const [caller, m] of this.byCaller) {
      for (const [callee, c] of m) out.push([caller, callee, c.grantedAt, Number.isFinite(c.revokedAt) ? c.revokedAt : null]);
    }
    return out;
  }

  importState(rows: [number, number, number, number | null][]): void {
    for (const [a, b, g, r] of rows) this.put(a, b, g, r);
  }

  /** True when `callee` had live consent for calls from `caller` at time `t`. */
  has(caller: number, callee: number, t: number): boolean {
    const c = this.byCaller.get(caller)?.get(callee);
    return c !== undefined && c.grantedAt <= t && t < c.revokedAt;
  }

  /** True when the line has any consent registration at all. */
  isRegisteredLine(caller: number): boolean {
    return this.byCaller.has(caller);
  }
}
