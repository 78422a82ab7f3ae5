import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../shared/config/index.ts';
import { createEngine, restoreEngine } from '../../../shared/engine/index.ts';
import { resolveLiveConfig } from './live-config.ts';

describe('resolveLiveConfig', () => {
  const base = defaultConfig();

  it('keeps the start config when there is no override', () => {
    expect(resolveLiveConfig(base, null)).toEqual({ ok: true, config: base });
  });

  it('merges an override deeply and validates it', () => {
    const r = resolveLiveConfig(base, JSON.stringify({ rules: { highFrequency: { callsPerHour: 30 } } }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config.rules.highFrequency.callsPerHour).toBe(30);
      expect(r.config.rules.highFrequency.callsPerDay).toBe(base.rules.highFrequency.callsPerDay);
      expect(r.config.allowedLatenessMs).toBe(base.allowedLatenessMs);
    }
  });

  it('reports every error at once and never half-applies', () => {
    const r = resolveLiveConfig(base, JSON.stringify({ rules: { highFrequency: { callsPerHour: -1 }, nope: {} }, timeZone: 'Mars/Base' }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.length).toBeGreaterThanOrEqual(3);
      expect(r.errors.join('\n')).toMatch(/callsPerHour/);
      expect(r.errors.join('\n')).toMatch(/timeZone/);
    }
  });

  it('refuses bad JSON, non-objects and capacity changes', () => {
    expect(resolveLiveConfig(base, '{oops')).toMatchObject({ ok: false });
    expect(resolveLiveConfig(base, '[1]')).toMatchObject({ ok: false, errors: ['(root): expected a JSON object'] });
    const r = resolveLiveConfig(base, JSON.stringify({ pairCacheEntries: 4096 }));
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.errors[0]).toMatch(/pairCacheEntries: cannot change while running/);
  });

  it('refuses a change of the swarm table size: an applied one could not be rebuilt (nor take effect on the shared table)', () => {
    // Applying a live config rebuilds every engine from its own snapshot with the new config; a snapshot's swarm
    // table cannot be restored into a table of another size, so the rebuild would throw in the work loop.
    const bigger = { ...base, swarmEntries: base.swarmEntries * 2 };
    expect(() => restoreEngine(bigger, createEngine(base).snapshot())).toThrow(/swarm table/);
    const r = resolveLiveConfig(base, JSON.stringify({ swarmEntries: base.swarmEntries * 2 }));
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.errors[0]).toMatch(/swarmEntries: cannot change while running/);
  });
});
