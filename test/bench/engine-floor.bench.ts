/**
 * `npm run bench:engine-floor`: how much of the engine's time per call is
 * memory that any engine computing its signals must touch, against the bare
 * `Map` count baseline of `bench:engine`, in one run over the same events
 * (200k numbers, steady state after 2M events, 2M timed):
 *
 *   engine        `onCalls`, every rule (as `bench:engine`'s steady state)
 *   stores only   the engine's number and pair stores, touched as one call needs
 *                 them, no rule: dedup of the event id (its fingerprint and the
 *                 numbers' keys computed once, in the prefetch, as `onCalls` does;
 *                 the prefetch also reads a small swarm table's set, as the
 *                 engine's reads its own), the caller's index entry,
 *                 record and windowed counters (touch, add), the pair
 *                 caller→callee, and the reverse pair only when the engine would
 *                 ask it (the callee has not been seen calling back and the two
 *                 have not talked enough: call-observer.ts), prefetched as
 *                 `onCalls` does. Not the campaign groups, swarm table or consents
 *   lean layout   a much leaner layout of that state, no logic at all: the caller's
 *                 index entry, record and counters as one 192-byte block, the pair
 *                 (dedup ids folded in) in one 64-byte line, the reverse pair's
 *                 line (read at every call); hashed, prefetched in groups like `onCalls`
 *   baseline      a `Map<string, number>` count per caller
 *
 * Each chunk goes through the four in turn, starting with a different one
 * each chunk, so that none always runs right after another has filled the
 * caches with its own tables (a `Map` of 200k callers would otherwise lose
 * more of its lines than it does when it runs alone, as in `bench:engine`).
 * The engine less "stores only" is the rules' logic together with the stores
 * only they use.
 */
import { defaultConfig } from '../../shared/config/index.ts';
import type { CallEvent } from '../../shared/contracts/records.ts';
import { createEngine } from '../../shared/engine/index.ts';
import { CallPrefetch, PREFETCH_GROUP } from '../../shared/engine/call-prefetch.ts';
import { hashKey, hashPair, hashString } from '../../shared/engine/state/hash.ts';
import { M } from '../../shared/engine/state/metrics.ts';
import { InboundSwarms } from '../../shared/engine/state/inbound-swarms.ts';
import { NumberIndex } from '../../shared/engine/state/number-index.ts';
import { NUM32, NumberState } from '../../shared/engine/state/number-state.ts';
import { PAIR8, PAIR_ATTEMPTED, PAIR_CALLED_BACK, PairCache } from '../../shared/engine/state/pair-cache.ts';
import { RecentIds } from '../../shared/engine/state/recent-ids.ts';
import { numberKey } from '../../shared/numbers/key.ts';
import { CallStream } from './synthetic-calls.ts';

const NUMBERS = 200_000;
const CHUNK = 500_000;
const WARM_CHUNKS = 4;
/** As many as the systems, so that each starts one chunk. */
const TIMED_CHUNKS = 4;

/** The engine's stores, each call doing only the lookups and writes its state needs. */
class StoresOnly {
  private readonly cfg = defaultConfig();
  private readonly index = new NumberIndex(1 << 16);
  private readonly state = new NumberState(1 << 16);
  private readonly pairs = new PairCache(this.cfg.pairCacheEntries);
  private readonly ids = new RecentIds(this.cfg.dedupEntries);
  private readonly prefetch = new CallPrefetch(this.index, this.state, this.pairs, this.ids, new InboundSwarms(1 << 12));
  sink = 0;

  onCalls(events: readonly CallEvent[]): void {
    const pf = this.prefetch;
    for (let i = 0; i < events.length; i += PREFETCH_GROUP) {
      const end = Math.min(i + PREFETCH_GROUP, events.length);
      pf.calls(events, i, end);
      // The keys, id fingerprints and pair tags the prefetch computed, as `onCalls` takes them.
      for (let j = i, q = 0; j < end; j++, q++) {
        this.onCall(events[j], pf.pairKeys[q * 2], pf.pairKeys[q * 2 + 1], pf.idPrint1[q], pf.idPrint2[q], pf.pairTags[q * 2], pf.pairTags[q * 2 + 1]);
      }
    }
  }

  private onCall(e: CallEvent, a: number, b: number, id1: number, id2: number, tag: number, backTag: number): void {
    if (this.ids.seenPrint(id1, id2)) return;
    let slot = this.index.get(a);
    if (slot < 0) {
      slot = this.state.allocate(a);
      this.index.set(a, slot);
    }
    const t = e.startTime;
    const sec = Math.floor(t / 1000);
    this.state.set32(slot, NUM32.lastSeen, sec);
    const ctr = this.state.counters;
    ctr.touch(slot, t);
    ctr.add(slot, M.CALLS);
    const pairs = this.pairs;
    const p = pairs.getOrCreateTagged(a, b, tag, sec);
    pairs.setLastSeen(p, sec);
    // The contact question, asked as the engine asks it: not once the callee is known to have called back, nor of a
    // pair that has talked enough.
    let flags = pairs.get8(p, PAIR8.flags);
    if (e.outcome === 'ANSWERED' && e.answerTime !== null && (e.endTime - e.answerTime) / 1000 >= this.cfg.acquaintanceTalkSec) pairs.set8(p, PAIR8.talks, pairs.get8(p, PAIR8.talks) + 1);
    if ((flags & PAIR_CALLED_BACK) === 0 && pairs.get8(p, PAIR8.talks) < this.cfg.acquaintanceTalks) {
      const back = pairs.findTagged(b, a, backTag);
      this.sink += back;
      if (back >= 0 && (pairs.get8(back, PAIR8.flags) & PAIR_ATTEMPTED) !== 0) flags |= PAIR_CALLED_BACK;
    }
    pairs.set8(p, PAIR8.flags, flags | PAIR_ATTEMPTED);
  }
}

