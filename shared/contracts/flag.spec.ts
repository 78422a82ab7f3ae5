import { describe, expect, it } from 'vitest';
import { parseFlagEvent } from './flag.ts';

const valid = {
  flagId: 'f1',
  number: '13812345678',
  severity: 'LABEL',
  score: 70,
  reasons: [{ rule: 'HIGH_FREQUENCY', window: '1h', value: 240, threshold: 60 }],
  windowStart: 1_700_000_000_000,
  windowEnd: 1_700_003_600_000,
  detectedAt: 1_700_003_600_000,
  emittedAt: 1_700_003_600_100,
  numberClass: 'MOBILE',
  accessProvider: null,
  evidence: { calls: 240 },
};

describe('parseFlagEvent', () => {
  it('accepts a valid flag and normalises its number', () => {
    const r = parseFlagEvent(valid);
    expect(r).toEqual({ ok: true, value: { ...valid, number: '+8613812345678' } });
  });

  it('keeps a rule name it does not know (the contract may add rules) and maps an unknown class to UNKNOWN', () => {
    const r = parseFlagEvent({ ...valid, reasons: [{ rule: 'NEW_RULE', window: '1d', value: 1, threshold: 1 }], numberClass: 'SATELLITE' });
    expect(r.ok && r.value.reasons[0].rule).toBe('NEW_RULE');
    expect(r.ok && r.value.numberClass).toBe('UNKNOWN');
  });

  it.each([
    [{ ...valid, number: 'abc' }, /number/],
    [{ ...valid, severity: 'BAN' }, /severity/],
    [{ ...valid, score: 101 }, /score/],
    [{ ...valid, windowEnd: 1 }, /windowEnd/],
    [{ ...valid, reasons: 'many' }, /reasons/],
    [{ ...valid, reasons: [{ rule: 'X', value: 'high', threshold: 1 }] }, /reasons\[0\]\.value/],
    [{ ...valid, evidence: { calls: 'lots' } }, /evidence\.calls/],
    [{ ...valid, flagId: '' }, /flagId/],
    [null, /record/],
  ])('refuses %j', (input, error) => {
    const r = parseFlagEvent(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});
