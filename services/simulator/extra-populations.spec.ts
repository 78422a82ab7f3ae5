import { describe, expect, it } from 'vitest';
import { runScenario } from './run.ts';
import { extraPopulations, loadScenario, parseScenario, ScenarioError } from './scenario.ts';
import { MemorySink } from './sinks/memory.ts';

/** The default scenario, tiny, with only the populations named kept (others count 0). */
function tiny(keep: string[], extra: Record<string, unknown>, hours = 6) {
  const s = structuredClone(loadScenario('default', { scale: 1, hours })) as unknown as Record<string, unknown>;
  const pops = s.populations as Record<string, { count: number }>;
  // Populations with a count (the campaigns' neighbours have none: they follow the snowshoe campaigns).
  for (const [name, p] of Object.entries(pops)) if ('count' in p) p.count = keep.includes(name) ? Math.min(p.count, 20) : 0;
  s.publicPool = 5000;
  s.extraPopulations = extra;
  return parseScenario(s);
}

describe('extra populations', () => {
  it('are built like a built-in population under their own truth label, with overridden parameters', async () => {
    const s = tiny(['institutions'], {
      clinics: { like: 'institutions', count: 3, allowlisted: false, callsPerDay: [200, 200] },
    });
    const [clinics] = extraPopulations(s);
    expect(clinics).toMatchObject({ name: 'clinics', like: 'institutions' });
    expect((clinics.config as { talk: unknown }).talk).toEqual(s.populations.institutions.talk);
    const r = await runScenario(s, 3, new MemorySink());
    const byPop = r.truth.reduce<Record<string, number>>((m, t) => ((m[t.population] = (m[t.population] ?? 0) + 1), m), {});
    expect(byPop.clinics).toBe(3);
    expect(byPop.institutions).toBe(12);
    // Hospitals stay on the allowlist; the clinics asked not to be are not.
    expect(r.allowlist).toHaveLength(12);
    expect(r.truth.filter((t) => t.population === 'clinics').every((t) => t.nuisance === false)).toBe(true);
  });

  it('keep the built-in populations’ numbers: every caller of the run without them still calls (their draws share the stream, so the calls themselves differ)', async () => {
    const plain = tiny(['couriers', 'telemarketers'], {}, 24);
    const withExtra = tiny(['couriers', 'telemarketers'], { schools: { like: 'organisers', count: 2, groupSize: [50, 60] } }, 24);
    const a = new MemorySink();
    const b = new MemorySink();
    await runScenario(plain, 5, a);
    const rb = await runScenario(withExtra, 5, b);
    const callers = (sink: MemorySink) => new Set(sink.callKeys);
    const schools = new Set(rb.truth.filter((t) => t.population === 'schools').map((t) => t.number));
    expect(schools.size).toBe(2);
    const builtIn = [...callers(b)].filter((k) => !schools.has(k));
    expect(callers(a).size).toBeGreaterThan(0);
    for (const k of callers(a)) expect(builtIn).toContain(k);
  });

  it('are validated against the built-in population’s schema, every error with its path', () => {
    const bad = () =>
      tiny([], {
        clinics: { like: 'institutions', callsPerDay: [300, 100], allowlisted: 'no' },
        couriers: { like: 'couriers' },
      });
    expect(bad).toThrow(ScenarioError);
    try {
      bad();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/extraPopulations\.clinics\.callsPerDay/);
      expect(msg).toMatch(/extraPopulations\.clinics\.allowlisted/);
      expect(msg).toMatch(/couriers is a built-in population name/);
    }
    expect(() => tiny([], { odd: { like: 'nobody' } })).toThrow(/extraPopulations\.odd\.like/);
  });
});
