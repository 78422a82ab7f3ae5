/**
 * The consents reader failing for good after the start, with the real
 * command and broker and a real non-retriable kafkajs error: the detector
 * is frozen (SIGSTOP) until the broker has expired its consents reader from
 * the reader's throw-away group (session timeout 30 s); a member whose only
 * assignor protocol the reader does not speak then takes that group; the
 * detector goes on (SIGCONT), its reader finds it is no longer a member and
 * rejoins, and the broker refuses it with INCONSISTENT_GROUP_PROTOCOL, which
 * kafkajs does not restart from. From then on no consent would reach the
 * engines. The detector must not go on judging NO_CONSENT against them: it
 * logs the failure at error level, stops gracefully (the group left: no
 * member remains) and exits 1 so that its supervisor restarts it (before,
 * the crash was only logged by kafkajs and the detector went on as ready).
 */
import { AssignerProtocol, type Consumer, type PartitionAssigner } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent, ConsentRecord } from '../../shared/contracts/records.ts';
import { committedCount, createFixture, produce, startDetector, type DetectorProcess, type Fixture } from './detector-harness.ts';
import { waitFor } from './helpers/wait.ts';

let f: Fixture;
const started: DetectorProcess[] = [];
let intruder: Consumer | null = null;

beforeAll(async () => {
  f = await createFixture(2);
}, 120_000);

afterAll(async () => {
  for (const d of started) {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGCONT');
    await d.stop('SIGKILL');
  }
  await intruder?.disconnect().catch(() => {});
  await f?.cleanup();
});

/** An assignor no other member speaks: a group holding only this member refuses the reader's JoinGroup. */
const IntruderAssigner: PartitionAssigner = () => ({
  name: 'CallguardTestIntruder',
  version: 0,
  async assign({ members }) {
    return members.map((m) => ({ memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: {}, userData: Buffer.alloc(0) }) }));
  },
  protocol({ topics }) {
    return { name: 'CallguardTestIntruder', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});

function calls(n: number): CallEvent[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const start = now - 5 * 60_000 + i * 1_000;
    return {
      eventId: `consents-crash-${now}-${i}`,
      probeId: 'probe-test',
      caller: `+86139000${String(10_100 + (i % 4))}`,
      callee: `+86138000${String(20_000 + i)}`,
      startTime: start,
      answerTime: null,
      endTime: start + 8_000,
      outcome: 'NO_ANSWER' as const,
      releaseCause: null,
      accessProvider: 'carrier-a',
    };
  });
}

const said = (d: DetectorProcess, msg: string | RegExp) => d.logs.some((l) => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
const tail = (d: DetectorProcess) => d.logs.slice(-30).map((l) => JSON.stringify(l)).join('\n');

describe('callguard detect: the consents reader fails for good after the start', () => {
  it('reports it at error level, stops gracefully with exit 1 and leaves the group', async () => {
    const consent: ConsentRecord = { caller: '+861390001010', callee: '+861380002000', grantedAt: Date.now() - 86_400_000, revokedAt: null };
    await produce(f, { consents: [consent] });
    const d = startDetector(f);
    started.push(d);
    await waitFor(() => said(d, 'detector started') || d.proc.exitCode !== null, { timeoutMs: 60_000, what: 'the detector to start' });
    expect(said(d, 'detector started'), tail(d)).toBe(true);
    await produce(f, { calls: calls(40) });
    await waitFor(async () => (await committedCount(f)) === 40 || undefined, { timeoutMs: 30_000, what: 'the calls to be committed' });

    const readerGroup = (await f.admin.listGroups()).groups.map((g) => g.groupId).find((g) => g.startsWith(`${f.group}-reader-`));
    expect(readerGroup, 'the consents reader group').toBeDefined();
    const readerMembers = async () => (await f.admin.describeGroups([readerGroup!])).groups[0]?.members ?? [];
    expect(await readerMembers()).toHaveLength(1);

    // Frozen past the reader's session timeout (30 s): the broker removes it from its group.
    d.proc.kill('SIGSTOP');
    await waitFor(async () => (await readerMembers()).length === 0 || undefined, { timeoutMs: 60_000, intervalMs: 1_000, what: 'the broker to expire the frozen reader' });
    intruder = f.kafka.consumer({ groupId: readerGroup!, partitionAssigners: [IntruderAssigner], sessionTimeout: 60_000, heartbeatInterval: 1_000 });
    await intruder.connect();
    await intruder.subscribe({ topic: f.topics.consents, fromBeginning: false });
    await intruder.run({ eachBatch: async () => {} });
    await waitFor(async () => (await readerMembers()).length === 1 || undefined, { timeoutMs: 30_000, what: 'the intruder in the reader group' });

    const t0 = Date.now();
    d.proc.kill('SIGCONT');
    const code = await Promise.race([d.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    expect(code, tail(d)).toBe(1);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const failure = d.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('consents reader failed for good: consents are no longer kept current'));
    expect(failure, tail(d)).toBeDefined();
    expect(failure!.level).toBe(50); // error
    expect(String(failure!.err)).toMatch(/reader failed and will not restart/);
    expect(said(d, 'detector failed'), tail(d)).toBe(true);
    // The graceful stop ran: a final checkpoint (done, or failed if the group was still rebalancing after the freeze).
    expect(said(d, 'final checkpoint done') || said(d, /^final checkpoint failed/), tail(d)).toBe(true);
    // Stopped gracefully: the detector's member left its group (not left to a session timeout), and nothing was
    // committed past what was made durable (here: every call, made durable before the freeze).
    expect((await f.admin.describeGroups([f.group])).groups[0]?.members ?? []).toEqual([]);
    expect(await committedCount(f)).toBe(40);
  }, 240_000);
});
