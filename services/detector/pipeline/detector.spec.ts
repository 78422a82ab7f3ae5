import { describe, expect, it } from 'vitest';
import { NEVER, Subject } from 'rxjs';
import pino from 'pino';
import { loadDetectorConfig } from '../config.ts';
import type { SourceBatch, SourceEvent } from '../kafka/source.ts';
import { DetectorMetrics } from '../ops/metrics.ts';
import { Detector, type DetectorDeps } from './detector.ts';

/** A detector over fakes: the topics exist, Redis answers, and the consents reader never catches up. */
function detector(
  o: {
    caughtUp?: Promise<void>;
    consentsFailed?: Promise<Error>;
    sourceStart?: Promise<void>;
    write?: () => Promise<void>;
    send?: () => Promise<void>;
    partitions?: (topic: string) => number;
    env?: Record<string, string>;
  } = {},
) {
  const loaded = loadDetectorConfig(o.env ?? {});
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const calls: string[] = [];
  const sent: unknown[][] = [];
  const deps = {
    flagEncoder: async () => {
      calls.push('flagEncoder');
      return (f: { flagId: string }) => Buffer.from(f.flagId);
    },
    config: loaded.config,
    source: {
      events$: new Subject<SourceEvent>(),
      partitionCount: async (topic: string) => o.partitions?.(topic) ?? 2,
      start: async () => {
        calls.push('source.start');
        await o.sourceStart;
      },
      stop: async () => void calls.push('source.stop'),
      commit: async () => void calls.push('source.commit'),
      pause: () => {},
      resume: () => {},
    },
    consents: {
      batches$: new Subject<SourceBatch>(),
      caughtUp: o.caughtUp ?? new Promise<void>(() => {}), // by default a reader that never catches up (a slow or unreachable broker)
      failed: o.consentsFailed ?? new Promise<Error>(() => {}),
      start: async () => void calls.push('consents.start'),
      stop: async () => void calls.push('consents.stop'),
    },
    control: { poll: async () => [], events: () => NEVER },
    redis: { up: true, waitReady: async () => true },
    codec: { prepare: () => new Promise<void>(() => {}) }, // a registry that does not answer: schema fetches retried until the stop's deadline
    sink: {
      send: async (messages: unknown[]) => {
        await o.send?.();
        sent.push(messages);
      },
    },
    writer: { write: o.write ?? (async () => {}) },
    metrics: new DetectorMetrics(),
    log: pino({ level: 'silent' }),
  };
  return { det: new Detector(deps as unknown as DetectorDeps), calls, sent, deps };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'done' as const), new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

