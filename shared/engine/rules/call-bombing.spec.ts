import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { callBombing } from './call-bombing.ts';
import { rejectionRepeat } from './rejection-repeat.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('CALL_BOMBING', () => {
  it('is silent below the attempts threshold', () => {
    expect(callBombing(sig({ bombingMax: 7 }), c)).toBeNull();
  });

  it('is a LABEL at exactly the threshold, with the contract fields', () => {
    const r = callBombing(sig({ bombingMax: 8 }), c);
    expect(r).toEqual({ rule: 'CALL_BOMBING', window: '1h', value: 8, threshold: 8, points: 55 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('rises to 75 points at 3× the threshold and stops there', () => {
    expect(callBombing(sig({ bombingMax: 16 }), c)?.points).toBeCloseTo(65, 6);
    expect(callBombing(sig({ bombingMax: 24 }), c)?.points).toBe(75);
    expect(callBombing(sig({ bombingMax: 500 }), c)?.points).toBe(75);
  });

  it('alone never reaches BLOCK_RECOMMENDED, however many attempts', () => {
    expect(verdict([callBombing(sig({ bombingMax: 500 }), c)!], cfg.severity).severity).toBe('LABEL');
  });

  it('restates REJECTION_REPEAT when both runs are one callee\'s: not a second rule towards BLOCK_RECOMMENDED', () => {
    const r = callBombing(sig({ bombingMax: 12, bombingOneCallee: true, rejectionRepeatMax: 9 }), c);
    expect(r?.restates).toBe(true);
    const refusal = rejectionRepeat(sig({ rejectionRepeatMax: 9 }), c)!;
    expect(verdict([r!, refusal], cfg.severity)).toEqual({ score: 100, severity: 'LABEL' });
    const twoCallees = callBombing(sig({ bombingMax: 12, bombingOneCallee: false, rejectionRepeatMax: 9 }), c)!;
    expect(verdict([twoCallees, refusal], cfg.severity).severity).toBe('BLOCK_RECOMMENDED');
  });

  it('is evidence of its own when REJECTION_REPEAT does not speak, one callee or not', () => {
    expect(callBombing(sig({ bombingMax: 12, bombingOneCallee: true, rejectionRepeatMax: c.rejectionRepeat.repeats - 1 }), c)?.restates).toBeUndefined();
  });

  it('does not read total volume (many calls at many callees are not bombing)', () => {
    expect(callBombing(sig({ calls1h: 500, calls24h: 5000, bombingMax: 3 }), c)).toBeNull();
  });

  it('reads its threshold from the config', () => {
    const custom = { ...c, callBombing: { attempts: 20, windowMs: 3_600_000 } };
    expect(callBombing(sig({ bombingMax: 19 }), custom)).toBeNull();
    expect(callBombing(sig({ bombingMax: 20 }), custom)?.threshold).toBe(20);
  });
});
