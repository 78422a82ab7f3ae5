/**
 * Dismissals at the source, end to end on the real stack: the streaming
 * detector flags a number; an investigator dismisses that flag through the
 * console's HTTP API (`callguard investigate`), which publishes the
 * ReviewDecision and writes `<prefix>:dismissed:<number>` (windowEnd); the
 * detector then emits no flag on the same evidence — neither while it keeps
 * running nor when a fresh detector re-reads every call from the beginning
 * (new consumer group, new flags topic, so its own flag marks cannot be
 * what stops it) — but does flag the number's later evidence.
 *
 * One partition, so that the detector's flags equal `callguard replay`'s on
 * the same events, which is the oracle: what the detector emits must be
 * exactly replay's flags less the dismissed number's flags on the same
 * evidence.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { FlagEvent, ReviewDecision } from '../../shared/contracts/records.ts';
import { loadInvestigatorConfig } from '../../services/investigator/config.ts';
import { startConsole, type RunningConsole } from '../../services/investigator/main.ts';
import { coveredByDismissal } from '../../services/detector/state/stores.ts';
import {
  metric,
  ops,
  prepareScenario,
  produce,
  readFlags,
  readTopic,
  replay,
  waitForCommitted,
  writeScenario,
  type Fixture,
  type PreparedScenario,
  type Scenario,
} from './detector-harness.ts';
import { waitFor } from './helpers/wait.ts';

const USER = 'inv-e2e';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let sc: PreparedScenario;
let f: Fixture;
let s: Scenario;
let oracle: FlagEvent[];
let consoleApp: RunningConsole | undefined;
let reviewsTopic: string;
let secondFlags: string;

/** The dismissed flag (A) and the number's first flag on later evidence (B). */
let A: FlagEvent;
let B: FlagEvent;
/** Event time splitting the traffic: after A was raised, before B's evidence begins. */
let split: number;

/** The detector's environment: no idle advance of event time while the test dismisses between the two parts of the traffic. */
const DETECTOR_ENV = { CALLGUARD_DETECTOR_IDLE_MS: '86400000' };

/**
 * Replay's flags on the traffic in the order the detector gets it: every
 * record before `split` (event time), then every record from it.
 */
async function replayInTwoParts(at: number): Promise<FlagEvent[]> {
  const twoParts = writeScenario({
    calls: [...s.calls.filter((c) => c.startTime < at), ...s.calls.filter((c) => c.startTime >= at)],
    complaints: [...s.complaints.filter((c) => c.reportTime < at), ...s.complaints.filter((c) => c.reportTime >= at)],
    consents: s.consents,
    allowlist: s.allowlist,
  });
  try {
    return await replay(twoParts);
  } finally {
    twoParts.cleanup();
  }
}

beforeAll(async () => {
  // Nothing produced yet: the test produces the traffic in two parts around the dismissal.
  // Seed 4 has a number labelled (QUIET_HOURS) and flagged again on later evidence. Seed 5 had such numbers only
  // through HIGH_FREQUENCY lifting a LABEL to BLOCK_RECOMMENDED, which context reasons no longer do (4d28170).
  sc = await prepareScenario({ partitions: 1, seed: 4, scale: 0.05, hours: 30, produce: false });
  ({ f, s } = sc);
  // The first number flagged at LABEL or above that replay flags again on evidence that starts after that flag's window.
  const sorted = [...sc.expected].sort((x, y) => x.detectedAt - y.detectedAt);
  for (const a of sorted) {
    if (a.severity === 'WATCH') continue;
    const b = sorted.find((x) => x.number === a.number && x.windowStart > a.windowEnd);
    if (b) {
      [A, B] = [a, b];
      break;
    }
  }
  expect(A, 'the scenario has a number flagged again on later evidence').toBeDefined();
  split = Math.floor((Math.max(A.detectedAt, A.windowEnd) + B.windowStart) / 2);
  expect(split).toBeGreaterThan(A.detectedAt);
  oracle = await replayInTwoParts(split);
  expect(oracle.map((x) => x.flagId)).toEqual(expect.arrayContaining([A.flagId, B.flagId]));

  reviewsTopic = `${f.id}.reviews`;
  secondFlags = `${f.id}.flags2`;
  await f.admin.createTopics({ waitForLeaders: true, topics: [{ topic: reviewsTopic, numPartitions: 1 }, { topic: secondFlags, numPartitions: 2 }] });
}, 180_000);

afterAll(async () => {
  for (const d of sc?.detectors ?? []) await d.stop('SIGKILL'); // before their topics go (dispose stops them too, later)
  await consoleApp?.close();
  await f?.admin.deleteTopics({ topics: [reviewsTopic, secondFlags], timeout: 10_000 }).catch(() => {});
  await sc?.dispose();
});

/**
 * Flag ids, sorted. Ids (number, severity, evidence episode) and not whole
 * flags are compared: when one input topic pauses between the two parts, a
 * complaint can be merged a little later than replay merges it, which
 * changes an evidence count but not which flags are raised.
 */
function ids(flags: FlagEvent[]): string[] {
  return flags.map((x) => x.flagId).sort();
}

