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
  const looked: string[] = [];
  const summaries: Array<{ n: string; fromMs: number; toMs: number }> = [];
  const series: Array<{ n: string; fromMs: number }> = [];
  const queries = {
    dataClock: async () => CLOCK,
    topOffenders: async (q: PeriodQuery) => (calls.topOffenders.push(q), []),
    numbersTraffic: async () => [],
    providerRanking: async (q: PeriodQuery) => (calls.providerRanking.push(q), []),
    numberActivitySpan: async (n: string) => (looked.push(n), { firstSeen: CLOCK - 4 * H, lastSeen: CLOCK - 2 * H }),
    numberSummary: async (n: string, fromMs: number, toMs: number) => (summaries.push({ n, fromMs, toMs }), {}),
    numberSeries: async (n: string, fromMs: number) => (series.push({ n, fromMs }), []),
    numberFlags: async () => [],
    numberReviews: async () => [],
    flagById: async (id: string) =>
      id === 'f-1' ? { flagId: 'f-1', number: NUMBER } : id === 'f-2' ? { flagId: 'f-2', number: NUMBER, windowStart: CLOCK - H + 37_177, windowEnd: CLOCK - 1_000 } : null,
  } as unknown as InvestigatorQueries;
  const decided: Array<{ flagId: string; decision: string; reviewer: string; note: string | null }> = [];
  const deps: ConsoleDeps = {
    auth: createAuth({ user: USER, password: PASSWORD, secret: Buffer.alloc(32, 1), sessionTtlMs: 3_600_000, secureCookie: false, maxFailures: 5, lockoutMs: 60_000 }),
    queries,
    reviews: {
      decide: async (flag, decision, reviewer, note) => {
        decided.push({ flagId: flag.flagId, decision, reviewer, note });
        return { review: { number: flag.number, flagId: flag.flagId, decision, reviewer, note, decidedAt: CLOCK }, warnings: [] };
      },
    },
    enforcement: async () => ({ view: null, dismissed: null }),
    health: async () => ({}),
    staticFiles: new Map(),
  };
  return { app: buildConsoleServer(deps), calls, looked, decided, summaries, series };
}

describe('GET /api/flags/{flagId}', () => {
  it('counts the calls of the evidence window from the start of its first minute (traffic is kept per minute; found by a review)', async () => {
    const { app, summaries, series } = dataApp();
    const r = await app.inject({ url: '/api/flags/f-2', headers });
    expect(r.statusCode).toBe(200);
    // The window starts 37.177 s into a minute: the minute row of its first calls starts 37.177 s earlier.
    expect(summaries).toEqual([{ n: NUMBER, fromMs: CLOCK - H, toMs: CLOCK - 1_000 + 1 }]);
    expect(series[0].fromMs % 60_000).toBe(0);
    expect(r.json().window).toEqual({ fromMs: CLOCK - H + 37_177, toMs: CLOCK - 1_000 });
    await app.close();
  });
});

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

  it('refuses an unknown parameter (a typo of from/to) with 400, before any query', async () => {
    const { app, looked } = dataApp();
    const r = await app.inject({ url: `/api/numbers/${encodeURIComponent(NUMBER)}?form=${CLOCK - 3 * H}`, headers });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: 'bad_request', message: 'querystring: unknown parameter "form"' });
    expect(looked).toEqual([]);
    await app.close();
  });
});

describe('GET /api/numbers/{number}: the number as typed', () => {
  it('takes every form shared/numbers accepts (full-width digits, plus, spaces and brackets; a leading bracket)', async () => {
    const { app, looked } = dataApp();
    const forms: Array<[string, string]> = [
      ['13812345678', '+8613812345678'],
      ['\uff0b\uff18\uff16\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18', '+8613812345678'], // ＋８６１３８１２３４５６７８
      ['\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18', '+8613812345678'], // １３８１２３４５６７８
      ['138\u30001234\u30005678', '+8613812345678'], // ideographic spaces
      ['+86\uff080\uff09\uff12\uff10\uff18\uff18\uff18\uff18\uff16\uff16\uff16\uff16', '+862088886666'], // +86（0）２０８８８８６６６６
      ['\uff0b86 138-1234-5678', '+8613812345678'],
      ['(020)8888 6666', '+862088886666'],
      ['0086 138 1234 5678', '+8613812345678'],
    ];
    for (const [raw, e164] of forms) {
      const r = await app.inject({ url: `/api/numbers/${encodeURIComponent(raw)}`, headers });
      expect(r.statusCode, raw).toBe(200);
      expect(r.json().number, raw).toBe(e164);
    }
    expect(looked).toEqual(forms.map(([, e164]) => e164));
    await app.close();
  });

  it('refuses what is not a number with 400 saying why, before any query', async () => {
    const { app, looked } = dataApp();
    for (const raw of ["' OR 1=1 --", "+8613800000001' OR '1'='1", '1; DROP TABLE flags', 'abc', '+', '12', '1'.repeat(40)]) {
      const r = await app.inject({ url: `/api/numbers/${encodeURIComponent(raw)}`, headers });
      expect(r.statusCode, raw).toBe(400);
      expect(r.json(), raw).toEqual({ error: 'bad_request', message: expect.stringMatching(/^not a phone number \(.+\): /) });
    }
    const long = await app.inject({ url: `/api/numbers/${'1'.repeat(65)}`, headers });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toMatch(/params\/number must NOT have more than 64 characters/);
    expect(looked).toEqual([]);
    await app.close();
  });
});

describe('POST /api/flags/{flagId}/review', () => {
  it('records the logged-in user as the reviewer, and the trimmed note', async () => {
    const { app, decided } = dataApp();
    const r = await app.inject({ method: 'POST', url: '/api/flags/f-1/review', headers, payload: { decision: 'DISMISSED', note: '  known caller ' } });
    expect(r.statusCode).toBe(201);
    expect(decided).toEqual([{ flagId: 'f-1', decision: 'DISMISSED', reviewer: USER, note: 'known caller' }]);
    await app.close();
  });
});
