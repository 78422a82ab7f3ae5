/**
 * Consent registrations of marketing lines: caller → callee → the intervals
 * ("grants") in which consent is live. A record describes one grant, named by
 * its `grantedAt`: a later record with the same `grantedAt` replaces it (the
 * topic is compacted by `caller|callee`, so a revocation replaces the grant it
 * revokes). A record with another `grantedAt` is another grant: the earlier
 * grants stay on record for the times before it, so a consent revoked and
 * later granted again still covers calls made inside the first grant when
 * they are judged after the re-grant was read (replay reads every consent
 * first; late calls in the detector). A grant ends at the latest where the
 * next one begins, so the latest grant decides from its start on and the
 * result does not depend on which of two grants was read first.
 */

interface Grant {
  grantedAt: number;
  /** Infinity while not revoked. */
  revokedAt: number;
}

/** Whether grant `g` was revoked at or before `t`: a grant ending where it begins (a tombstone) never was. */
function revokedBy(g: Grant, t: number): boolean {
  return g.grantedAt < g.revokedAt && g.revokedAt <= t;
}

/** Grants kept per pair (the oldest are forgotten beyond it). */
export const MAX_GRANTS = 8;

export class ConsentStore {
  private readonly byCaller = new Map<number, Map<number, Grant | Grant[]>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  put(caller: number, callee: number, grantedAt: number, revokedAt: number | null): void {
    let m = this.byCaller.get(caller);
    if (!m) this.byCaller.set(caller, (m = new Map<number, Grant | Grant[]>()));
    const g: Grant = { grantedAt, revokedAt: revokedAt ?? Infinity };
    const known = m.get(callee);
    if (known === undefined) {
      this.count++;
      m.set(callee, g);
      return;
    }
    if (!Array.isArray(known) && known.grantedAt === grantedAt) {
      m.set(callee, g); // the common case: the same grant, revised (revoked)
      return;
    }
    const grants = (Array.isArray(known) ? known : [known]).filter((x) => x.grantedAt !== grantedAt);
    grants.push(g);
    grants.sort((a, b) => a.grantedAt - b.grantedAt);
    if (grants.length > MAX_GRANTS) grants.splice(0, grants.length - MAX_GRANTS);
    for (let i = 0; i + 1 < grants.length; i++) {
      const next = grants[i + 1].grantedAt;
      if (grants[i].revokedAt > next) grants[i] = { grantedAt: grants[i].grantedAt, revokedAt: next };
    }
    m.set(callee, grants.length === 1 ? grants[0] : grants);
  }

  /** Every grant as [caller, callee, grantedAt, revokedAt|null], for snapshots. */
  exportState(): [number, number, number, number | null][] {
    const out: [number, number, number, number | null][] = [];
    for (const [caller, m] of this.byCaller) {
      for (const [callee, known] of m) {
        for (const c of Array.isArray(known) ? known : [known]) out.push([caller, callee, c.grantedAt, Number.isFinite(c.revokedAt) ? c.revokedAt : null]);
      }
    }
    return out;
  }

  importState(rows: [number, number, number, number | null][]): void {
    for (const [a, b, g, r] of rows) this.put(a, b, g, r);
  }

  /** True when `callee` had live consent for calls from `caller` at time `t`. */
  has(caller: number, callee: number, t: number): boolean {
    const known = this.byCaller.get(caller)?.get(callee);
    if (known === undefined) return false;
    if (!Array.isArray(known)) return known.grantedAt <= t && t < known.revokedAt;
    for (const c of known) if (c.grantedAt <= t && t < c.revokedAt) return true;
    return false;
  }

  /**
   * True when `callee` had revoked, at or before `t`, a consent it had given `caller` (whether or not a later
   * grant is live at `t`: ask {@link has} for that). A grant that ends where it begins is no revocation: it is a
   * consent withdrawn as if never given (the detector's tombstone), the same as no record at all.
   */
  revoked(caller: number, callee: number, t: number): boolean {
    const known = this.byCaller.get(caller)?.get(callee);
    if (known === undefined) return false;
    if (!Array.isArray(known)) return revokedBy(known, t);
    for (const c of known) if (revokedBy(c, t)) return true;
    return false;
  }

  /** True when the line has any consent registration at all. */
  isRegisteredLine(caller: number): boolean {
    return this.byCaller.has(caller);
  }
}
