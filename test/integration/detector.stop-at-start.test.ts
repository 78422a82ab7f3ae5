/**
 * SIGTERM while the detector is still starting (consents being read, the
 * group not yet joined) stops it: it exits 0 promptly and never joins the
 * consumer group afterwards (before, the start sequence went on after the
 * stop, joined the group and kept the process alive with partitions it
 * would never process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, startDetector, type DetectorProcess, type Fixture } from './detector-harness.ts';

let f: Fixture;
const started: DetectorProcess[] = [];

beforeAll(async () => {
  f = await createFixture(2);
}, 120_000);

afterAll(async () => {
  for (const d of started) await d.stop('SIGKILL');
  await f?.cleanup();
});

describe('a stop signal during start-up', () => {
  it('ends the detector at once, exit 0, with no member left in the group', async () => {
    const det = startDetector(f);
    started.push(det);
    await det.port(); // the ops endpoint is up: the start sequence (registry, ClickHouse, consents, group) is under way
    const t0 = Date.now();
    const code = await Promise.race([det.stop('SIGTERM'), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
    expect(code, det.logs.slice(-30).map((l) => JSON.stringify(l)).join('\n')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(35_000);
    // Where the signal lands is a race: before the consents are read (the
    // start sequence ends without joining) or while the group join is in
    // flight (the join completes, then the stop leaves the group). Either
    // way the process must end promptly with 0 and leave no member behind;
    // the bug this guards against kept the process alive in the group.
    // A stop before the pipeline runs has nothing to flush and says so; once it runs, the stop ends with a final
    // checkpoint (and must, if the group was joined).
    const said = (msg: string) => det.logs.some((l) => l.msg === msg);
    const flushed = said('final checkpoint done');
    expect(flushed || said('stopped during start-up: the group was not joined, nothing to flush')).toBe(true);
    if (said('detector started')) expect(flushed).toBe(true);
    const groups = await f.admin.describeGroups([f.group]);
    expect(groups.groups[0]?.members ?? []).toEqual([]);
  }, 120_000);
});
