import { alignedBytes, bytesOf, f64Of, u16Of, u32Of } from './aligned.ts';
import { hashKey } from './hash.ts';
import { HandOvers } from './hand-overs.ts';

const WAYS = 4;
/** Record of one callee: 32 bytes, two to a cache line. */
const STRIDE = 32;
// Offsets in units of the view that reads them.
const F64_KEY = 0;
const U32_EPOCH = 2;
const U32_LAST = 3;
/** u16 counters, current window then previous: attempts, engaged, repeaters. */
const U16_CUR = 8;
const U16_PREV = 11;
/** Last time the callee was seen as a busy line (seconds; 0: never). */
const U32_BUSY_AT = 7;
const ATTEMPTS = 0;
const ENGAGED = 1;
const REPEATERS = 2;

const NONE: readonly number[] = [];

/** What one callee has been receiving from strangers who repeat, over the last window (sliding estimates). */
export interface InboundLoad {
  /**
   * Attempts by strangers who rang this callee at least `attemptsEach` times
   * within the window, and the other strangers' attempts it engaged in while
   * it had such callers (swarm-observer.ts, `observeEngagedFirstTry`).
   */
  attempts: number;
  /** Of those attempts, the ones the callee engaged in (answered past the short-call cut). */
  engaged: number;
  /** Distinct such strangers (each counted when it reaches `attemptsEach` in its own bombing window). */
  repeaters: number;
}

/**
 * Per callee, what strangers who ring it again and again bring: the input
 * of SWARM_BOMBING (many numbers flooding one victim, each under the
 * per-pair CALL_BOMBING threshold). Only callees that receive a repeated
 * stranger attempt get an entry, so the ordinary call touches nothing here.
 *
 * Counts are sliding-window estimates like the numbers' counters
 * (windowed-counters.ts): the current and the previous epoch-aligned window,
 * the previous weighted by how much of it still lies within the last
 * window. A fixed-size 4-way set-associative table (32-byte records: key,
 * epoch, last touch, three u16 counters per window, when last seen busy): a full set gives up
 * its least recently touched callee, so memory is bounded whatever the
 * traffic, and a callee under a flood, touched all the time, stays.
 * Shared by the engines of one process like the campaign groups (a victim's
 * callers are spread over partitions).
 */
/** Most numbers of one swarm remembered for judging them when the swarm is recognised (a larger swarm's others are judged at their next attempt; on other partitions, see `handOver`). */
const MAX_MEMBERS = 64;
/** How often (in joins) lists of windows gone by are dropped. */
const PRUNE_EVERY = 4096;
/** Most hand-overs waiting (the oldest go first): numbers no engine of the process tracks are never taken. */
const MAX_HANDED = 4096;

/**
 * The numbers that joined one callee's swarm within the last window and have not been handed out yet, with when
 * each joined (seconds), and the window of the latest join (lists whose latest join is a window old are dropped).
 */
interface Members {
  epoch: number;
  keys: number[];
  at: number[];
}

export class InboundSwarms {
  private f64: Float64Array;
  private u32: Uint32Array;
  private u16: Uint16Array;
  private readonly setMask: number;
  /**
   * Per callee with repeating strangers in the current window: their numbers,
   * so that those who rang before the swarm was recognised are judged when it
   * is. At most as many lists as the table has entries; lists of windows gone
   * by are dropped every few thousand joins.
   */
  private readonly members = new Map<number, Members>();
  /**
   * How many callees with a list in `members` fall in each set of the table (by the callee's hash, as `find`):
   * `leave`, asked of most stranger calls that are answered, skips the map for a callee whose set counts none.
   */
  private readonly listsInSet: Uint32Array;
  private joins = 0;
  /**
   * Members of recognised swarms handed over by the engine that recognised
   * the swarm to the engine that tracks them (another partition's, sharing
   * this table): number key → swarm size and when it was recognised.
   */
  private readonly handed = new HandOvers<number>(MAX_HANDED);
  evictions = 0;

