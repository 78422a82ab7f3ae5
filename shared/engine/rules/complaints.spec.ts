import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { complaints } from './complaints.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });
const severity = (s: Signals) => {
  const r = complaints(s, c);
  return r ? verdict([r], cfg.severity).severity : null;
};

describe('COMPLAINTS', () => {
  it('never fires on one reporter alone (a quarrel)', () => {
    expect(complaints(sig({ complaintReporters: 1, complaintWeighted: 1 }), c)).toBeNull();
  });

  it('does not fire on a stranger plus an acquaintance (1.5 weighted reporters)', () => {
    expect(complaints(sig({ complaintReporters: 2, complaintWeighted: 1.5 }), c)).toBeNull();
  });

  it('is WATCH at two distinct reporters, with the contract fields', () => {
    expect(complaints(sig({ complaintReporters: 2, complaintWeighted: 2, complaintLatestAt: 7_000 }), c)).toEqual({
      rule: 'COMPLAINTS',
      window: '30d',
      value: 2,
      threshold: 2,
      points: 35,
      newestAt: 7_000,
    });
    expect(severity(sig({ complaintReporters: 2, complaintWeighted: 2 }))).toBe('WATCH');
  });

  it('is LABEL at three distinct reporters', () => {
    expect(complaints(sig({ complaintReporters: 3, complaintWeighted: 3 }), c)?.points).toBe(50);
    expect(severity(sig({ complaintReporters: 3, complaintWeighted: 3 }))).toBe('LABEL');
  });

  it('rises 15 points a reporter and caps at 80; alone it stays a LABEL', () => {
    expect(complaints(sig({ complaintReporters: 4, complaintWeighted: 4 }), c)?.points).toBe(65);
    expect(complaints(sig({ complaintReporters: 40, complaintWeighted: 40 }), c)?.points).toBe(80);
    expect(severity(sig({ complaintReporters: 40, complaintWeighted: 40 }))).toBe('LABEL');
  });

  it('reports the weighted count as its value', () => {
    expect(complaints(sig({ complaintReporters: 3, complaintWeighted: 2.5 }), c)?.value).toBe(2.5);
  });

  it('is no evidence where the number reaches so many strangers that its reporters are the background (1 in 1,000)', () => {
    // A courier: 80 strangers a day, three reporters over 20 days (≈ 1,680 reached, 1.7 expected by chance).
    const courier = sig({ complaintReporters: 3, complaintWeighted: 3, newStrangers24h: 80, complaintSpanMs: 20 * 86_400_000 });
    expect(complaints(courier, c)).toBeNull();
    // Two strangers a day: the same three reporters are far beyond the background.
    expect(complaints({ ...courier, newStrangers24h: 2 }, c)?.points).toBe(50);
    // Ten reporters are beyond the courier's background too.
    expect(complaints({ ...courier, complaintReporters: 10, complaintWeighted: 10 }, c)).not.toBeNull();
    // A stricter background makes the courier's three reporters evidence.
    expect(complaints(courier, { ...c, complaints: { ...c.complaints, benignRate: 0.0001 } })).not.toBeNull();
  });

  it('counts every callee in the reach, not only strangers: a consented call centre\'s customers complain about any caller too', () => {
    // 400 consented customers a day (no stranger among them), three reporters over two days: 1.2 expected by chance.
    const centre = sig({ complaintReporters: 3, complaintWeighted: 3, newStrangers24h: 0, newCallees24h: 400, complaintSpanMs: 2 * 86_400_000 });
    expect(complaints(centre, c)).toBeNull();
    // Eight reporters are beyond that background.
    expect(complaints({ ...centre, complaintReporters: 8, complaintWeighted: 8 }, c)?.context).toBeUndefined();
    // A line reaching five people a day is judged on its reporters.
    expect(complaints({ ...centre, newCallees24h: 5 }, c)?.points).toBe(50);
  });

  it('is context, not evidence, between the two tails: a WATCH alone, never a LABEL nor a rule towards BLOCK_RECOMMENDED', () => {
    // 400 people reached (0.4 expected): three reporters are a 0.79 % tail (within alpha 1 %, beyond evidenceAlpha 0.1 %).
    const line = sig({ complaintReporters: 3, complaintWeighted: 3, newStrangers24h: 0, newCallees24h: 400 });
    const r = complaints(line, c)!;
    expect(r).toMatchObject({ rule: 'COMPLAINTS', points: 50, context: true });
    expect(verdict([r], cfg.severity).severity).toBe('WATCH');
    // Four are a 0.078 % tail: evidence, a LABEL on their own.
    const four = complaints({ ...line, complaintReporters: 4, complaintWeighted: 4 }, c)!;
    expect(four.context).toBeUndefined();
    expect(verdict([four], cfg.severity).severity).toBe('LABEL');
    // Two reporters about a line reaching 5 strangers a day for 18 days (0.095 expected, a 0.44 % tail): a WATCH.
    const small = sig({ complaintReporters: 2, complaintWeighted: 2, newStrangers24h: 5, newCallees24h: 5, complaintSpanMs: 18 * 86_400_000 });
    expect(verdict([complaints(small, c)!], cfg.severity).severity).toBe('WATCH');
    // Both tails are the config's.
    expect(complaints(line, { ...c, complaints: { ...c.complaints, evidenceAlpha: 0.01 } })?.context).toBeUndefined();
    expect(complaints(line, { ...c, complaints: { ...c.complaints, alpha: 0.005, evidenceAlpha: 0.001 } })).toBeNull();
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, complaints: { ...c.complaints, distinctReporters: 5 } };
    expect(complaints(sig({ complaintReporters: 4, complaintWeighted: 4 }), custom)).toBeNull();
    expect(complaints(sig({ complaintReporters: 5, complaintWeighted: 5 }), custom)?.threshold).toBe(5);
  });
});
