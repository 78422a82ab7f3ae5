import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { OutputHealth, retryWrite } from './output-health.ts';

const log = pino({ level: 'silent' });

/** A tracker with a grace of 1 s on a clock the test moves. */
function tracker() {
  const clock = { t: 1_000_000 };
  return { h: new OutputHealth(1_000, log, () => clock.t), clock };
}

describe('OutputHealth', () => {
  it('counts a write from its first failure: not overdue within the grace, overdue after it with its latest error, cleared when it goes through', () => {
    const { h, clock } = tracker();
    const w = {};
    h.failed(w, 'kafka', 'produce flags', new Error('first'));
    clock.t += 600;
    h.failed(w, 'kafka', 'produce flags', new Error('Broker: topic authorization failed'));
    expect(h.overdue('kafka')).toBeNull();
    expect(h.check()).toEqual({ kafka: false, clickhouse: false });
    clock.t += 500;
    expect(h.overdue('kafka')).toEqual({ output: 'kafka', what: 'produce flags', since: 1_000_000, error: 'Broker: topic authorization failed', holdsCommits: true });
    expect(h.overdue('clickhouse')).toBeNull();
    expect(h.check()).toEqual({ kafka: true, clickhouse: false });
    expect(OutputHealth.describe(h.overdue('kafka')!, clock.t)).toBe('Kafka output (flags, DLQ) failing for 1 s (produce flags; retried, nothing committed meanwhile): Broker: topic authorization failed');
    h.settled(w);
    expect(h.overdue('kafka')).toBeNull();
    expect(h.check()).toEqual({ kafka: false, clickhouse: false });
  });

  it('tracks writes, not the output: flags going through do not hide DLQ sends still failing', () => {
    const { h, clock } = tracker();
    const dlq = {};
    const flags = {};
    h.failed(dlq, 'kafka', 'produce DLQ records', new Error('This server does not host this topic-partition'));
    clock.t += 500;
    h.failed(flags, 'kafka', 'produce flags', new Error('timeout'));
    h.settled(flags); // the flags went through
    clock.t += 600;
    expect(h.overdue('kafka')).toMatchObject({ what: 'produce DLQ records', since: 1_000_000 });
    h.settled(dlq);
    expect(h.overdue('kafka')).toBeNull();
  });

  it('retryWrite records the failures and the recovery, and forgets a write that is given up', async () => {
    const { h, clock } = tracker();
    let fail = true;
    let seen: ReturnType<OutputHealth['overdue']> = null;
    const write = retryWrite(
      h,
      'clickhouse',
      async () => {
        if (fail) {
          clock.t += 2_000;
          throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
        }
      },
      { what: 'write ClickHouse rows', signal: new AbortController().signal, log, initialMs: 1, maxMs: 2, onError: () => (seen = h.overdue('clickhouse')) },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(h.overdue('clickhouse')).toMatchObject({ what: 'write ClickHouse rows', error: 'connect ECONNREFUSED 127.0.0.1:8123' });
    expect(seen).not.toBeNull(); // recorded before the caller's onError runs
    fail = false;
    await write;
    expect(h.overdue('clickhouse')).toBeNull();

    // A fatal error (the flag lane fenced off its partition) ends the write without a success: it no longer counts.
    let n = 0;
    const fenced = retryWrite(
      h,
      'kafka',
      async () => {
        clock.t += 2_000;
        throw new Error(n++ === 0 ? 'refused' : 'fenced');
      },
      { what: 'produce flags', signal: new AbortController().signal, log, initialMs: 1, fatal: (e) => (e as Error).message === 'fenced' },
    );
    await expect(fenced).rejects.toThrow('fenced');
    expect(h.overdue('kafka')).toBeNull();
  });
});
