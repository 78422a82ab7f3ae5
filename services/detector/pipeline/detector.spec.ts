import { describe, expect, it } from 'vitest';
import { NEVER, Subject } from 'rxjs';
import pino from 'pino';
import { loadDetectorConfig } from '../config.ts';
import type { SourceBatch, SourceEvent } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { Detector, type DetectorDeps } from './detector.ts';

/** A detector over fakes: the topics exist, Redis answers, and the consents reader never catches up. */
function detector(o: { caughtUp?: Promise<void>; sourceStart?: Promise<void> } = {}) {
  const loaded = loadDetectorConfig({});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const calls: string[] = [];
  const deps = {
    config: loaded.config,
    source: {
      events$: new Subject<SourceEvent>(),
      partitionCount: async () => 2,
      start: async () => {
        calls.push('source.start');
        await o.sourceStart;
      },
      stop: async () => void calls.push('source.stop'),
      commit: async () => {},
      pause: () => {},
      resume: () => {},
    },
    consents: {
      batches$: new Subject<SourceBatch>(),
      caughtUp: o.caughtUp ?? new Promise<void>(() => {}), // by default a reader that never catches up (a slow or unreachable broker)
      start: async () => void calls.push('consents.start'),
      stop: async () => void calls.push('consents.stop'),
    },
    control: { poll: async () => [], events: () => NEVER },
    redis: { up: true, waitReady: async () => true },
    codec: { prepare: () => new Promise<void>(() => {}) }, // a registry that does not answer: schema fetches retried until the stop's deadline
    sink: { send: async () => {} },
    writer: { write: async () => {} },
    metrics: new DetectorMetrics(),
    log: pino({ level: 'silent' }),
  };
  return { det: new Detector(deps as unknown as DetectorDeps), calls, deps };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'done' as const), new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

describe('Detector halt and stop during start-up', () => {
  it('a stop while the consents are still being read ends the wait: halt returns, the group is never joined', async () => {
    const { det, calls } = detector();
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // the start waits for the consents to be read
    expect(calls).toEqual(['consents.start']);
    expect(await within(det.halt(), 2_000)).toBe('done');
    expect(await within(det.stop(1_000), 2_000)).toBe('done');
    expect(calls).not.toContain('source.start');
    expect(calls).toContain('consents.stop');
  });

  it('a stop while the consents read are still being handled (schemas from a registry that stopped answering) ends that wait too', async () => {
    let caughtUp!: () => void;
    const { det, calls, deps } = detector({ caughtUp: new Promise<void>((r) => (caughtUp = r)) });
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    deps.consents.batches$.next({ topic: 'consents', partition: 0, highWatermark: 1, fetchedOffset: 0, lastOffset: 0, messages: [{ offset: 0, key: null, value: Buffer.from([0, 0, 0, 0, 1]) }] });
    caughtUp();
    await new Promise((r) => setTimeout(r, 50));
    expect(await within(det.halt(), 2_000)).toBe('done');
    expect(calls).not.toContain('source.start');
    // Nothing was joined, so nothing to flush: the stop ends at once, without waiting for its deadline on the registry.
    const t0 = Date.now();
    await expect(det.stop(1_000)).resolves.toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(calls).toContain('consents.stop');
  });

  it('a stop while the group is being joined lets the join return, then reports stopping, not ready', async () => {
    let joined!: () => void;
    const { det, calls } = detector({ caughtUp: Promise.resolve(), sourceStart: new Promise<void>((r) => (joined = r)) });
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toContain('source.start');
    const halted = det.halt();
    expect(await within(halted, 100)).toBe('hung'); // the join is let return
    joined();
    expect(await within(halted, 2_000)).toBe('done');
    expect(det.readiness().status).toBe('stopping');
  });

  it('a consents reader that fails for good fails the start (exit 1 and a restart, not a start waiting forever)', async () => {
    const failed = Promise.reject(new Error('consents reader failed and will not restart: Not authorized'));
    failed.catch(() => {});
    const { det, calls } = detector({ caughtUp: failed });
    await expect(det.start()).rejects.toThrow(/consents reader failed/);
    expect(calls).not.toContain('source.start');
  });
});
