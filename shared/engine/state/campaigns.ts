import { HandOvers } from './hand-overs.ts';

const DAY_MS = 86_400_000;

interface Group {
  day: number;
  membersCur: number;
  membersPrev: number;
  callsCur: number;
  callsPrev: number;
  engagedCur: number;
  engagedPrev: number;
  /**
   * Of the calls counted since picked-up calls were (`pickCalls`: the same calls, counted from then on), those
   * picked up at the first try, however briefly. Absent in snapshots taken before they were kept: a group restored
   * from one judges the share on its calls since, not on its older calls, whose pick-ups are unknown.
   */
  pickedUpCur?: number;
  pickedUpPrev?: number;
  pickCallsCur?: number;
  pickCallsPrev?: number;
  /** Day the group was last found to look like a campaign (its members then get judged). */
  hotDay: number;
  /** Members that themselves look like quiet marketers, today and yesterday (keys). */
  listedCur: number[];
  listedPrev: number[];
  /**
   * Members quieter than listed that would be scored beside listed members
   * (`rules.campaign.quietMemberStrangers`), today and yesterday (keys):
   * judged, with the listed ones, when the group is recognised. Absent in
   * snapshots taken before they were kept.
   */
  quietCur?: number[];
  quietPrev?: number[];
}

/** At most this many listed members are kept per group and day. */
const MAX_LISTED = 1024;

/** At most this many members are waiting to be taken by the engine that tracks them (the oldest go first). */
const MAX_HANDED = 1 << 16;

export interface GroupValue {
  /** Numbers of the group that called strangers (today, or the busier of today and yesterday). */
  members: number;
  /** Stranger calls of the group's listed members over the last 24 h, per callee (a stranger once a day). */
  calls: number;
  /** Of those strangers, the ones who engaged (answered past the short-call cut; each once). */
  engaged: number;
  /** Of those calls (a stranger's first of the day), the ones picked up, however briefly… */
  pickedUp: number;
  /** …of these (the calls, but for those restored from a snapshot that did not count pick-ups). */
  pickCalls: number;
  /**
   * Members that themselves look like quiet marketers (listed: enough
   * stranger calls, almost only strangers, callees not engaging), counted
   * like `members`: the evidence that the members behave alike.
   */
  listed: number;
}

/**
 * Campaign groups: numbers in one number block (all digits but the last few)
 * entering the network through one access provider. One instance may be
 * shared by the engines of several partitions in a process (calls are keyed
 * by caller, so a block's numbers are spread over partitions). Members per
 * day, and the stranger calls and engaged calls of its listed members
 * (current and previous day, interpolated like the per-number counters),
 * so an operation rotating over many numbers, each quiet on its own, is
 * measured as the one telemarketer it is, and the block's residents do not
 * dilute it.
 */
export class CampaignGroups {
  /** access provider → block → group id. */
  private readonly ids = new Map<string, Map<number, number>>();
  private groups: Group[] = [];
  /**
   * The lengths of each group's `listedCur` and `listedPrev` (index id·2, id·2 + 1), kept beside the groups so that
   * `load`, run at every stranger call, reads two numbers of a small array instead of two list objects.
   */
  private listedLengths = new Uint32Array(128);

  get size(): number {
    return this.groups.length;
  }

  /** The id of the group for this block and provider (created on first use). */
  idFor(block: number, provider: string): number {
    let byBlock = this.ids.get(provider);
    if (!byBlock) this.ids.set(provider, (byBlock = new Map<number, number>()));
    let id = byBlock.get(block);
    if (id === undefined) {
      id = this.groups.length;
      this.groups.push({
        day: 0,
        membersCur: 0,
        membersPrev: 0,
        callsCur: 0,
        callsPrev: 0,
        engagedCur: 0,
        engagedPrev: 0,
        pickedUpCur: 0,
        pickedUpPrev: 0,
        pickCallsCur: 0,
        pickCallsPrev: 0,
        hotDay: -1,
        listedCur: [],
        listedPrev: [],
        quietCur: [],
        quietPrev: [],
      });
      this.reserveLengths(id + 1);
      byBlock.set(block, id);
    }
    return id;
  }

  /** Counts a member's first stranger call of the day (once per member per day). */
  join(id: number, t: number): void {
    this.roll(id, t).membersCur++;
  }

  /**
   * Counts a member's stranger call: `callee` when it is a stranger the
   * member has not called in the last 24 h, `engaged` when it is that
   * stranger's first engaged answer (both per callee, as a number's rates),
   * `pickedUp` when it is such a first call and was answered, however briefly.
   */
  addCall(id: number, t: number, callee: boolean, engaged: boolean, pickedUp = false): void {
    const g = this.roll(id, t);
    if (callee) {
      g.callsCur++;
      g.pickCallsCur = (g.pickCallsCur ?? 0) + 1;
    }
    if (engaged) g.engagedCur++;
    if (pickedUp) g.pickedUpCur = (g.pickedUpCur ?? 0) + 1;
  }

