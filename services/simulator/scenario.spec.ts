import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, loadScenario, ScenarioError } from './scenario.ts';

describe('scenarios', () => {
  it('loads the built-in scenarios and applies overrides', () => {
    expect(loadScenario('default').populations.subscribers.count).toBeGreaterThan(1000);
    expect(loadScenario('large').scale).toBe(10);
    const adv = loadScenario('adversarial', { hours: 12, scale: 0.5 });
    expect(adv.hours).toBe(12);
    expect(adv.scale).toBe(0.5);
    // Inherited from default, overridden where adversarial says so.
    expect(adv.populations.snowshoe.rotationHours).toEqual([4, 8]);
    expect(adv.populations.institutions).toEqual(loadScenario('default').populations.institutions);
  });

  it('reports every problem of a bad scenario at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callguard-scn-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(
        file,
        JSON.stringify({
          extends: 'default',
          hours: -1,
          populations: { couriers: { strangersPerDay: [120, 40] }, telemarketers: { answerRate: [0.1, 2], rhythm: 'never' } },
        }),
      );
      let err: unknown;
      try {
        loadScenario(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      const msg = (err as Error).message;
      expect(msg).toContain('hours');
      expect(msg).toContain('strangersPerDay');
      expect(msg).toContain('answerRate');
      expect(msg).toContain('rhythm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly on a missing file', () => {
    expect(() => loadScenario('./no/such/scenario.json')).toThrow(/cannot read scenario/);
  });

  it('merges objects key by key and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });
});
