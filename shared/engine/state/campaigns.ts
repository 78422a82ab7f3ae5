const DAY_MS = 86_400_000;

interface Group {
  day: number;
  membersCur: number;
  membersPrev: number;
  callsCur: number;
  callsPrev: number;
}

/**
 * Campaign groups: numbers in one number block (all digits but the last few)
 * entering the network through one access provider. Members are numbers that
 * individually look like quiet marketers; the group counts its members and
 * their stranger calls per day (current and previous day, interpolated like
 * the per-number counters), so an operation rotating over many numbers is
 * seen as one.
 */
export class CampaignGroups {
  private readonly ids = new Map<string, number>();
  private readonly groups: Group[] = [];

  get size(): number {
    return this.groups.length;
  }

  /** The id of the group for this block and provider (created on first use). */
  idFor(block: number, provider: number): number {
    const k = `${block}:${provider}`;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.groups.length;
      this.groups.push({ day: 0, membersCur: 0, membersPrev: 0, callsCur: 0, callsPrev: 0 });
      this.ids.set(k, id);
    }
    return id;
  }

  /** Counts a member joining today (once per day per member) with its calls so far. */
  join(id: number, t: number, calls: number): void {
    const g = this.roll(id, t);
    g.membersCur++;
    g.callsCur += calls;
  }

  addCalls(id: number, t: number, calls: number): void {
    this.roll(id, t).callsCur += calls;
  }

  /** Members and stranger calls over the last 24 h at `t`. */
  value(id: number, t: number): { members: number; calls: number } {
    const g = this.groups[id];
    const d = Math.floor(t / DAY_MS);
    const rest = 1 - (t - d * DAY_MS) / DAY_MS;
    if (g.day === d) return { members: Math.max(g.membersCur, g.membersPrev * rest), calls: g.callsCur + g.callsPrev * rest };
    if (g.day === d - 1) return { members: g.membersCur * rest, calls: g.callsCur * rest };
    return { members: 0, calls: 0 };
  }

  /** Copy of the state, for snapshots. */
  exportState(): { ids: [string, number][]; groups: Group[] } {
    return { ids: [...this.ids], groups: this.groups.map((g) => ({ ...g })) };
  }

  importState(s: { ids: [string, number][]; groups: Group[] }): void {
    this.ids.clear();
    for (const [k, v] of s.ids) this.ids.set(k, v);
    this.groups.length = 0;
    this.groups.push(...s.groups.map((g) => ({ ...g })));
  }

  private roll(id: number, t: number): Group {
    const g = this.groups[id];
    const d = Math.floor(t / DAY_MS);
    if (d > g.day) {
      const keep = d === g.day + 1;
      g.membersPrev = keep ? g.membersCur : 0;
      g.callsPrev = keep ? g.callsCur : 0;
      g.membersCur = 0;
      g.callsCur = 0;
      g.day = d;
    }
    return g;
  }
}
