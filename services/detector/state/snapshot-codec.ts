/**
 * The binary form of a partition checkpoint: the engine's snapshot parts,
 * the aggregates, and the input positions they correspond to, compressed
 * with zlib (deflate, off the main thread) into one buffer:
 *
 *   "CGS1" | u32 header length | header JSON | part bytes ...
 *
 * The header lists each part's name and compressed length in order.
 *
 * A *fresh* snapshot (`engine` null) has no parts: it records that the
 * partition's state at `positions` is the empty state (a task that started
 * from nothing at those offsets), which costs nothing to take — no engine
 * copy, no compression — and restores as a fresh engine at those offsets.
 */
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { EngineSnapshot } from '../../../shared/engine/index.ts';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
const MAGIC = 'CGS1';

/** Where a partition's state stands: the next offset to read per stream, and the epochs its rows are keyed by. */
export interface PartitionPosition {
  calls: number;
  complaints: number;
}

/** Everything needed to resume a partition exactly where a checkpoint left it. */
export interface PartitionSnapshot {
  partition: number;
  /** Next offsets to process: every event before them is folded into the state. */
  positions: PartitionPosition;
  /** Offsets at which this state's history began (part of the rows' `src`). */
  epochs: PartitionPosition;
  /** Highest event time the task has seen (ms), or null. */
  lastEventTime: number | null;
  /** The engine's state, or null for a fresh snapshot: nothing folded in yet (`positions` equal `epochs`, no aggregates). */
  engine: EngineSnapshot | null;
  aggregates: unknown;
  /** Wall-clock ms when taken. */
  takenAt: number;
}

interface Header {
  partition: number;
  positions: PartitionPosition;
  epochs: PartitionPosition;
  lastEventTime: number | null;
  takenAt: number;
  engineVersion: number;
  parts: Array<{ name: string; bytes: number }>;
  /** A fresh snapshot: no engine state (absent in snapshots written before it existed). */
  fresh?: boolean;
}

/** Compresses a snapshot into one buffer. */
export async function encodePartitionSnapshot(s: PartitionSnapshot): Promise<Buffer> {
  const engine = s.engine;
  const names = engine ? Object.keys(engine.parts) : [];
  const blobs: Buffer[] = engine
    ? await Promise.all([...names.map((n) => deflate(engine.parts[n], { level: 1 })), deflate(Buffer.from(JSON.stringify(s.aggregates)), { level: 1 })])
    : [];
  const header: Header = {
    partition: s.partition,
    positions: s.positions,
    epochs: s.epochs,
    lastEventTime: s.lastEventTime,
    takenAt: s.takenAt,
    engineVersion: engine?.version ?? 0,
    parts: engine ? [...names.map((name, i) => ({ name, bytes: blobs[i].length })), { name: '$aggregates', bytes: blobs[names.length].length }] : [],
    ...(engine ? {} : { fresh: true }),
  };
  const head = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32BE(head.length, 4);
  return Buffer.concat([prefix, head, ...blobs]);
}

/** Inverse of {@link encodePartitionSnapshot}; throws on a damaged buffer. */
export async function decodePartitionSnapshot(buf: Buffer): Promise<PartitionSnapshot> {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a callguard partition snapshot');
  const headLen = buf.readUInt32BE(4);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + headLen)) as Header;
  let at = 8 + headLen;
  const parts: Record<string, Uint8Array> = {};
  let aggregates: unknown = null;
  for (const p of header.parts) {
    if (at + p.bytes > buf.length) throw new Error(`snapshot truncated in part ${p.name}`);
    const raw = await inflate(buf.subarray(at, at + p.bytes));
    at += p.bytes;
    if (p.name === '$aggregates') aggregates = JSON.parse(raw.toString('utf8'));
    else parts[p.name] = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  return {
    partition: header.partition,
    positions: header.positions,
    epochs: header.epochs,
    lastEventTime: header.lastEventTime,
    takenAt: header.takenAt,
    engine: header.fresh === true ? null : { version: header.engineVersion, parts },
    aggregates,
  };
}
