import { describe, expect, it } from 'vitest';
import { storeWarnings } from './store-warnings.ts';

describe('storeWarnings', () => {
  it('logs each kind at most once per interval, then says how many it left out', () => {
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const clock = { t: 0 };
    const warn = storeWarnings({ warn: ((obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg })) as never }, 10_000, () => clock.t);
    const err = new Error('Connection is closed.');
    for (let i = 0; i < 50; i++) warn(err, 'login');
    warn(err, 'verify');
    expect(lines.map((l) => l.obj.during)).toEqual(['login', 'verify']);
    clock.t = 9_999;
    warn(err, 'login');
    expect(lines).toHaveLength(2);
    clock.t = 10_000;
    warn(err, 'login');
    expect(lines).toHaveLength(3);
    expect(lines[2].obj).toMatchObject({ during: 'login', leftOut: 50 });
    expect(lines[2].msg).toMatch(/failed logins/);
  });
});
