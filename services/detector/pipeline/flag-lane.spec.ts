import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FlagEvent } from '../../../shared/contracts/records.ts';
import { FlagLane, type LaneDedup } from './flag-lane.ts';
import type { Dismissal } from '../state/stores.ts';

function flag(id: string, number: string, windowStart: number): FlagEvent {
  return {
    flagId: id,
    number,
    severity: 'LABEL',
    score: 60,
    reasons: [{ rule: 'LOW_ANSWER_FANOUT', window: '1h', value: 0.1, threshold: 0.55 }],
    windowStart,
    windowEnd: windowStart + 3_600_000,
    detectedAt: windowStart + 3_600_000,
    emittedAt: 0,
    numberClass: 'MOBILE',
    accessProvider: null,
    evidence: {},
  };
}

/** An in-memory stand-in for the Redis marks (the real store is covered by the detector's integration tests). */
function memoryDedup(dismissed: Record<string, Dismissal> = {}): LaneDedup & { marks: Map<string, string> } {
  const marks = new Map<string, string>();
  return {
    marks,
    async lookup(ids) {
      const emitted = new Set(ids.filter((id) => marks.get(id) === 'e'));
      return { emitted, pending: new Map() };
    },
    async markPending(ids, at) {
      for (const id of ids) if (!marks.has(id)) marks.set(id, `p:${at}`);
      return true;
    },
    async mark(ids) {
      for (const id of ids) marks.set(id, 'e');
      return true;
    },
    async dismissedUntil(numbers) {
      return new Map(numbers.filter((n) => n in dismissed).map((n) => [n, dismissed[n]]));
    },
  };
}

function lane(dedup: LaneDedup) {
  const sent: string[] = [];
  let dismissedCount = 0;
  const l = new FlagLane({
    sink: { send: async (ms: { value: Buffer }[]) => void sent.push(...ms.map((m) => m.value.toString())) } as never,
    topic: 'flags',
    encodeFlag: (f) => Buffer.from(f.flagId),
    dedup,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    onSinkError: () => {},
    onEmitted: () => {},
    onDeduplicated: () => {},
    onDismissed: (n) => (dismissedCount += n),
    findOnTopic: async () => new Set(),
  });
  return { l, sent, dismissed: () => dismissedCount };
}

describe('FlagLane', () => {
  it('produces new flags once, and a redelivered flag id not again', async () => {
    const d = memoryDedup();
    const { l, sent } = lane(d);
    l.push([flag('a', '+8613900000001', 1000)]);
    expect((await l.drain()).map((f) => f.flagId)).toEqual(['a']);
    l.push([flag('a', '+8613900000001', 1000)]);
    await l.drain();
    expect(sent).toEqual(['a']);
  });

  it('does not emit a flag on evidence an investigator dismissed, but does on later evidence', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    const { l, sent, dismissed } = lane(d);
    l.push([flag('same-evidence', '+8613900000002', 40_000), flag('other-number', '+8613900000003', 40_000)]);
    const out = await l.drain();
    expect(out.map((f) => f.flagId)).toEqual(['other-number']);
    l.push([flag('new-evidence', '+8613900000002', 3_660_000)]);
    await l.drain();
    expect(sent).toEqual(['other-number', 'new-evidence']);
    expect(dismissed()).toBe(1);
  });

  it('emits a stronger flag overlapping dismissed evidence, and not a weaker or equal one (the enforcer rule)', async () => {
    const d = memoryDedup({ '+8613900000002': { windowEnd: 3_650_000, severity: 'LABEL' } });
    const { l, sent, dismissed } = lane(d);
    l.push([
      { ...flag('watch-overlap', '+8613900000002', 1_000_000), severity: 'WATCH' },
      { ...flag('label-overlap', '+8613900000002', 1_000_000), severity: 'LABEL' },
      { ...flag('block-overlap', '+8613900000002', 1_000_000), severity: 'BLOCK_RECOMMENDED' },
      // Evidence ending within the dismissed window: covered whatever the severity.
      { ...flag('block-inside', '+8613900000002', 0), severity: 'BLOCK_RECOMMENDED', windowEnd: 3_600_000 },
    ]);
    await l.drain();
    expect(sent).toEqual(['block-overlap']);
    expect(dismissed()).toBe(3);
  });
});
