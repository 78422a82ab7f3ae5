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

  it('granted, revoked, granted again: the first grant still covers its own time, the gap stays uncovered', () => {
    // Replay reads every consent before any call, so all three records are in before the calls are judged.
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, null);
    s.put(LINE, CALLEE, T, T + 1000);
    s.put(LINE, CALLEE, T + 5000, null);
    expect(s.has(LINE, CALLEE, T + 500)).toBe(true);
    expect(s.has(LINE, CALLEE, T + 1000)).toBe(false);
    expect(s.has(LINE, CALLEE, T + 4999)).toBe(false);
    expect(s.has(LINE, CALLEE, T + 5000)).toBe(true);
    expect(s.size).toBe(1);
  });

  it('does not depend on which grant is read first, and a later grant ends an earlier one left open', () => {
    const a = new ConsentStore();
    a.put(LINE, CALLEE, T + 5000, T + 8000);
    a.put(LINE, CALLEE, T, null); // an older grant, never revoked on record, read last
    const b = new ConsentStore();
    b.put(LINE, CALLEE, T, null);
    b.put(LINE, CALLEE, T + 5000, T + 8000);
    for (const s of [a, b]) {
      expect(s.has(LINE, CALLEE, T + 100)).toBe(true);
      expect(s.has(LINE, CALLEE, T + 6000)).toBe(true);
      // Revoked at T + 8000: the open older grant does not outlive the revocation of the newer one.
      expect(s.has(LINE, CALLEE, T + 8000)).toBe(false);
    }
    expect(a.exportState().sort()).toEqual(b.exportState().sort());
  });

  it('snapshots every grant (a restored store answers the same)', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, T + 1000);
    s.put(LINE, CALLEE, T + 5000, null);
    const r = new ConsentStore();
    r.importState(s.exportState());
    for (const t of [T - 1, T, T + 999, T + 1000, T + 4999, T + 5000]) expect(r.has(LINE, CALLEE, t)).toBe(s.has(LINE, CALLEE, t));
    expect(r.exportState()).toEqual(s.exportState());
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

  it('revoked: from the revocation on, one grant or several, and never for a grant not revoked or another pair', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, T + 1000);
    expect([T - 1, T, T + 999, T + 1000, T + 5000].map((t) => s.revoked(LINE, CALLEE, t))).toEqual([false, false, false, true, true]);
    s.put(LINE, CALLEE, T + 5000, null);
    expect([T + 999, T + 1000, T + 6000].map((t) => s.revoked(LINE, CALLEE, t))).toEqual([false, true, true]);
    s.put(LINE, CALLEE + 1, T, null);
    expect(s.revoked(LINE, CALLEE + 1, T + 6000)).toBe(false);
    expect(s.revoked(LINE, CALLEE + 2, T + 6000)).toBe(false);
    expect(s.revoked(CALLEE, LINE, T + 6000)).toBe(false);
  });

  it('a consent withdrawn as if never given (the detector\'s tombstone: it ends where it begins) is no revocation', () => {
    const s = new ConsentStore();
    s.put(LINE, CALLEE, T, T);
    expect(s.revoked(LINE, CALLEE, T + 5000)).toBe(false);
    expect(s.has(LINE, CALLEE, T + 5000)).toBe(false);
    // Every grant of the pair withdrawn so: none is a revocation.
    s.put(LINE, CALLEE + 1, T, T + 1000);
    s.put(LINE, CALLEE + 1, T + 2000, null);
    s.put(LINE, CALLEE + 1, T, T);
    s.put(LINE, CALLEE + 1, T + 2000, T + 2000);
    expect(s.revoked(LINE, CALLEE + 1, T + 9000)).toBe(false);
  });
});
