/**
 * Engine snapshots: the state as a set of named binary parts (typed arrays
 * as raw bytes, everything else as one JSON part), so a streaming detector
 * can store a partition's state beside its offsets and restore it after a
 * restart or rebalance. Callers may compress the parts as they like.
 */

import { bytesOf } from './state/aligned.ts';
import { H24, STRANGER_PICKED_UP_24H } from './state/metrics.ts';
import { upgradeVersion4Records } from './state/number-state.ts';
import { upgradeVersion1Records } from './state/pair-cache.ts';
import { clearCell, spreadDaySpans } from './state/windowed-counters.ts';

/**
 * The layout snapshots are written in. Bump it whenever a restored part would
 * be read differently from how it was written, and add the step that brings
 * the older layout up to date to {@link UPGRADES}: a restart after an upgrade
 * restores the snapshots the previous release stored.
 *
 * 2: a pair's "has called" is the flag bit PAIR_ATTEMPTED; version 1 counted
 * attempts in the u16 that now holds the bombing gap (0824f45).
 * 3: SEQUENTIAL's day cell holds the strangers who picked up
 * (STRANGER_PICKED_UP_24H); version 2 counted sequential callees there.
 * 4: a counter record's header words 2–3 hold its day windows' spans of
 * events; version 3 held the day window's index there (now the hour's ÷ 24).
 * 5: a number record's largest bombing and refusal runs are a byte each, with
 * their callee's fingerprint beside; version 4 kept each run in a u16.
 */
export const SNAPSHOT_VERSION = 5;

/**
 * Step from version `v` to `v + 1`, on the decoded state (its typed arrays
 * are fresh copies, changed in place). Versions below OLDEST_VERSION, or above
 * SNAPSHOT_VERSION (a newer release's, whose layout this one cannot know), are
 * refused: the detector then logs it and starts the partition fresh.
 */
const UPGRADES: Record<number, (state: VersionedState) => void> = {
  1: (state) => upgradeVersion1Records(state.pairs.records),
  // The day's pick-ups restart from nothing (they build up again within the day): never judged on sequential counts.
  2: (state) => clearCell(state.state.counters, H24, STRANGER_PICKED_UP_24H),
  // Spans unknown: read as the whole day, i.e. as version 3 read every day window, until they roll out.
  3: (state) => spreadDaySpans(state.state.counters),
  // Runs' callees unknown (0): read as two behaviours, as version 4's engine read them.
  4: (state) => upgradeVersion4Records(state.state.records),
};
const OLDEST_VERSION = 1;

/** What the upgrades read of a decoded state (the engine knows the rest of its shape). */
interface VersionedState {
  pairs: { records: Uint8Array };
  state: { counters: Uint16Array; records: Uint8Array };
}

export interface EngineSnapshot {
  version: number;
  parts: Record<string, Uint8Array>;
}

type Typed = Float64Array | Uint32Array | Uint16Array | Uint8Array;
const TYPES = { Float64Array, Uint32Array, Uint16Array, Uint8Array } as const;
type TypeName = keyof typeof TYPES;

/** Splits a plain object into JSON plus binary parts for its typed arrays. */
export function encodeSnapshot(state: unknown): EngineSnapshot {
  const parts: Record<string, Uint8Array> = {};
  let n = 0;
  const json = JSON.stringify(state, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = `bin${n++}`;
      const t = v as Typed;
      parts[name] = bytesOf(t);
      return { $bin: name, type: t.constructor.name };
    }
    return v;
  });
  parts.meta = new TextEncoder().encode(json);
  return { version: SNAPSHOT_VERSION, parts };
}

/** Inverse of {@link encodeSnapshot}, with an older version's state brought up to date. */
export function decodeSnapshot(snap: EngineSnapshot): unknown {
  const v = snap.version;
  if (!Number.isInteger(v) || v < OLDEST_VERSION || v > SNAPSHOT_VERSION) {
    throw new Error(`snapshot version ${v}, expected ${OLDEST_VERSION} to ${SNAPSHOT_VERSION}`);
  }
  const state = decodeParts(snap);
  for (let from = v; from < SNAPSHOT_VERSION; from++) UPGRADES[from](state as VersionedState);
  return state;
}

function decodeParts(snap: EngineSnapshot): unknown {
  const meta = snap.parts.meta;
  if (!meta) throw new Error('snapshot has no meta part');
  return JSON.parse(new TextDecoder().decode(meta), (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$bin' in v) {
      const { $bin, type } = v as { $bin: string; type: TypeName };
      const raw = snap.parts[$bin];
      if (!raw || !(type in TYPES)) throw new Error(`snapshot part ${$bin} (${type}) missing`);
      const copy = raw.slice();
      const Ctor = TYPES[type];
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return v;
  });
}
