import { describe, expect, it } from 'vitest';
import { ConsentRecords } from './consent-records.ts';

const rec = (grantedAt: number, revokedAt: number | null = null) => ({ caller: '+8695500', callee: '+8613800000001', grantedAt, revokedAt });

describe('ConsentRecords', () => {
  it('keeps every grant of a pair, a revocation replacing the grant it names', () => {
    const r = new ConsentRecords();
    r.put('a|b', rec(100));
    r.put('a|b', rec(100, 200)); // revoked
    r.put('a|b', rec(500)); // granted again
    expect(r.of('a|b')).toEqual([rec(100, 200), rec(500)]);
    expect([...r.all()]).toHaveLength(2);
    expect(r.size).toBe(1);
  });

  it('keeps at most 8 grants a pair, forgetting the oldest', () => {
    const r = new ConsentRecords();
    for (let i = 0; i < 10; i++) r.put('a|b', rec(i * 10));
    expect(r.of('a|b').map((c) => c.grantedAt).sort((x, y) => x - y)).toEqual([20, 30, 40, 50, 60, 70, 80, 90]);
  });
});
