import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { isSwarm, swarmBombing } from './swarm-bombing.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

describe('SWARM_BOMBING', () => {
  it('is silent below the swarm size', () => {
    expect(swarmBombing(sig({ swarmCallers: 5 }), c)).toBeNull();
  });

  it('is a LABEL at exactly the swarm size, with the contract fields', () => {
    const r = swarmBombing(sig({ swarmCallers: 6 }), c);
    expect(r).toEqual({ rule: 'SWARM_BOMBING', window: '1h', value: 6, threshold: 6, points: 50 });
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('rises to 70 points at 3× the size, and alone never reaches BLOCK_RECOMMENDED', () => {
    expect(swarmBombing(sig({ swarmCallers: 12 }), c)?.points).toBeCloseTo(60, 6);
    expect(swarmBombing(sig({ swarmCallers: 200 }), c)?.points).toBe(70);
    expect(verdict([swarmBombing(sig({ swarmCallers: 200 }), c)!], cfg.severity).severity).toBe('LABEL');
  });

  it('does not read the number\'s own volume or its bombing run', () => {
    expect(swarmBombing(sig({ calls1h: 500, bombingMax: 7, strangerCalls1h: 400 }), c)).toBeNull();
  });
});

describe('isSwarm (the callee side)', () => {
  it('needs the distinct callers', () => {
    expect(isSwarm(5, 60, 0, c)).toBe(false);
    expect(isSwarm(6, 60, 0, c)).toBe(true);
  });

  it('judges the engagement by its upper bound: a handful of unanswered tries is not yet a swarm', () => {
    // 6 callers × 2 tries, nobody answered: the 99 % bound is 0.31, above 0.2.
    expect(isSwarm(6, 12, 0, c)).toBe(false);
    // 21 tries with none engaged: 0.205, still above; 22: 0.197, a swarm.
    expect(isSwarm(6, 21, 0, c)).toBe(false);
    expect(isSwarm(6, 22, 0, c)).toBe(true);
  });

  it('a callee that engages in a quarter of the tries or more is a busy line, however many retry', () => {
    expect(isSwarm(40, 120, 40, c)).toBe(false);
    expect(isSwarm(40, 120, 30, c)).toBe(false);
    expect(isSwarm(40, 120, 4, c)).toBe(true);
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, swarmBombing: { ...c.swarmBombing, callers: 10, maxEngagedShare: 0.5 } };
    expect(isSwarm(9, 60, 0, custom)).toBe(false);
    expect(isSwarm(10, 60, 20, custom)).toBe(true);
  });
});
