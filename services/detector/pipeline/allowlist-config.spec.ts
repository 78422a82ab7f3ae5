/**
 * The allowlist and the engine config in force in the detector's engines: the allowlist is Redis's (the
 * instance's copy of `<p>:allowlist`) after a restore from a snapshot, a poll that saw removals and a live
 * config rebuild; a live `marketingLines` change applies to numbers already tracked (ownership.ts,
 * consents-control.ts).
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { defaultConfig, type EngineConfig } from '../../../shared/config/index.ts';
import { loadDetectorConfig } from '../config.ts';
import { resolveLiveConfig } from '../control/live-config.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import type { PartitionSnapshot } from '../state/snapshot-codec.ts';
import { applyControl } from './consents-control.ts';
import { DetectorState, type DetectorDeps } from './detector-state.ts';
import { onAssigned } from './ownership.ts';

const T0 = Date.UTC(2026, 10, 2, 2, 0, 0);
const MIN = 60_000;

/** A detector state over fakes (partition 0, committed offset 10, `stored` its snapshot in Redis), partition 0 assigned. */
async function assigned(o: { stored?: PartitionSnapshot | null; engine?: EngineConfig; read?: boolean } = {}): Promise<DetectorState> {
  const loaded = loadDetectorConfig({});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const deps = {
    config: { ...loaded.config, ...(o.engine ? { engine: o.engine } : {}) },
    fence: { acquire: async () => 1 },
    source: {
      committed: async () => new Map([[0, 10]]),
      offsets: async () => new Map([[0, { low: 0, high: 1_000_000 }]]),
      seek: () => {},
      pause: () => {},
      resume: () => {},
    },
    snapshots: { load: async () => o.stored ?? null },
    marks: { load: async () => null },
    metrics: new DetectorMetrics(),
    log: pino({ level: 'silent' }),
  };
  const st = new DetectorState(deps as unknown as DetectorDeps);
  st.partitions = 1;
  if (o.read !== false) applyControl(st, { type: 'allowlist-read' }); // the start's poll read Redis's allowlist
  return st;
}

async function assign(st: DetectorState): Promise<DetectorState> {
  const { topics } = st.deps.config;
  await onAssigned(st, { [topics.calls]: [0], [topics.complaints]: [0] });
  return st;
}

let id = 0;
const call = (caller: string, callee: string, t: number, outcome: 'NO_ANSWER' | 'ANSWERED' = 'NO_ANSWER', talkSec = 0): CallEvent => ({
  eventId: `e${id++}`,
  probeId: 'p',
  caller,
  callee,
  startTime: t,
  answerTime: outcome === 'ANSWERED' ? t + 5000 : null,
  endTime: t + 5000 + talkSec * 1000,
  outcome,
  releaseCause: null,
  accessProvider: 'CMCC',
});

/** Feeds calls to partition 0's engine (as its task does) and returns the numbers it flags. */
function flagged(st: DetectorState, calls: CallEvent[]): string[] {
  const e = st.tasks.get(0)!.engine;
  const out: string[] = [];
  for (const c of calls) {
    e.onCall(c);
    for (const f of e.drainFlags()) out.push(`${f.number} ${f.reasons.map((r) => r.rule).join('+')}`);
  }
  return out;
}

const X = '+8617000000001';
/** Forty unanswered calls from X to consecutive numbers, a minute apart: flagged unless X is allowlisted. */
const nuisance = (from: number) => Array.from({ length: 40 }, (_, i) => call(X, `+86138000${String(10000 + from + i)}`, T0 + (from + i) * MIN));
const flaggedX = (flags: string[]) => flags.filter((f) => f.startsWith(`${X} `));