  /** @param entries capacity (rounded up to a power of two, at least one set). */
  constructor(entries: number) {
    let sets = 1;
    while (sets * WAYS < entries) sets *= 2;
    this.setMask = sets - 1;
    this.listsInSet = new Uint32Array(sets);
    const u8 = alignedBytes(sets * WAYS * STRIDE);
    this.f64 = f64Of(u8);
    this.u32 = u32Of(u8);
    this.u16 = u16Of(u8);
  }

  get bytes(): number {
    return this.f64.byteLength;
  }

  /**
   * Counts at `callee` (number key, never 0) at second `sec`, in windows of
   * `windowSec`: `attempts` more attempts, `engaged` of them engaged,
   * `repeaters` more distinct repeating strangers. Returns the entry.
   * An attempt delivered late, one window behind the entry's current window,
   * counts in the previous window, where it belongs; one older counts
   * nowhere (its window is gone).
   */
  note(callee: number, sec: number, windowSec: number, attempts: number, engaged: number, repeaters: number): number {
    const i = this.entry(callee, sec, windowSec);
    const behind = this.u32[i * (STRIDE / 4) + U32_EPOCH] - Math.floor(sec / windowSec);
    if (behind > 1) return i;
    const u = this.u16;
    const b = i * (STRIDE / 2) + (behind === 1 ? U16_PREV : U16_CUR);
    u[b + ATTEMPTS] = Math.min(0xffff, u[b + ATTEMPTS] + attempts);
    u[b + ENGAGED] = Math.min(0xffff, u[b + ENGAGED] + engaged);
    u[b + REPEATERS] = Math.min(0xffff, u[b + REPEATERS] + repeaters);
    return i;
  }

  /**
   * `member` (number key) joined the swarm at `callee` at `sec`. The list
   * keeps those who joined within the last `windowSec` (a sliding window, not
   * the load's epoch: a burst across an epoch edge is one swarm, and the
   * load that recognises it still counts the previous window's joiners).
   */
  join(callee: number, member: number, sec: number, windowSec: number): void {
    const epoch = Math.floor(sec / windowSec);
    if (++this.joins % PRUNE_EVERY === 0) {
      for (const [k, m] of this.members) {
        dropBefore(m, sec - windowSec + 1, windowSec);
        if (m.keys.length === 0) {
          this.members.delete(k);
          this.listsInSet[this.setOf(k)]--;
        }
      }
    }
    let m = this.members.get(callee);
    if (m === undefined || m.epoch < epoch - 1) {
      if (m === undefined) {
        if (this.members.size >= this.f64.length / (STRIDE / 8)) return;
        this.listsInSet[this.setOf(callee)]++;
      }
      m = { epoch, keys: [], at: [] };
      this.members.set(callee, m);
    }
    m.epoch = Math.max(m.epoch, epoch);
    dropBefore(m, sec - windowSec + 1, windowSec);
    const j = m.keys.indexOf(member);
    if (j >= 0) {
      m.at[j] = Math.max(m.at[j], sec);
    } else if (m.keys.length < MAX_MEMBERS) {
      m.keys.push(member);
      m.at.push(sec);
    }
  }

  /**
   * The swarm at `callee` is recognised now: the numbers that joined it
   * within the last `windowSec` and were not handed out yet (each is handed
   * out once: later members are judged at their own attempts).
   */
  recognise(callee: number, sec: number, windowSec: number): readonly number[] {
    const m = this.members.get(callee);
    if (m === undefined) return NONE;
    dropBefore(m, sec - windowSec + 1, windowSec);
    if (m.keys.length === 0) return NONE;
    const keys = m.keys;
    m.keys = [];
    m.at = [];
    return keys;
  }

  /**
   * `member` (number key) had a conversation with `callee` (answered past the
   * short-call cut): it is no bomber to it, and leaves the callee's list if it
   * joined it (at an earlier attempt: the callee may take up a rider's third
   * call after ignoring two).
   */
  leave(callee: number, member: number): void {
    if (this.listsInSet[this.setOf(callee)] === 0) return;
    const m = this.members.get(callee);
    if (m === undefined) return;
    const j = m.keys.indexOf(member);
    if (j < 0) return;
    m.keys.splice(j, 1);
    m.at.splice(j, 1);
  }