const LEAN_BLOCKS = 1 << 18; // 192 bytes each (48 uint32): 48 MiB for 200k numbers
const LEAN_PAIRS = 1 << 21; // 64 bytes each (16 uint32): 128 MiB

/** The fewest lines per call: no collision handling, no logic; a floor, not an engine. */
class LeanLayout {
  private readonly blocks = new Uint32Array(LEAN_BLOCKS * 48);
  private readonly pairs = new Uint32Array(LEAN_PAIRS * 16);
  private readonly block = new Int32Array(PREFETCH_GROUP);
  private readonly fwd = new Int32Array(PREFETCH_GROUP);
  private readonly rev = new Int32Array(PREFETCH_GROUP);
  private readonly id = new Uint32Array(PREFETCH_GROUP);
  sink = 0;

  onCalls(events: readonly CallEvent[]): void {
    const blocks = this.blocks;
    const pairs = this.pairs;
    for (let i = 0; i < events.length; i += PREFETCH_GROUP) {
      const n = Math.min(PREFETCH_GROUP, events.length - i);
      let acc = 0;
      // Addresses from the keys, every line read in one loop so that the misses overlap.
      for (let q = 0; q < n; q++) {
        const e = events[i + q];
        const a = numberKey(e.caller);
        const b = numberKey(e.callee);
        this.id[q] = hashString(e.eventId);
        const x = (hashKey(a) & (LEAN_BLOCKS - 1)) * 48;
        const f = ((hashPair(a, b) >>> 0) & (LEAN_PAIRS - 1)) * 16;
        const r = ((hashPair(b, a) >>> 0) & (LEAN_PAIRS - 1)) * 16;
        this.block[q] = x;
        this.fwd[q] = f;
        this.rev[q] = r;
        acc += blocks[x + 1] + blocks[x + 20] + blocks[x + 36] + pairs[f + 2] + pairs[r + 2];
      }
      for (let q = 0; q < n; q++) {
        const x = this.block[q];
        blocks[x + 1]++;
        blocks[x + 20]++;
        blocks[x + 36]++;
        const f = this.fwd[q];
        if (pairs[f + 8] !== this.id[q]) pairs[f + 8] = this.id[q];
        pairs[f + 2]++;
        acc += pairs[this.rev[q] + 2];
      }
      this.sink += acc;
    }
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const engine = createEngine(defaultConfig(), { now: () => 0 });
const stores = new StoresOnly();
const lean = new LeanLayout();
const baseline = new Map<string, number>();
const countAll = (events: readonly CallEvent[]) => {
  for (let i = 0; i < events.length; i++) {
    const c = events[i].caller;
    baseline.set(c, (baseline.get(c) ?? 0) + 1);
  }
};
const systems: [string, (events: CallEvent[]) => void][] = [
  ['engine', (ev) => {
    engine.onCalls(ev);
    engine.drainFlags();
  }],
  ['stores only', (ev) => stores.onCalls(ev)],
  ['lean layout', (ev) => lean.onCalls(ev)],
  ['baseline Map count', countAll],
];

const stream = new CallStream({ numbers: NUMBERS, rate: (NUMBERS * 5) / 86_400, seed: 42, callers: 'random' });
for (let c = 0; c < WARM_CHUNKS; c++) {
  const batch = stream.chunk(CHUNK);
  for (const [, run] of systems) run(batch);
  process.stderr.write(`\rwarming up: ${fmt((c + 1) * CHUNK)} / ${fmt(WARM_CHUNKS * CHUNK)} events through all four`);
}
process.stderr.write('\n');
const seconds = new Map<string, number>(systems.map(([name]) => [name, 0]));
for (let c = 0; c < TIMED_CHUNKS; c++) {
  const batch = stream.chunk(CHUNK);
  // Each chunk through each in turn, from a different one each chunk (see the header).
  for (let k = 0; k < systems.length; k++) {
    const [name, run] = systems[(c + k) % systems.length];
    const t0 = process.hrtime.bigint();
    run(batch);
    seconds.set(name, (seconds.get(name) as number) + Number(process.hrtime.bigint() - t0) / 1e9);
  }
  process.stderr.write(`\rtimed: ${fmt((c + 1) * CHUNK)} / ${fmt(TIMED_CHUNKS * CHUNK)} events through all four`);
}
process.stderr.write('\n');
const events = TIMED_CHUNKS * CHUNK;
const base = events / (seconds.get('baseline Map count') as number);
console.log(`# bench:engine-floor — node ${process.version}, ${fmt(NUMBERS)} numbers, steady state, ${fmt(events)} timed events`);
for (const [name] of systems) {
  const eps = events / (seconds.get(name) as number);
  console.log(`${name.padEnd(20)} ${fmt(eps).padStart(11)} events/s   ${(1e6 / eps).toFixed(2)} µs/event   ${(base / eps).toFixed(2)}× the baseline's time`);
}
// The sums keep the reads from being optimised away; printed so that they are used.
console.log(`(checksums: ${stores.sink}, ${lean.sink})`);
