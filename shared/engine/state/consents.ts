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