describe('Detector halt and stop during start-up', () => {
  it('a stop while the consents are still being read ends the wait: halt returns, the group is never joined', async () => {
    const { det, calls } = detector();
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // the start waits for the consents to be read
    expect(calls).toEqual(['flagEncoder', 'consents.start']);
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
    expect(Date.now() - t0).toBeLessThan(900); // its deadline is 1 s
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

  // The output topics too: the producers never create one, so a missing flags or DLQ topic would otherwise show only
  // at the first flag or DLQ record, as a send retried until the stop, with nothing committed meanwhile.
  it.each([
    ['calls', 'CALLGUARD_TOPIC_CALLS'],
    ['complaints', 'CALLGUARD_TOPIC_COMPLAINTS'],
    ['consents', 'CALLGUARD_TOPIC_CONSENTS'],
    ['flags', 'CALLGUARD_TOPIC_FLAGS'],
    ['dlq', 'CALLGUARD_TOPIC_DLQ'],
  ] as const)('a missing %s topic fails the start, naming it and its variable, before anything is read, sent or registered', async (which, variable) => {
    const loaded = loadDetectorConfig({});
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const missing = loaded.config.topics[which];
    const { det, calls, sent } = detector({ partitions: (topic) => (topic === missing ? 0 : 2) });
    await expect(det.start()).rejects.toThrow(`topic ${missing} does not exist (set by ${variable})`);
    expect(calls).toEqual([]);
    expect(sent).toEqual([]);
    expect(det.readiness().checks.consents).toBe(false);
  });

  it('calls and complaints topics with different partition counts fail the start, naming both counts', async () => {
    const loaded = loadDetectorConfig({});
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const t = loaded.config.topics;
    const { det, calls } = detector({ partitions: (topic) => (topic === t.calls ? 4 : 2) });
    await expect(det.start()).rejects.toThrow(`${t.calls} has 4 partitions but ${t.complaints} has 2`);
    expect(calls).toEqual([]);
  });

  it('with every topic there, the start checks all five before reading the consents', async () => {
    const asked: string[] = [];
    const { det, calls, deps } = detector({ partitions: (topic) => (asked.push(topic), 2) });
    void det.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // the consents reader never catches up: the start waits there
    const t = deps.config.topics;
    expect(new Set(asked)).toEqual(new Set([t.calls, t.complaints, t.consents, t.flags, t.dlq]));
    expect(calls).toEqual(['flagEncoder', 'consents.start']) // the FlagEvent schema registered after the topic check, before anything is read;
    await det.stop(1_000);
  });
});

describe('Detector stop after the group was joined', () => {
  it('a final checkpoint held by a sink that does not answer is given up at the deadline minus the leave reserve; the consumers still leave, nothing is committed', async () => {
    const { det, calls } = detector({ caughtUp: Promise.resolve(), write: () => new Promise<void>(() => {}) });
    await det.start();
    const t0 = Date.now();
    const stopped = det.stop(2_000).then(
      () => 'resolved' as const,
      (e: Error) => e.message,
    );
    expect(await within(stopped, 3_000)).toBe('done');
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(1_450); // 2 s minus the 500 ms kept for leaving
    expect(ms).toBeLessThan(2_900); // the message below names where it gave up; this bounds a stall of the test itself
    expect(await stopped).toMatch(/^final checkpoint failed: given up after 1500 ms of the 2000 ms stop deadline/);
    expect(calls).toContain('source.stop');
    expect(calls).toContain('consents.stop');
    expect(calls).not.toContain('source.commit');
  });

  it('a final checkpoint that completes commits, then leaves', async () => {
    const { det, calls } = detector({ caughtUp: Promise.resolve() });
    await det.start();
    await expect(det.stop(2_000)).resolves.toBeUndefined();
    expect(calls.indexOf('source.commit')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('source.commit')).toBeLessThan(calls.indexOf('source.stop'));
  });
});

describe('Detector with a consents reader that fails for good after the start', () => {
  it('reports failed at once (readyz, metric), judges no more input and fails, so that main.ts stops it with exit 1', async () => {
    let fail!: (e: Error) => void;
    const { det, calls, deps } = detector({ caughtUp: Promise.resolve(), consentsFailed: new Promise<Error>((r) => (fail = r)) });
    await det.start();
    expect(det.readiness()).toMatchObject({ status: 'starting', checks: { consents: true } }); // consents read; no partition assigned by the fake group
    const gauge = async () => (await deps.metrics.consentsCurrent.get()).values[0]?.value;
    expect(await gauge()).toBe(1);
    let failure: Error | undefined;
    void det.failed.then((e) => (failure = e));
    fail(new Error('consents reader failed and will not restart: The group member\'s supported protocols are incompatible'));
    await new Promise((r) => setTimeout(r, 20));
    expect(failure?.message).toMatch(/^consents reader failed: consents reader failed and will not restart/);
    const r = det.readiness();
    expect(r).toMatchObject({ ready: false, status: 'failed', checks: { consents: false } });
    expect(r.error).toMatch(/^consents no longer kept current: /);
    expect(await gauge()).toBe(0);
    // The stop that follows (main.ts) still makes a final checkpoint and leaves; /readyz keeps saying failed meanwhile.
    await det.halt();
    expect(det.readiness().status).toBe('failed');
    await expect(det.stop(2_000)).resolves.toBeUndefined();
    expect(calls).toEqual(expect.arrayContaining(['source.commit', 'source.stop', 'consents.stop']));
  });

  it('a failure during a stop changes nothing (the stop goes on as it was)', async () => {
    let fail!: (e: Error) => void;
    const { det } = detector({ caughtUp: Promise.resolve(), consentsFailed: new Promise<Error>((r) => (fail = r)) });
    await det.start();
    await det.halt();
    let failed = false;
    void det.failed.then(() => (failed = true));
    fail(new Error('gone'));
    await new Promise((r) => setTimeout(r, 20));
    expect(failed).toBe(false);
    expect(det.readiness().status).toBe('stopping');
    // ... but /readyz's consents check says what the metric says: the consents are no longer kept current.
    expect(det.readiness().checks.consents).toBe(false);
  });
});

describe('Detector readiness while an output keeps failing', () => {
  /** A started, assigned detector (an empty assignment: ready with nothing to read), checkpoints every 20 ms and an output grace of `graceMs` (1 s). */
  async function started(o: { send?: () => Promise<void>; write?: () => Promise<void> }, graceMs = 1_000) {
    const d = detector({ caughtUp: Promise.resolve(), env: { CALLGUARD_DETECTOR_FLUSH_MS: '20', CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: String(graceMs) }, ...o });
    await d.det.start();
    d.deps.source.events$.next({ type: 'assigned', assignment: {}, done: () => {} });
    await waitUntil(() => d.det.readiness().status === 'ready', 'ready');
    return d;
  }
  const errors = async (m: DetectorMetrics, sink: string) => (await m.sinkErrors.get()).values.find((v) => v.labels.sink === sink)?.value ?? 0;
  const failingGauge = async (m: DetectorMetrics, sink: string) => (await m.sinkFailing.get()).values.find((v) => v.labels.sink === sink)?.value;

  it.each([
    ['kafka', 'kafkaOutput', /^Kafka output \(flags, DLQ\) failing for \d+ s \(produce DLQ records; retried, nothing committed meanwhile\): Broker refused the write$/, 'send'],
    ['clickhouse', 'clickhouseOutput', /^ClickHouse output failing for \d+ s \(write ClickHouse rows; retried, nothing committed meanwhile\): connect ECONNREFUSED 127\.0\.0\.1:8123$/, 'write'],
  ] as const)('%s: still ready within the grace, degraded after it naming the output and its error, ready again once the writes go through', async (sink, check, error, which) => {
    let fail = false;
    const refuse = async () => {
      if (fail) throw new Error(sink === 'kafka' ? 'Broker refused the write' : 'connect ECONNREFUSED 127.0.0.1:8123');
    };
    // A grace of 2 s: the check within it, 300 ms in, has 1.7 s of slack on a busy machine.
    const { det, calls, deps } = await started({ [which]: refuse }, 2_000);
    expect(det.readiness()).toMatchObject({ ready: true, status: 'ready', checks: { kafkaOutput: true, clickhouseOutput: true } });
    fail = true;
    const failingSince = Date.now();
    await waitUntil(async () => (await errors(deps.metrics, sink)) > 0, 'the first failure');
    const commits = calls.filter((c) => c === 'source.commit').length;
    // Within the grace: a passing hiccup is not reported.
    await new Promise((r) => setTimeout(r, 300));
    expect(Date.now() - failingSince).toBeLessThan(2_000);
    expect(det.readiness()).toMatchObject({ ready: true, status: 'ready', checks: { [check]: true } });
    // Past it: degraded, with the output, how long and the last error.
    await waitUntil(() => det.readiness().status === 'degraded', 'degraded', 5_000);
    expect(Date.now() - failingSince).toBeGreaterThanOrEqual(2_000);
    const r = det.readiness();
    expect(r).toMatchObject({ ready: false, status: 'degraded', checks: { [check]: false, redis: true, clickhouse: true } });
    expect(r.error).toMatch(error);
    await waitUntil(async () => (await failingGauge(deps.metrics, sink)) === 1, 'the gauge at 1');
    expect(calls.filter((c) => c === 'source.commit').length).toBe(commits); // nothing committed meanwhile
    // The writes go through again: ready by itself, the gauge back to 0, commits again.
    fail = false;
    await waitUntil(() => det.readiness().status === 'ready', 'ready again', 8_000);
    expect(det.readiness()).toMatchObject({ ready: true, checks: { kafkaOutput: true, clickhouseOutput: true } });
    expect(det.readiness().error).toBeUndefined();
    await waitUntil(async () => (await failingGauge(deps.metrics, sink)) === 0, 'the gauge at 0');
    await waitUntil(() => calls.filter((c) => c === 'source.commit').length > commits, 'a commit');
    await det.stop(2_000);
  }, 20_000);

  it('a permanent ClickHouse error stays blocked past the grace, not degraded', async () => {
    let fail = false;
    const { det, deps } = await started({
      write: async () => {
        if (fail) throw new Error("Code: 60, e.displayText() = DB::Exception: Table callguard.flags doesn't exist., e.what() = DB::Exception");
      },
    });
    fail = true;
    await waitUntil(() => det.readiness().status === 'blocked', 'blocked');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(det.readiness()).toMatchObject({ ready: false, status: 'blocked', checks: { clickhouse: false, clickhouseOutput: false } });
    expect(det.readiness().error).toMatch(/^ClickHouse: Code: 60/);
    expect((await deps.metrics.sinkBlocked.get()).values[0]?.value).toBe(1);
    fail = false;
    await waitUntil(() => det.readiness().status === 'ready', 'ready again', 20_000); // the permanent backoff is up to 15 s
    await det.stop(2_000);
  }, 30_000);
});

/** Polls `cond` every 20 ms until it holds; fails naming `what` after `ms`. */
async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 2_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
