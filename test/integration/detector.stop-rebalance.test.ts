/**
 * A stop the group has already moved past, before any other detector took
 * the partitions' ownership fences: detector a is frozen (SIGSTOP)
 * mid-stream while a plain consumer of the group joins (it takes no fence
 * and processes nothing); the group waits for a, drops it when its session
 * times out and gives the consumer every partition. a is then told to stop
 * (SIGTERM) and thawed: its final checkpoint's outputs go out and are
 * marked, and its offset commit is refused by the group (a's generation is
 * over). With its marks and final snapshots stored, that is a hand-over,
 * not a failure: a exits 0 and logs the refusal. Once the consumer has left, detector b goes on from a's final
 * snapshot, and the flags topic holds exactly replay's flags once each,
 * with exact ClickHouse totals. (Before, the refused commit made the stop
 * exit 1: detector.rebalance saw it once, when a SIGTERM met a rebalance.
 * Against another detector the ownership fence usually decides first: a's
 * marks are refused, so it commits nothing and the group has nothing to
 * refuse.)
 */
import { describe, expect, it } from 'vitest';
import { CoPartitionedAssigner } from '../../services/detector/kafka/assigner.ts';
import { byId, clickhouseTotals, committedCount, MID_STREAM_ENV, readFlags, replayTotals, waitForCommitted, waitForLog } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';
import { waitFor } from './helpers/wait.ts';

const PARTITIONS = 4;
// Per-partition results, and small fetches and frequent checkpoints: a is mid-stream when it is frozen.
const ENV = MID_STREAM_ENV;

const sc = scenarioSuite({ partitions: PARTITIONS, seed: 43, scale: 0.25, hours: 8, partitioned: true }, { timeoutMs: 300_000 });

describe('a detector stopped after the group moved its partitions on', () => {
  it('exits 0 with the refused commit logged, and the next owner still makes exactly the flags of one, with exact totals', async () => {
    const { f, s, expected } = sc;
    expect(expected.length).toBeGreaterThan(50);
    const a = sc.start(ENV);
    await a.port();
    await waitFor(async () => (await committedCount(f)) >= s.calls.length * 0.1, { what: '10% of the calls committed', timeoutMs: 120_000, intervalMs: 50 });
    expect(await committedCount(f)).toBeLessThan(s.calls.length);

    a.proc.kill('SIGSTOP');
    // A member of the group that reads nothing and commits nothing: the group waits for a to rejoin, drops it after
    // its session timeout (30 s) and gives this one every partition. It heartbeats slowly, so that a's rejoin after
    // the thaw waits up to 15 s for it: a's final commit comes well before a new generation with a in it, whatever
    // a's first seconds after the thaw cost (sockets found closed, timed-out requests).
    const other = f.kafka.consumer({
      groupId: f.group,
      partitionAssigners: [CoPartitionedAssigner],
      allowAutoTopicCreation: false,
      heartbeatInterval: 15_000,
      sessionTimeout: 45_000,
    });
    let owned = 0;
    other.on(other.events.GROUP_JOIN, ({ payload }) => {
      owned = (payload.memberAssignment[f.topics.calls] ?? []).length;
      other.pause([{ topic: f.topics.calls }, { topic: f.topics.complaints }]);
    });
    try {
      await other.connect();
      await other.subscribe({ topics: [f.topics.calls, f.topics.complaints] });
      await other.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
      await waitFor(() => owned === PARTITIONS, { what: 'the other member to own every partition', timeoutMs: 120_000 });

      const exit = a.exited;
      a.proc.kill('SIGTERM'); // delivered once it is thawed
      a.proc.kill('SIGCONT');
      const code = await exit;
      if (code !== 0) console.error(`a's stop ended with ${code}; last log lines:\n${a.logs.slice(-40).map((l) => JSON.stringify(l)).join('\n')}`);
      expect(code).toBe(0);
      await waitForLog(a, (l) => typeof l.msg === 'string' && l.msg.startsWith('final offset commit refused by the group'), 'the refused final commit');
    } finally {
      await other.disconnect();
    }

    const b = sc.start(ENV);
    await waitForCommitted(f, 240_000);
    const flags = await readFlags(f);
    const ids = flags.map((x) => x.flagId);
    expect(ids.length - new Set(ids).size).toBe(0); // no flagId twice on the topic
    expect(byId(flags)).toEqual(byId(expected)); // none lost, none different
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));
    expect(await b.stop()).toBe(0);
  }, 600_000);
});
