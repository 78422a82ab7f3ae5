import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { rejectionRepeat } from './rejection-repeat.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });
const severity = (s: Signals) => {
  const r = rejectionRepeat(s, c);
  return r ? verdict([r], cfg.severity).severity : null;
};

describe('REJECTION_REPEAT', () => {
  it('ignores one polite redial after a rejection', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 1, rejectionRepeats24h: 1 }), c)).toBeNull();
  });

  it('ignores single redials at many callees (no one callee is pestered)', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 1, rejectionRepeats24h: 30 }), c)).toBeNull();
  });

  it('is WATCH at the threshold (2 repeats) with the contract fields', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 2, rejectionRepeats24h: 2, rejectionRepeatAt: 5_000 }), c)).toEqual({
      rule: 'REJECTION_REPEAT',
      window: '7d',
      value: 2,
      threshold: 2,
      points: 40,
      newestAt: 5_000,
    });
    expect(severity(sig({ rejectionRepeatMax: 2, rejectionRepeats24h: 2 }))).toBe('WATCH');
  });

  it('is LABEL at 3 repeats and keeps rising', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 3, rejectionRepeats24h: 3 }), c)?.points).toBe(55);
    expect(severity(sig({ rejectionRepeatMax: 3, rejectionRepeats24h: 3 }))).toBe('LABEL');
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 4, rejectionRepeats24h: 4 }), c)?.points).toBe(70);
  });

  it('scores the worst single callee only: repeats at other callees add nothing (a courier retrying refusals)', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 2, rejectionRepeats24h: 40 }), c)?.points).toBe(40);
  });

  it('caps at 85 points', () => {
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 5, rejectionRepeats24h: 5 }), c)?.points).toBe(85);
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 50, rejectionRepeats24h: 50 }), c)?.points).toBe(85);
  });

  it('alone, however many repeats, never reaches BLOCK_RECOMMENDED', () => {
    expect(severity(sig({ rejectionRepeatMax: 50, rejectionRepeats24h: 500 }))).toBe('LABEL');
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, rejectionRepeat: { ...c.rejectionRepeat, repeats: 4, memoryMs: 1000 } };
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 3, rejectionRepeats24h: 3 }), custom)).toBeNull();
    expect(rejectionRepeat(sig({ rejectionRepeatMax: 4, rejectionRepeats24h: 4 }), custom)?.threshold).toBe(4);
  });
});