describe('the allowlist in force is Redis\'s', () => {
  /** An instance that had X allowlisted, ran partition 0 and took its snapshot. */
  async function snapshotWithX(): Promise<PartitionSnapshot> {
    const st = await assign(await assigned());
    applyControl(st, { type: 'allow', numbers: [X] });
    expect(flagged(st, nuisance(0))).toEqual([]);
    return st.tasks.get(0)!.snapshot(Date.now());
  }

  it('a partition restored from a snapshot taken while X was allowlisted judges X once it is no longer in Redis', async () => {
    const stored = await snapshotWithX();
    const st = await assigned({ stored }); // the restarted instance read the allowlist: X is gone
    await assign(st);
    expect(flaggedX(flagged(st, nuisance(100)))).not.toEqual([]);
  });

  it('…and keeps X unflagged while it is still in Redis', async () => {
    const stored = await snapshotWithX();
    const st = await assigned({ stored });
    applyControl(st, { type: 'allow', numbers: [X] }); // the start's poll, before the group is joined
    await assign(st);
    expect(flagged(st, nuisance(100))).toEqual([]);
  });

  it('an instance that has not read Redis yet keeps the snapshot\'s allowlist until its first read, which then rules', async () => {
    const stored = await snapshotWithX();
    const st = await assign(await assigned({ stored, read: false })); // Redis away at the start
    expect(flagged(st, nuisance(100))).toEqual([]);
    applyControl(st, { type: 'allowlist-read' }); // Redis back: its allowlist, without X, is read
    expect(flaggedX(flagged(st, nuisance(200)))).not.toEqual([]);
  });

  it('a removal seen by a poll applies to the running engines', async () => {
    const st = await assign(await assigned());
    applyControl(st, { type: 'allow', numbers: [X, '+862088886666'] });
    expect(flagged(st, nuisance(0))).toEqual([]);
    applyControl(st, { type: 'disallow', numbers: [X] });
    expect([...st.allowlist]).toEqual(['+862088886666']);
    expect(flaggedX(flagged(st, nuisance(100)))).not.toEqual([]);
  });

  it('a live config rebuild gives the engines the instance\'s allowlist, not what the old engine held', async () => {
    const st = await assign(await assigned());
    st.tasks.get(0)!.engine.allow(X); // held by the engine only (as a snapshot's allowlist was, before)
    const r = resolveLiveConfig(st.engineConfig, '{}');
    if (!r.ok) throw new Error(r.errors.join());
    applyControl(st, { type: 'config', config: r.config, raw: '{}' });
    expect(flaggedX(flagged(st, nuisance(0)))).not.toEqual([]);
  });
});

describe('a live marketingLines change applies to numbers already tracked', () => {
  const LINE = '+8613912345678'; // a clinic's mobile, wrongly configured as a marketing line
  /** The line's answered, minute-long calls to customers `from..from+n`, ten minutes apart. */
  const lineCalls = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => call(LINE, `+86158000${String(11000 + from + i)}`, T0 + (from + i) * 10 * MIN, 'ANSWERED', 60));

  it('a line removed from marketingLines live draws no NO_CONSENT', async () => {
    const st = await assign(await assigned({ engine: { ...defaultConfig(), marketingLines: [LINE] } }));
    expect(flagged(st, lineCalls(0, 2))).toEqual([]); // tracked, as a marketing line
    const raw = '{"marketingLines":[]}';
    const r = resolveLiveConfig(st.engineConfig, raw);
    if (!r.ok) throw new Error(r.errors.join());
    applyControl(st, { type: 'config', config: r.config, raw });
    expect(flagged(st, lineCalls(2, 8))).toEqual([]);
  });

  it('a line added to marketingLines live is judged as one', async () => {
    const st = await assign(await assigned());
    expect(flagged(st, lineCalls(0, 2))).toEqual([]);
    const raw = JSON.stringify({ marketingLines: [LINE] });
    const r = resolveLiveConfig(st.engineConfig, raw);
    if (!r.ok) throw new Error(r.errors.join());
    applyControl(st, { type: 'config', config: r.config, raw });
    expect(flagged(st, lineCalls(2, 8))).toContain(`${LINE} NO_CONSENT`);
  });
});