  /**
   * Hands `member` (number key) of a swarm of `size` recognised at `sec` to
   * whichever engine sharing this table tracks it (the recognising engine
   * does not: the number's calls are another partition's). Hand-overs older
   * than `windowSec` are dropped: the swarm has gone by.
   */
  handOver(member: number, size: number, sec: number, windowSec: number): void {
    this.handed.put(member, sec, windowSec, size);
  }

  /** Bumped at every hand-over: an engine looks at the hand-overs only when it changed since it last looked. */
  get handedVersion(): number {
    return this.handed.version;
  }

  /**
   * Takes the hand-overs of the numbers this engine tracks (`slotOf` gives
   * their slot, or -1 for a number it does not track): `each` is called
   * with the slot, the swarm's size and when it was recognised.
   */
  takeHanded(slotOf: (key: number) => number, each: (slot: number, size: number, sec: number) => void): void {
    this.handed.take(slotOf, each);
  }

  /** When entry `i` was last marked a busy line (seconds; 0: never). */
  busyAt(i: number): number {
    return this.u32[i * (STRIDE / 4) + U32_BUSY_AT];
  }

  markBusy(i: number, sec: number): void {
    if (sec > this.u32[i * (STRIDE / 4) + U32_BUSY_AT]) this.u32[i * (STRIDE / 4) + U32_BUSY_AT] = sec;
  }

  /** Prefetch: reads both lines of `callee`'s set. Changes nothing. */
  warm(callee: number): number {
    const base = this.setOf(callee) * WAYS * (STRIDE / 8);
    return this.f64[base] + this.f64[base + 8];
  }

  /** The entry of `callee`, or -1 (nothing is created). */
  find(callee: number): number {
    const set = this.setOf(callee);
    for (let w = 0; w < WAYS; w++) if (this.f64[(set * WAYS + w) * (STRIDE / 8) + F64_KEY] === callee) return set * WAYS + w;
    return -1;
  }

  /**
   * The load of entry `i` over the window ending at `sec` (into `out`, which
   * is returned). A `sec` one window behind the entry's (an attempt
   * delivered late across an edge) reads the previous window, whose own
   * predecessor is gone: a slight underestimate, where reading nothing
   * would judge the attempt on nothing.
   */
  load(i: number, sec: number, windowSec: number, out: InboundLoad): InboundLoad {
    const epoch = Math.floor(sec / windowSec);
    const e = this.u32[i * (STRIDE / 4) + U32_EPOCH];
    const u = this.u16;
    const cur = i * (STRIDE / 2) + U16_CUR;
    const prev = i * (STRIDE / 2) + U16_PREV;
    if (e === epoch) {
      const w = 1 - (sec - epoch * windowSec) / windowSec;
      out.attempts = u[cur + ATTEMPTS] + w * u[prev + ATTEMPTS];
      out.engaged = u[cur + ENGAGED] + w * u[prev + ENGAGED];
      out.repeaters = u[cur + REPEATERS] + w * u[prev + REPEATERS];
    } else if (e + 1 === epoch) {
      const w = 1 - (sec - epoch * windowSec) / windowSec;
      out.attempts = w * u[cur + ATTEMPTS];
      out.engaged = w * u[cur + ENGAGED];
      out.repeaters = w * u[cur + REPEATERS];
    } else if (e === epoch + 1) {
      out.attempts = u[prev + ATTEMPTS];
      out.engaged = u[prev + ENGAGED];
      out.repeaters = u[prev + REPEATERS];
    } else {
      out.attempts = 0;
      out.engaged = 0;
      out.repeaters = 0;
    }
    return out;
  }

  /** The set (of `WAYS` entries) a callee's entry lives in; the swarm lists are counted per set too. */
  private setOf(callee: number): number {
    return hashKey(callee) & this.setMask;
  }