  /**
   * Lists a member that itself looks like a quiet marketer (once per member
   * per day), with its stranger calls, engaged strangers and strangers who
   * picked up of the day so far: the group's evidence is its listed members'
   * calls (later ones arrive through `addCall`).
   */
  list(id: number, t: number, key: number, callsToday = 0, engagedToday = 0, pickedUpToday = 0): void {
    const g = this.roll(id, t);
    if (g.listedCur.length < MAX_LISTED) {
      g.listedCur.push(key);
      this.listedLengths[id * 2] = g.listedCur.length;
    }
    g.callsCur += callsToday;
    g.engagedCur += engagedToday;
    g.pickedUpCur = (g.pickedUpCur ?? 0) + Math.min(pickedUpToday, callsToday);
    g.pickCallsCur = (g.pickCallsCur ?? 0) + callsToday;
  }

  /**
   * Notes a member quieter than listed that the rule would score beside the
   * listed ones (once per member per day; at most `MAX_LISTED` a day), so
   * that it is judged when the group is recognised. It is not evidence of
   * the group: its calls do not count for it.
   */
  noteQuiet(id: number, t: number, key: number): void {
    const g = this.roll(id, t);
    const quiet = (g.quietCur ??= []);
    if (quiet.length < MAX_LISTED && !quiet.includes(key)) quiet.push(key);
  }

  /**
   * Marks the group hot for the day of `t`. The first time on a day, returns
   * its listed and quiet members (today's and yesterday's), who called while
   * the group was not yet recognised; afterwards an empty list.
   */
  markHot(id: number, t: number): readonly number[] {
    const g = this.roll(id, t);
    if (g.hotDay === g.day) return [];
    g.hotDay = g.day;
    return [...g.listedPrev, ...g.listedCur, ...(g.quietPrev ?? []), ...(g.quietCur ?? [])];
  }

  /**
   * Members of groups recognised by one engine sharing this table that
   * another engine tracks (their calls are another partition's), with when
   * the group was recognised (ms).
   */
  private readonly handed = new HandOvers<null>(MAX_HANDED);

  /** Bumped at every hand-over: an engine looks at the hand-overs only when it changed since it last looked. */
  get handedVersion(): number {
    return this.handed.version;
  }

  /**
   * Hands `member` (number key) of a group recognised at `t` to whichever
   * engine sharing this table tracks it. Hand-overs older than a day are
   * dropped (the member's calls have left the group's window), and the
   * oldest when `MAX_HANDED` wait.
   */
  handOver(member: number, t: number): void {
    this.handed.put(member, t, DAY_MS, null);
  }

  /** Takes the hand-overs of the numbers an engine tracks (`slotOf` gives their slot, or -1): `each` is called with the slot. */
  takeHanded(slotOf: (key: number) => number, each: (slot: number) => void): void {
    this.handed.take(slotOf, each);
  }

  /**
   * At most how many listed members `load` finds for group `id`, at any `t`: the larger of its two lists' lengths
   * (`load` reads one of them, or yesterday's scaled down). From `listedLengths`, a small array that stays in cache,
   * so that a caller whose test needs more listed members can leave the group object unread (a cache miss).
   */
  maxListed(id: number): number {
    const cur = this.listedLengths[id * 2];
    const prev = this.listedLengths[id * 2 + 1];
    return cur > prev ? cur : prev;
  }

  /** Set by `load`: the loaded group's members, calls, engaged and picked-up calls, listed members (no allocation per call). */
  members = 0;
  calls = 0;
  engaged = 0;
  pickedUp = 0;
  pickCalls = 0;
  listed = 0;

  /**
   * Loads a group's 24-hour values at `t` into `members`, `calls`, `engaged`,
   * `pickedUp`, `pickCalls`, `listed`. A `t` one day behind the group's (a call delivered late across
   * midnight UTC, or a partition behind another sharing the group) reads the
   * previous day, whose own predecessor is gone: a slight underestimate,
   * where reading nothing would judge the call on nothing.
   */
  load(id: number, t: number): void {
    const g = this.groups[id];
    const d = Math.floor(t / DAY_MS);
    const rest = 1 - (t - d * DAY_MS) / DAY_MS;
    if (g.day === d) {
      this.members = Math.max(g.membersCur, g.membersPrev * rest);
      this.calls = g.callsCur + g.callsPrev * rest;
      this.engaged = g.engagedCur + g.engagedPrev * rest;
      this.pickedUp = (g.pickedUpCur ?? 0) + (g.pickedUpPrev ?? 0) * rest;
      this.pickCalls = (g.pickCallsCur ?? 0) + (g.pickCallsPrev ?? 0) * rest;
      this.listed = Math.max(this.listedLengths[id * 2], this.listedLengths[id * 2 + 1] * rest);
    } else if (g.day === d - 1) {
      this.members = g.membersCur * rest;
      this.calls = g.callsCur * rest;
      this.engaged = g.engagedCur * rest;
      this.pickedUp = (g.pickedUpCur ?? 0) * rest;
      this.pickCalls = (g.pickCallsCur ?? 0) * rest;
      this.listed = this.listedLengths[id * 2] * rest;
    } else if (g.day === d + 1) {
      this.members = g.membersPrev;
      this.calls = g.callsPrev;
      this.engaged = g.engagedPrev;
      this.pickedUp = g.pickedUpPrev ?? 0;
      this.pickCalls = g.pickCallsPrev ?? 0;
      this.listed = this.listedLengths[id * 2 + 1];
    } else {
      this.members = this.calls = this.engaged = this.pickedUp = this.pickCalls = this.listed = 0;
    }
  }

