/**
 * A burst of malformed input lands in the DLQ, with the original key and
 * bytes and the contract headers, while the good traffic around it is
 * detected exactly as replay detects it.
 */
import { describe, expect, it } from 'vitest';
import type { CallEvent, ComplaintReport } from '../../shared/contracts/records.ts';
import { byId, clickhouseTotals, metric, ops, produce, readFlags, readTopic, replayTotals, waitForCommitted, wireFormat } from './detector-harness.ts';
import { scenarioSuite } from './detector-suite.ts';

// Nothing produced here: the test interleaves the traffic with malformed records.
const sc = scenarioSuite({ partitions: 1, seed: 5, scale: 0.1, hours: 6, produce: false }, { timeoutMs: 180_000 });

/** One malformed record and the x-error prefix it must get. */
interface Bad {
  topic: 'calls' | 'complaints';
  key: string | null;
  value: Buffer | null;
  error: RegExp;
  reason: string;
}

describe('malformed input', () => {
  it('goes to the DLQ with its bytes and headers while good traffic is detected as replay detects it', async () => {
    const { f, s, expected } = sc;
    const first = s.calls[0];
    const good = (over: Partial<CallEvent>) => ({ ...first, eventId: `bad-${Math.random()}`, ...over });
    const enc = (v: unknown) => f.registry.encode(f.ids.calls, v);
    const valid = await enc(first);
    const lastTime = Math.max(...s.calls.map((c) => c.startTime));
    const bad: Bad[] = [
      { topic: 'calls', key: 'junk', value: Buffer.from('{"not":"avro"}'), error: /^not Confluent wire format/, reason: 'undecodable' },
      { topic: 'calls', key: first.caller, value: wireFormat(987_654, valid.subarray(5)), error: /^unknown schema id 987654/, reason: 'unknown-schema' },
      { topic: 'calls', key: first.caller, value: valid.subarray(0, 12), error: /^Avro decode with schema/, reason: 'undecodable' },
      { topic: 'calls', key: first.caller, value: null, error: /^null value/, reason: 'undecodable' },
      { topic: 'calls', key: 'x', value: await enc(good({ caller: 'not a number' })), error: /^invalid: caller/, reason: 'invalid' },
      { topic: 'calls', key: first.caller, value: await enc(good({ outcome: 'ANSWERED', answerTime: first.endTime + 5_000 })), error: /^invalid: answerTime/, reason: 'invalid' },
      { topic: 'calls', key: first.caller, value: await enc(good({ startTime: Date.now() + 86_400_000 * 3, endTime: Date.now() + 86_400_000 * 3 + 1_000 })), error: /^future: startTime/, reason: 'future' },
      { topic: 'complaints', key: 'k', value: Buffer.from([0, 0, 0]), error: /^not Confluent wire format/, reason: 'undecodable' },
    ];
    // A call far behind the watermark, sent after the good traffic: late.
    const late: Bad = { topic: 'calls', key: first.caller, value: await enc(good({ startTime: lastTime - 86_400_000, endTime: lastTime - 86_400_000 + 1_000 })), error: /^late: event time/, reason: 'late' };
    // A complaint 40 days before the last call, sent after every other complaint: older than the 30-day
    // complaints window behind the watermark, so it would count for nothing (late, like a late call).
    const oldReport: ComplaintReport = { reportId: 'late-complaint', reporter: first.callee, reported: first.caller, reportTime: lastTime - 40 * 86_400_000, category: 'MARKETING', channel: null };
    const lateComplaint: Bad = {
      topic: 'complaints',
      key: first.caller,
      value: await f.registry.encode(f.ids.complaints, oldReport),
      error: /^late: event time \S+ is behind the partition watermark \S+ \(max event time minus allowed lateness\) by more than the complaints window$/,
      reason: 'late',
    };

    // Everything is in the topics before the detector starts, so that it sees calls and complaints in
    // replay's order (live, a stream that is ahead of the other is processed as it comes).
    await produce(f, { consents: s.consents });
    const third = Math.floor(s.calls.length / 3);
    const sent: Array<{ bad: Bad; offset: number }> = [];
    const sendBad = async (list: Bad[]) => {
      for (const b of list) {
        const [md] = await f.producer.send({ topic: f.topics[b.topic], acks: -1, messages: [{ key: b.key, value: b.value }] });
        sent.push({ bad: b, offset: Number(md.baseOffset) });
      }
    };
    await produce(f, { calls: s.calls.slice(0, third), complaints: s.complaints });
    await sendBad(bad.slice(0, 4));
    await produce(f, { calls: s.calls.slice(third, 2 * third) });
    await sendBad(bad.slice(4));
    await produce(f, { calls: s.calls.slice(2 * third) });
    await sendBad([late, lateComplaint]);
    const det = sc.start();
    const port = await det.port();
    await waitForCommitted(f);

    const dlq = await readTopic(f, f.topics.dlq);
    expect(dlq).toHaveLength(sent.length);
    for (const { bad: b, offset } of sent) {
      const d = dlq.find((r) => r.headers['x-source-topic'] === f.topics[b.topic] && r.headers['x-source-offset'] === String(offset));
      expect(d, `DLQ record for ${b.topic}@${offset}`).toBeDefined();
      expect(d!.headers['x-error']).toMatch(b.error);
      expect(d!.headers['x-source-partition']).toBe('0');
      expect(d!.key).toBe(b.key);
      expect(d!.value === null ? null : Buffer.from(d!.value)).toEqual(b.value);
    }

    // The good traffic around the burst: exactly replay's flags and totals.
    const flags = await readFlags(f);
    expect(byId(flags)).toEqual(byId(expected));
    expect(await clickhouseTotals(f)).toEqual(replayTotals(s, expected));

    const m = (await ops(port, '/metrics')).body;
    const byReason = (reason: string) => sent.filter((x) => x.bad.reason === reason).length;
    for (const reason of ['undecodable', 'unknown-schema', 'invalid', 'future', 'late']) {
      expect(metric(m, 'callguard_detector_dlq_total', { reason }), reason).toBe(byReason(reason));
    }
    expect(metric(m, 'callguard_detector_late_events_total', { topic: f.topics.calls })).toBe(1);
    expect(metric(m, 'callguard_detector_late_events_total', { topic: f.topics.complaints })).toBe(1);
    expect(det.proc.exitCode).toBeNull(); // still running
  });
});
