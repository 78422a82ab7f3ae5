import { describe, expect, it } from 'vitest';
import { ProviderNames } from './provider-names.ts';

describe('ProviderNames', () => {
  it('interns names to stable ids from 1, and 0 means none', () => {
    const p = new ProviderNames();
    expect(p.id('cmcc')).toBe(1);
    expect(p.id('cucc')).toBe(2);
    expect(p.id('cmcc')).toBe(1);
    expect(p.name(2)).toBe('cucc');
    expect(p.name(0)).toBeNull();
  });

  it('survives a snapshot round trip with the same ids', () => {
    const p = new ProviderNames();
    p.id('a');
    p.id('b');
    const q = new ProviderNames();
    q.importState(p.exportState());
    expect(q.id('b')).toBe(2);
    expect(q.id('c')).toBe(3);
    expect(q.name(1)).toBe('a');
  });

  it('keeps each id when names taking turns share a place in the cache of recent names', () => {
    const p = new ProviderNames();
    // Names of one length ending alike share a place; built at run time, so no two are the same string object.
    const names = Array.from({ length: 40 }, (_, i) => `carrier-${String(i).padStart(2, '0')}-x`);
    const ids = names.map((n) => p.id(n));
    expect(ids).toEqual(names.map((_, i) => i + 1));
    for (let round = 0; round < 3; round++) names.forEach((n, i) => expect(p.id(n.slice(0))).toBe(i + 1));
    expect(p.id(['carrier', '07', 'x'].join('-'))).toBe(8);
  });

  it('gives 0 once the 16-bit table is full', () => {
    const p = new ProviderNames();
    for (let i = 1; i < 0xffff; i++) expect(p.id(`p${i}`)).toBe(i);
    expect(p.id('one-too-many')).toBe(0);
    expect(p.id('p7')).toBe(7);
  });
});
