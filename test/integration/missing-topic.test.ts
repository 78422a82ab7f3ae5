/**
 * `callguard enforce` and `callguard investigate` never create a topic, run
 * as the real commands against the local stack (whose broker auto-creates
 * topics when a client asks): each topic they need that is missing fails
 * the start with exit 1 and `could not start: topic <name> does not exist`,
 * naming the option and variable that set it, and the topic still does not
 * exist afterwards. Before, the enforcer's consumer created a missing flags
 * or reviews topic and waited on it forever, and the console started and
 * would have created its reviews topic at the first decision, for nobody.
 *
 * `callguard detect` (no topic options: its topics come from
 * CALLGUARD_TOPIC_*) with its flags or DLQ topic missing fails its start
 * the same way, before reading anything: exit 1 and `detector failed` with
 * `topic <name> does not exist (set by CALLGUARD_TOPIC_…)` in its log.
 * Before, it started and consumed, and the first flag or DLQ record's send
 * was retried until the stop, holding every checkpoint and commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createFixture, startDetector, type DetectorProcess, type Fixture } from './detector-harness.ts';
import { startCommand, type CommandProcess } from './helpers/command.ts';
import { createTestTopic, deleteTestTopics, testKafka } from './helpers/kafka.ts';
import { randomTopic } from './helpers/names.ts';

let admin: Admin;
const topics: string[] = [];
/** Names of topics that must never come to exist. */
const missing: string[] = [];
const groups: string[] = [];
const started: CommandProcess[] = [];
let f: Fixture | undefined;
const detectors: DetectorProcess[] = [];

beforeAll(async () => {
  admin = testKafka('callguard-missing-topic-test').admin();
  await admin.connect();
  for (const p of ['mt-flags', 'mt-reviews', 'mt-dlq']) topics.push(await createTestTopic(admin, 1, p));
});

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const d of detectors) await d.stop('SIGKILL');
  await f?.cleanup();
  if (admin) {
    const leaked = (await admin.listTopics()).filter((t) => missing.includes(t)); // only if a test failed that way
    await deleteTestTopics(admin, [...topics, ...leaked]);
    await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  }
});

/** Runs the command to its end; expects exit 1 naming `topic` as missing, then that the topic still does not exist. */
async function failsNaming(p: CommandProcess, topic: string, setBy: RegExp): Promise<void> {
  started.push(p);
  const r = await p.exit(30_000);
  expect(r, p.stderr().slice(-2000)).not.toBe('hung');
  expect(r).toMatchObject({ code: 1, signal: null });
  expect(p.stderr()).toContain(`could not start: topic ${topic} does not exist`);
  expect(p.stderr()).toMatch(setBy);
  expect(await admin.listTopics()).not.toContain(topic);
}

describe('a missing topic fails the start, and is not created', () => {
  it.each([
    ['flags', 0, /--flags-topic or CALLGUARD_TOPIC_FLAGS/],
    ['reviews', 1, /--reviews-topic or CALLGUARD_TOPIC_REVIEWS/],
    ['DLQ', 2, /--dlq-topic or CALLGUARD_TOPIC_DLQ/],
  ] as const)('callguard enforce, its %s topic missing', async (_which, index, setBy) => {
    const absent = randomTopic('mt-absent');
    missing.push(absent);
    const [flags, reviews, dlq] = topics.map((t, i) => (i === index ? absent : t));
    const group = randomTopic('mt-group');
    groups.push(group);
    const p = startCommand(['enforce', '--port', '0', '--flags-topic', flags, '--reviews-topic', reviews, '--dlq-topic', dlq, '--group', group, '--key-prefix', `callguard:test:${group}`], {
      CALLGUARD_LOG_LEVEL: 'error',
    });
    await failsNaming(p, absent, setBy);
  });

  it('callguard investigate, its reviews topic missing', async () => {
    const absent = randomTopic('mt-absent');
    missing.push(absent);
    const p = startCommand(['investigate', '--port', '0', '--reviews-topic', absent, '--key-prefix', `callguard:test:${absent}`], {
      CALLGUARD_LOG_LEVEL: 'error',
      CALLGUARD_CONSOLE_USER: 'inv',
      CALLGUARD_CONSOLE_PASSWORD: 'a long passphrase',
    });
    await failsNaming(p, absent, /--reviews-topic or CALLGUARD_TOPIC_REVIEWS/);
  });
});

describe('callguard detect: a missing output topic fails the start, before anything is read, and is not created', () => {
  it.each([
    ['flags', 'CALLGUARD_TOPIC_FLAGS'],
    ['DLQ', 'CALLGUARD_TOPIC_DLQ'],
  ] as const)('its %s topic missing', async (_which, variable) => {
    f ??= await createFixture(1); // every other topic exists
    const absent = randomTopic('mt-absent');
    missing.push(absent);
    const d = startDetector(f, { [variable]: absent, CALLGUARD_LOG_LEVEL: 'warn' });
    detectors.push(d);
    const code = await Promise.race([d.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    const tail = d.logs.slice(-20).map((l) => JSON.stringify(l)).join('\n');
    expect(code, tail).toBe(1);
    const failed = d.logs.find((l) => l.msg === 'detector failed');
    expect(failed?.err, tail).toBe(`topic ${absent} does not exist (set by ${variable})`);
    expect(await admin.listTopics()).not.toContain(absent);
    // The start failed before the group was joined: no offset of the input was committed.
    const offsets = await f.admin.fetchOffsets({ groupId: f.group, topics: [f.topics.calls] });
    expect(offsets.flatMap((t) => t.partitions).every((p) => p.offset === '-1')).toBe(true);
  }, 90_000);
});
