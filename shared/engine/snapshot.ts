/**
 * Engine snapshots: the state as a set of named binary parts (typed arrays
 * as raw bytes, everything else as one JSON part), so a streaming detector
 * can store a partition's state beside its offsets and restore it after a
 * restart or rebalance. Callers may compress the parts as they like.
 */

export const SNAPSHOT_VERSION = 1;

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
      parts[name] = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
      return { $bin: name, type: t.constructor.name };
    }
    return v;
  });
  parts.meta = new TextEncoder().encode(json);
  return { version: SNAPSHOT_VERSION, parts };
}

/** Inverse of {@link encodeSnapshot}. */
export function decodeSnapshot(snap: EngineSnapshot): unknown {
  if (snap.version !== SNAPSHOT_VERSION) throw new Error(`snapshot version ${snap.version}, expected ${SNAPSHOT_VERSION}`);
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