  /** The callee's entry, created (replacing the set's least recently touched) if needed, rolled to `sec`'s window. */
  private entry(callee: number, sec: number, windowSec: number): number {
    const set = this.setOf(callee);
    const f = this.f64;
    const u32 = this.u32;
    let victim = set * WAYS;
    let oldest = Infinity;
    let i = -1;
    for (let w = 0; w < WAYS; w++) {
      const j = set * WAYS + w;
      if (f[j * (STRIDE / 8) + F64_KEY] === callee) {
        i = j;
        break;
      }
      const last = f[j * (STRIDE / 8) + F64_KEY] === 0 ? -1 : u32[j * (STRIDE / 4) + U32_LAST];
      if (last < oldest) {
        oldest = last;
        victim = j;
      }
    }
    const epoch = Math.floor(sec / windowSec);
    const u = this.u16;
    if (i < 0) {
      i = victim;
      if (oldest >= 0) this.evictions++;
      f[i * (STRIDE / 8) + F64_KEY] = callee;
      u32[i * (STRIDE / 4) + U32_EPOCH] = epoch;
      u32[i * (STRIDE / 4) + U32_BUSY_AT] = 0;
      u.fill(0, i * (STRIDE / 2) + U16_CUR, i * (STRIDE / 2) + U16_PREV + 3);
    } else {
      const e = u32[i * (STRIDE / 4) + U32_EPOCH];
      if (epoch > e) {
        const cur = i * (STRIDE / 2) + U16_CUR;
        const prev = i * (STRIDE / 2) + U16_PREV;
        for (let k = 0; k < 3; k++) {
          u[prev + k] = epoch === e + 1 ? u[cur + k] : 0;
          u[cur + k] = 0;
        }
        u32[i * (STRIDE / 4) + U32_EPOCH] = epoch;
      }
    }
    if (sec > u32[i * (STRIDE / 4) + U32_LAST]) u32[i * (STRIDE / 4) + U32_LAST] = sec;
    return i;
  }

  /** Copy of the state, for snapshots (restored into a table of the same capacity). */
  exportState(): { records: Uint8Array; evictions: number; members: [number, number, boolean, number[], number[]][]; joins: number } {
    const members = [...this.members].map(([k, m]): [number, number, boolean, number[], number[]] => [k, m.epoch, false, [...m.keys], [...m.at]]);
    return { records: bytesOf(this.f64).slice(), evictions: this.evictions, members, joins: this.joins };
  }

  /** True when nothing was ever recorded (a shared table no engine of the process has used or restored yet). */
  isEmpty(): boolean {
    if (this.members.size !== 0 || this.joins !== 0) return false;
    const u32 = this.u32;
    for (let i = 0; i < u32.length; i++) if (u32[i] !== 0) return false;
    return true;
  }

  importState(s: { records: Uint8Array; evictions: number; members?: ([number, number, boolean, number[]] | [number, number, boolean, number[], number[]])[]; joins?: number }): void {
    if (s.records.byteLength !== this.f64.byteLength) {
      throw new Error(`swarm table snapshot holds ${s.records.byteLength / STRIDE} entries, this table ${this.f64.byteLength / STRIDE}`);
    }
    bytesOf(this.f64).set(s.records);
    this.evictions = s.evictions;
    // The join count too, so that lists are pruned at the same joins as in a run never interrupted.
    this.joins = s.joins ?? 0;
    this.members.clear();
    // A list from a snapshot taken before join times were kept: a recognised one was handed out already; an
    // unrecognised one is kept as before, until its window's end (`dropBefore`).
    for (const [k, epoch, recognised, keys, at] of s.members ?? []) {
      if (at !== undefined) this.members.set(k, { epoch, keys: [...keys], at: [...at] });
      else if (!recognised) this.members.set(k, { epoch, keys: [...keys], at: keys.map(() => -epoch - 1) });
    }
    this.listsInSet.fill(0);
    for (const k of this.members.keys()) this.listsInSet[this.setOf(k)]++;
  }
}

/**
 * Drops the members of `m` who joined before `since` (seconds): keeps those of the last window. A member
 * restored from a snapshot without join times (at −epoch − 1) is taken to have joined at the start of its
 * window, so it is kept until that window ends, as the code before join times kept it.
 */
function dropBefore(m: Members, since: number, windowSec: number): void {
  let n = 0;
  for (let i = 0; i < m.keys.length; i++) {
    const at = m.at[i];
    if ((at < 0 ? (-at - 1) * windowSec : at) >= since) {
      m.keys[n] = m.keys[i];
      m.at[n] = at;
      n++;
    }
  }
  m.keys.length = n;
  m.at.length = n;
}
