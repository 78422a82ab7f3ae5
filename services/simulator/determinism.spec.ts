import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './run.ts';
import { loadScenario } from './scenario.ts';
import { JsonlSink } from './sinks/jsonl.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runTo(seed: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-sim-'));
  dirs.push(dir);
  await runScenario(loadScenario('adversarial', { scale: 0.02, hours: 12 }), seed, new JsonlSink(dir));
  return dir;
}

describe('determinism', () => {
  it('the same seed gives identical bytes; another seed gives other bytes', async () => {
    const [a, b, c] = [await runTo(11), await runTo(11), await runTo(12)];
    for (const f of ['calls.jsonl', 'complaints.jsonl', 'consents.jsonl']) {
      const x = readFileSync(join(a, f));
      expect(x.length, f).toBeGreaterThan(0);
      expect(readFileSync(join(b, f)).equals(x), f).toBe(true);
    }
    expect(readFileSync(join(c, 'calls.jsonl')).equals(readFileSync(join(a, 'calls.jsonl')))).toBe(false);
  }, 120_000);

  it('writes one valid contract record per line', async () => {
    const [dir] = dirs;
    const lines = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trimEnd().split('\n');
    for (const l of lines.slice(0, 2000)) {
      const r = JSON.parse(l);
      expect(Object.keys(r)).toEqual(['eventId', 'probeId', 'caller', 'callee', 'startTime', 'answerTime', 'endTime', 'outcome', 'releaseCause', 'accessProvider']);
      expect(r.endTime).toBeGreaterThanOrEqual(r.startTime);
    }
  });
});