  /**
   * Listed members other than `key` whose numbers lie within `radius` of
   * it: today's, or yesterday's when more (an operation rotating through
   * its range lists a few numbers a day). A `t` one day behind the group's
   * reads the previous day's, as `load` does.
   */
  listedNear(id: number, t: number, key: number, radius: number): number {
    const g = this.groups[id];
    const d = Math.floor(t / DAY_MS);
    const near = (keys: number[]) => {
      let n = 0;
      for (const k of keys) if (k !== key && Math.abs(k - key) <= radius) n++;
      return n;
    };
    if (g.day === d) return Math.max(near(g.listedCur), near(g.listedPrev));
    if (g.day === d - 1) return near(g.listedCur);
    if (g.day === d + 1) return near(g.listedPrev);
    return 0;
  }

  /** Members, calls, engaged and picked-up calls and listed members over the last 24 h at `t`. */
  value(id: number, t: number): GroupValue {
    this.load(id, t);
    return { members: this.members, calls: this.calls, engaged: this.engaged, pickedUp: this.pickedUp, pickCalls: this.pickCalls, listed: this.listed };
  }

  /** Copy of the state, for snapshots. */
  exportState(): { ids: [string, number, number][]; groups: Group[] } {
    const ids: [string, number, number][] = [];
    for (const [provider, m] of this.ids) for (const [block, id] of m) ids.push([provider, block, id]);
    return { ids, groups: this.groups.map((g) => ({ ...g })) };
  }

  /**
   * Takes in a snapshot's groups while this table is in use (shared by the
   * engines of a process, one of them restored from its partition's
   * snapshot): a group this table lacks is added with the snapshot's counts;
   * one it has keeps its own, live counts. Returns the snapshot's group ids
   * mapped to this table's (index = snapshot id), for the restored records.
   */
  merge(s: { ids: [string, number, number][]; groups: Group[] }): number[] {
    const remap: number[] = new Array<number>(s.groups.length).fill(-1);
    for (const [provider, block, id] of s.ids) {
      const known = this.ids.get(provider)?.get(block);
      if (known !== undefined) {
        remap[id] = known;
        continue;
      }
      const mine = this.idFor(block, provider);
      const g = s.groups[id];
      this.groups[mine] = { ...g, listedCur: [...g.listedCur], listedPrev: [...g.listedPrev], quietCur: [...(g.quietCur ?? [])], quietPrev: [...(g.quietPrev ?? [])] };
      this.noteLengths(mine);
      remap[id] = mine;
    }
    return remap;
  }

  importState(s: { ids: [string, number, number][]; groups: Group[] }): void {
    this.ids.clear();
    for (const [provider, block, id] of s.ids) {
      let m = this.ids.get(provider);
      if (!m) this.ids.set(provider, (m = new Map<number, number>()));
      m.set(block, id);
    }
    this.groups = s.groups.map((g) => ({ ...g })); // not push(...): 100,000s of groups overflow the call stack
    this.listedLengths = new Uint32Array(128);
    this.reserveLengths(this.groups.length);
    for (let id = 0; id < this.groups.length; id++) this.noteLengths(id);
  }

  /** Room in `listedLengths` for `groups` groups. */
  private reserveLengths(groups: number): void {
    if (groups * 2 <= this.listedLengths.length) return;
    let n = this.listedLengths.length;
    while (n < groups * 2) n *= 2;
    const grown = new Uint32Array(n);
    grown.set(this.listedLengths);
    this.listedLengths = grown;
  }

  /** `listedLengths` of group `id` from its lists. */
  private noteLengths(id: number): void {
    const g = this.groups[id];
    this.listedLengths[id * 2] = g.listedCur.length;
    this.listedLengths[id * 2 + 1] = g.listedPrev.length;
  }

  private roll(id: number, t: number): Group {
    const g = this.groups[id];
    const d = Math.floor(t / DAY_MS);
    if (d > g.day) {
      const keep = d === g.day + 1;
      g.membersPrev = keep ? g.membersCur : 0;
      g.callsPrev = keep ? g.callsCur : 0;
      g.engagedPrev = keep ? g.engagedCur : 0;
      g.pickedUpPrev = keep ? (g.pickedUpCur ?? 0) : 0;
      g.pickCallsPrev = keep ? (g.pickCallsCur ?? 0) : 0;
      g.listedPrev = keep ? g.listedCur : [];
      g.listedCur = [];
      this.noteLengths(id);
      g.quietPrev = keep ? (g.quietCur ?? []) : [];
      g.quietCur = [];
      g.membersCur = 0;
      g.callsCur = 0;
      g.engagedCur = 0;
      g.pickedUpCur = 0;
      g.pickCallsCur = 0;
      g.day = d;
    }
    return g;
  }
}
