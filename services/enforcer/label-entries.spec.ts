import { describe, expect, it } from 'vitest';
import { LabelEntries } from './label-entries.ts';

const view = (n: string, status: string, extra = '') => `{"number":"${n}","status":"${status}","label":"SUSPECTED_NUISANCE"${extra}}`;

describe('LabelEntries', () => {
  it('keeps the JSON as stored, its byte length and its status', () => {
    const e = new LabelEntries();
    e.set('+8613800000001', view('+8613800000001', 'LABELED'), Number.POSITIVE_INFINITY);
    const v = e.view('+8613800000001', 0);
    expect(v).toEqual({ body: view('+8613800000001', 'LABELED'), bytes: view('+8613800000001', 'LABELED').length, status: 'LABELED' });
    expect(e.json('+8613800000001', 0)).toBe(view('+8613800000001', 'LABELED'));
    expect(e.view('+8613800000002', 0)).toBeNull();
  });

  it('counts bytes, not characters, for non-ASCII JSON', () => {
    const e = new LabelEntries();
    const json = view('+8613800000001', 'BLOCKED', ',"verifiedBy":"张三"');
    e.set('+8613800000001', json, Number.POSITIVE_INFINITY);
    expect(e.view('+8613800000001', 0)?.bytes).toBe(Buffer.byteLength(json));
    expect(e.view('+8613800000001', 0)?.bytes).toBeGreaterThan(json.length);
  });

  it('answers unknown for a view without a known status', () => {
    const e = new LabelEntries();
    e.set('+1', '{"number":"+1"}', Number.POSITIVE_INFINITY);
    e.set('+2', view('+2', 'SOMETHING_NEW'), Number.POSITIVE_INFINITY);
    expect(e.view('+1', 0)?.status).toBe('unknown');
    expect(e.view('+2', 0)?.status).toBe('unknown');
  });

  it('drops an entry once its expiry has passed, not before', () => {
    const e = new LabelEntries();
    e.set('+8613800000001', view('+8613800000001', 'LABELED'), 1000);
    expect(e.json('+8613800000001', 1000)).not.toBeNull();
    expect(e.json('+8613800000001', 1001)).toBeNull();
    expect(e.size).toBe(0);
  });

  it('replaces, deletes, reuses slots and grows past its first arrays', () => {
    const e = new LabelEntries();
    for (let i = 0; i < 5000; i++) e.set(`+86138${i}`, view(`+86138${i}`, 'LABELED'), Number.POSITIVE_INFINITY);
    for (let i = 0; i < 5000; i += 2) e.delete(`+86138${i}`);
    for (let i = 1; i < 5000; i += 2) e.set(`+86138${i}`, view(`+86138${i}`, 'BLOCKED'), 10 + i);
    for (let i = 0; i < 2500; i++) e.set(`+86139${i}`, view(`+86139${i}`, 'DISMISSED'), Number.POSITIVE_INFINITY);
    expect(e.size).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      const v = e.view(`+86138${i}`, 0);
      if (i % 2 === 0) expect(v).toBeNull();
      else expect(v).toEqual({ body: view(`+86138${i}`, 'BLOCKED'), bytes: view(`+86138${i}`, 'BLOCKED').length, status: 'BLOCKED' });
    }
    expect(e.view('+861392499', 0)?.status).toBe('DISMISSED');
    e.clear();
    expect(e.size).toBe(0);
    expect(e.view('+861381', 0)).toBeNull();
  });
});