/** Replay's flags less the dismissed number's flags whose evidence starts at or before the dismissed windowEnd. */
/** Replay's flags without those on A's dismissed evidence (the enforcer's rule: ending within A's window, or overlapping it without a higher severity). */
function expectedAfterDismissal(flags: FlagEvent[], keep: (fl: FlagEvent) => boolean = () => false): FlagEvent[] {
  return flags.filter((fl) => fl.number !== A.number || !coveredByDismissal(fl, A) || keep(fl));
}

describe('a dismissal taken in the console', () => {
  it('stops the detector from flagging the same evidence again on a re-read, and flags later evidence live and re-read', async () => {
    // 1. Traffic up to the split; the detector raises A.
    await produce(f, {
      consents: s.consents,
      calls: s.calls.filter((c) => c.startTime < split),
      complaints: s.complaints.filter((c) => c.reportTime < split),
    });
    const first = sc.start(DETECTOR_ENV);
    await waitForCommitted(f);
    const before = await readFlags(f);
    expect(before.map((x) => x.flagId)).toContain(A.flagId);

    // 2. The investigator dismisses A through the console's API (the flag is read from ClickHouse, where the detector wrote it).
    const config = loadInvestigatorConfig(
      { port: '0', database: f.database, reviewsTopic, keyPrefix: f.prefix },
      { ...process.env, CALLGUARD_CONSOLE_USER: USER, CALLGUARD_CONSOLE_PASSWORD: PASSWORD },
    );
    consoleApp = await startConsole(config, pino({ level: 'warn' }, pino.destination(2)));
    await waitFor(async () => (await fetch(`${consoleApp!.url}/api/flags/${A.flagId}`, { headers: { authorization: basic } })).status === 200, {
      what: 'the flag in ClickHouse, as the console sees it',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const res = await fetch(`${consoleApp.url}/api/flags/${A.flagId}/review`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'DISMISSED', note: 'checked: same evidence, not a nuisance' }),
    });
    const body = (await res.json()) as { review: ReviewDecision; warnings: string[] };
    expect(res.status).toBe(201);
    expect(body.warnings).toEqual([]);
    expect(body.review).toMatchObject({ number: A.number, flagId: A.flagId, decision: 'DISMISSED', reviewer: USER });

    // What the console wrote: the ReviewDecision on the reviews topic, and the dismissal record the detector reads.
    const published = await readTopic(f, reviewsTopic);
    expect(published).toHaveLength(1);
    expect(published[0].key).toBe(A.number);
    expect(await f.registry.decode(published[0].value!)).toMatchObject({ number: A.number, flagId: A.flagId, decision: 'DISMISSED', reviewer: USER });
    const record = await f.redis.hgetall(`${f.prefix}:dismissed:${A.number}`);
    expect(record).toMatchObject({ flagId: A.flagId, windowEnd: String(A.windowEnd), reviewer: USER });

    // 3. Later traffic reaches the same, still running detector: A's number is flagged again on evidence after A's window.
    //    (A running engine never raises A's evidence again at the same or a lower severity, so the dismissal has
    //    nothing to hold back here; what it holds back is shown by the re-read in step 4.)
    await produce(f, {
      calls: s.calls.filter((c) => c.startTime >= split),
      complaints: s.complaints.filter((c) => c.reportTime >= split),
    });
    await waitForCommitted(f);
    const live = await readFlags(f);
    expect(live.map((x) => x.flagId)).toContain(B.flagId);
    // Exact equality with replay is checked on the re-read below: traffic produced in two parts is merged live in
    // arrival order around the split, which can differ from replay's order (CI saw two extra flags once), and
    // detector.replay.test.ts covers live equality on traffic produced at once.
    expect(await first.stop('SIGTERM')).toBe(0); // a graceful stop: the final checkpoint done

    // 4. A fresh detector re-reads every call from the beginning into a new flags topic (no flag marks of its own yet):
    //    A's evidence is not flagged again, B's is, and every other number's flags come out as before.
    const fresh: Fixture = { ...f, group: `${f.id}-reread`, topics: { ...f.topics, flags: secondFlags } };
    const second = sc.start({ ...DETECTOR_ENV, CALLGUARD_DETECTOR_GROUP: fresh.group, CALLGUARD_TOPIC_FLAGS: secondFlags });
    const port = await second.port();
    await waitForCommitted(fresh);
    const reread = await readFlags(fresh);
    expect(reread.map((x) => x.flagId)).not.toContain(A.flagId);
    expect(reread.map((x) => x.flagId)).toContain(B.flagId);
    expect(reread.filter((x) => x.number === A.number).some((x) => coveredByDismissal(x, A))).toBe(false);
    expect(ids(reread)).toEqual(ids(expectedAfterDismissal(oracle)));
    const suppressed = oracle.length - expectedAfterDismissal(oracle).length;
    expect(suppressed).toBeGreaterThanOrEqual(1);
    expect(metric((await ops(port, '/metrics')).body, 'callguard_detector_flags_deduplicated_total', { how: 'dismissed' })).toBe(suppressed);
  });
});
