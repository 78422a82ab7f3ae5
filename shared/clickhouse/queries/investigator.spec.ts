/**
 * The arithmetic the console's queries do on ClickHouse's answers, with a stand-in client returning fixed rows
 * (the SQL itself runs against ClickHouse in test/integration/investigator.api.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '../client.ts';
import { investigatorQueries } from './investigator.ts';

const H = 3_600_000;
const HOUR = Date.UTC(2026, 10, 30, 16);

/** Queries over a client whose every query answers `row`. */
const over = (row: Record<string, unknown>) => investigatorQueries({ query: async () => [row] } as unknown as ClickHouse, 'callguard');

describe('dataClock', () => {
  it('on a live system is now, not the end of the traffic hour still under way (found by a review: "24h" missed its oldest hour)', async () => {
    const now = HOUR + 56 * 60_000;
    const q = over({ last_flag_ms: String(now - 24 * H + 2 * 60_000), last_hour_s: HOUR / 1000 });
    expect(await q.dataClock(now)).toBe(now);
  });

  it('on a database whose traffic ended (seeded, replayed) is the end of its newest traffic hour, or its newest flag when later', async () => {
    const later = HOUR + 30 * 24 * H;
    expect(await over({ last_flag_ms: String(HOUR + 10 * 60_000), last_hour_s: HOUR / 1000 }).dataClock(later)).toBe(HOUR + H);
    expect(await over({ last_flag_ms: String(HOUR + 2 * H), last_hour_s: HOUR / 1000 }).dataClock(later)).toBe(HOUR + 2 * H);
  });
});
