/**
 * The data routes' parameters, with stand-in queries (the SQL itself is
 * exercised against ClickHouse in test/integration/investigator.api.test.ts):
 * what each list accepts, what it refuses, and what reaches the queries.
 */
import { describe, expect, it } from 'vitest';
import { createAuth } from './auth.ts';
import { buildConsoleServer, type ConsoleDeps } from './server.ts';
import type { InvestigatorQueries, PeriodQuery } from '../../shared/clickhouse/queries/index.ts';

const USER = 'inv';
const PASSWORD = 'long enough pw';
const headers = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
const H = 3_600_000;
const CLOCK = Date.UTC(2026, 5, 1, 12);
const NUMBER = '+8613800000001';

function dataApp() {
  const calls: Record<string, PeriodQuery[]> = { topOffenders: [], providerRanking: [] };
  const queries = {
    dataClock: async () => CLOCK,
    topOffenders: async (q: PeriodQuery) => (calls.topOffenders.push(q), []),
    numbersTraffic: async () => [],
    providerRanking: async (q: PeriodQuery) => (calls.providerRanking.push(q), []),
    numberActivitySpan: async () => ({ firstSeen: CLOCK - 4 * H, lastSeen: CLOCK - 2 * H }),
    numberSummary: async () => ({}),
    numberSeries: async () => [],
    numberFlags: async () => [],
    numberReviews: async () => [],
  } as unknown as InvestigatorQueries;
  const unused = () => {
    throw new Error('not used by this spec');
  };
  const deps: ConsoleDeps = {
    auth: createAuth({ user: USER, password: PASSWORD, secret: Buffer.alloc(32, 1), sessionTtlMs: 3_600_000, secureCookie: false, maxFailures: 5, lockoutMs: 60_000 }),
    queries,
    reviews: { decide: unused },
    enforcement: async () => ({ view: null, dismissed: null }),
    health: async () => ({}),
    staticFiles: new Map(),
  };
  return { app: buildConsoleServer(deps), calls };
}

describe('GET /api/offenders', () => {
  it('pages with offset (passed to the query with the limit), as /api/queue does', async () => {
    const { app, calls } = dataApp();
    const r = await app.inject({ url: '/api/offenders?period=7d&limit=20&offset=40', headers });
    expect(r.statusCode).toBe(200);
    expect(calls.topOffenders).toEqual([expect.objectContaining({ limit: 20, offset: 40, minSeverity: 'LABEL' })]);
    // What the console's page sends.
    expect((await app.inject({ url: '/api/offenders?period=7d&minSeverity=LABEL&limit=100', headers })).statusCode).toBe(200);
    expect(calls.topOffenders[1]).toMatchObject({ limit: 100, offset: 0 });
    await app.close();
  });
});

describe('GET /api/providers', () => {
  it('refuses minSeverity (flagged calls are fixed at LABEL or above) with 400, and pages with offset', async () => {
    const { app, calls } = dataApp();
    const bad = await app.inject({ url: '/api/providers?period=7d&minSeverity=WATCH', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/unknown parameter "minSeverity"/) });
    expect((await app.inject({ url: '/api/providers?minSeverity=LABEL', headers })).statusCode).toBe(400);
    expect(calls.providerRanking).toEqual([]);
    const paged = await app.inject({ url: '/api/providers?period=7d&limit=5&offset=10', headers });
    expect(paged.statusCode).toBe(200);
    expect(calls.providerRanking).toEqual([expect.objectContaining({ limit: 5, offset: 10 })]);
    expect(calls.providerRanking[0]).not.toHaveProperty('minSeverity');
    // What the console's page sends.
    expect((await app.inject({ url: '/api/providers?period=7d&limit=50', headers })).statusCode).toBe(200);
    await app.close();
  });
});

describe('GET /api/numbers/{number}: the chart range', () => {
  it('is refused when inverted or empty, with one bound defaulted as with both given', async () => {
    const { app } = dataApp();
    const url = (q: string) => `/api/numbers/${encodeURIComponent(NUMBER)}?${q}`;
    // Activity CLOCK-4h … CLOCK-2h: the default range is [CLOCK-5h, CLOCK-1h).
    for (const q of ['to=1', `to=${CLOCK - 5 * H}`, `from=${CLOCK}`, `from=${CLOCK - H}`, `from=${CLOCK}&to=${CLOCK - H}`, `from=${CLOCK}&to=${CLOCK}`]) {
      const r = await app.inject({ url: url(q), headers });
      expect(r.statusCode, q).toBe(400);
      expect(r.json(), q).toEqual({ error: 'bad_request', message: expect.stringMatching(/^from must be before to/) });
    }
    const ok = await app.inject({ url: url(`to=${CLOCK - 3 * H}`), headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().range).toMatchObject({ fromMs: CLOCK - 5 * H, toMs: CLOCK - 3 * H });
    expect((await app.inject({ url: url(''), headers })).json().range).toMatchObject({ fromMs: CLOCK - 5 * H, toMs: CLOCK - H });
    await app.close();
  });
});
