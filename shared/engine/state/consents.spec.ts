import { describe, expect, it } from 'vitest';
import { ConsentStore } from './consents.ts';

const T = Date.UTC(2025, 2, 3, 2);
const LINE = 8695566;
const CALLEE = 8613900000001;

describe('ConsentStore', () => {
  it('has no consent for an unknown pair', () => {
    const s = new ConsentStore();
    expect(s.has(LINE, CALLEE, T)).toBe(false);
    expect(s.isRegisteredLine(LINE)).toBe(false);
  });

  it('is live from the grant onwards, not before', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, null);
    expect(s.has(LINE, CALLEE, T - 1)).toBe(false);
    expect(s.has(LINE, CALLEE, T)).toBe(true);
    expect(s.has(LINE, CALLEE, T + 365 * 86_400_000)).toBe(true);
    expect(s.isRegisteredLine(LINE)).toBe(true);
  });

  it('granted then revoked: live up to the revocation, not from it', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, null);
    s.put(LINE, CALLEE, T, T + 3_600_000);
    expect(s.has(LINE, CALLEE, T + 3_600_000 - 1)).toBe(true);
    expect(s.has(LINE, CALLEE, T + 3_600_000)).toBe(false);
    expect(s.size).toBe(1);
  });

  it('the latest record wins: a new grant after a revocation makes it live again', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, T + 1000);
    s.put(LINE, CALLEE, T + 5000, null);
    expect(s.has(LINE, CALLEE, T + 2000)).toBe(false);
    expect(s.has(LINE, CALLEE, T + 5000)).toBe(true);
  });

  it('is directed and per pair', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, null);
    expect(s.has(CALLEE, LINE, T)).toBe(false);
    expect(s.has(LINE, CALLEE + 1, T)).toBe(false);
    expect(s.has(LINE + 1, CALLEE, T)).toBe(false);
  });

  it('counts pairs, not records', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, null);
    s.put(LINE, CALLEE, T, T + 1);
    s.put(LINE, CALLEE + 1, T, null);
    s.put(LINE + 1, CALLEE, T, null);
    expect(s.size).toBe(3);
  });
});
