import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../shared/config/index.ts';
import { createEngine } from '../../../shared/engine/index.ts';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from './snapshot-codec.ts';

const base = { partition: 2, positions: { calls: 120, complaints: 9 }, epochs: { calls: 100, complaints: 0 }, takenAt: 1_700_000_000_000 };

describe('partition snapshot codec', () => {
  it('round-trips a full snapshot: positions, engine parts byte for byte, aggregates', async () => {
    const engine = createEngine(defaultConfig(), { now: () => 1 });
    engine.onCall({ eventId: 'e1', probeId: 'p', caller: '+8613812345678', callee: '+8613912345678', startTime: 1_700_000_000_000, answerTime: null, endTime: 1_700_000_005_000, outcome: 'NO_ANSWER', releaseCause: null, accessProvider: null });
    const s: PartitionSnapshot = { ...base, lastEventTime: 1_700_000_000_000, engine: engine.snapshot(), aggregates: { calls: { cells: [], changed: [] } } };
    const back = await decodePartitionSnapshot(await encodePartitionSnapshot(s));
    expect(back.positions).toEqual(s.positions);
    expect(back.epochs).toEqual(s.epochs);
    expect(back.lastEventTime).toBe(s.lastEventTime);
    expect(back.aggregates).toEqual(s.aggregates);
    expect(back.engine).not.toBeNull();
    expect(Object.keys(back.engine!.parts).sort()).toEqual(Object.keys(s.engine!.parts).sort());
    for (const [name, part] of Object.entries(s.engine!.parts)) expect(Buffer.compare(Buffer.from(back.engine!.parts[name]), Buffer.from(part))).toBe(0);
  });

  it('stores a fresh snapshot (no engine state) in a few hundred bytes and reads it back as fresh', async () => {
    const s: PartitionSnapshot = { ...base, positions: base.epochs, lastEventTime: null, engine: null, aggregates: null };
    const buf = await encodePartitionSnapshot(s);
    expect(buf.length).toBeLessThan(400);
    expect(await decodePartitionSnapshot(buf)).toEqual(s);
  });

  it('refuses bytes that are not a snapshot', async () => {
    await expect(decodePartitionSnapshot(Buffer.from('nope, not one'))).rejects.toThrow(/not a callguard partition snapshot/);
  });
});
