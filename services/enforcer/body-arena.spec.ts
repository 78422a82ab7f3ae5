import { describe, expect, it } from 'vitest';
import { LabelEntries } from './label-entries.ts';

/** A deterministic pseudo-random sequence. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const body = (n: string, v: number, pad: number) => JSON.stringify({ number: n, status: 'LABELED', v, verifiedBy: v % 7 === 0 ? '审核员' : null, pad: 'x'.repeat(pad) });

describe('BodyArena through LabelEntries', () => {
  it('returns every body exactly after heavy churn, with compaction keeping memory within about twice the live bytes', () => {
    const e = new LabelEntries();
    const truth = new Map<string, string>();
    const next = rng(42);
    for (let i = 0; i < 60_000; i++) {
      const n = `+86138${Math.floor(next() * 5000)}`;
      const r = next();
      if (r < 0.2) {
        e.delete(n);
        truth.delete(n);
      } else {
        const b = body(n, i, Math.floor(next() * (r > 0.999 ? 1_500_000 : 900)));
        e.set(n, b, Number.POSITIVE_INFINITY);
        truth.set(n, b);
      }
    }
    expect(e.size).toBe(truth.size);
    for (const [n, b] of truth) {
      const v = e.view(n, 0);
      expect(v?.body).toBe(b);
      expect(v?.bytes).toBe(Buffer.byteLength(b));
    }
    let live = 0;
    for (const b of truth.values()) live += Buffer.byteLength(b) + 8;
    expect(e.arenaBytes).toBeLessThan(2 * live + 3 * 2 ** 20 + 2 * 1_500_100);
  });

  it('keeps bodies larger than a segment', () => {
    const e = new LabelEntries();
    const big = body('+1', 1, 3 * 2 ** 20);
    e.set('+1', big, Number.POSITIVE_INFINITY);
    e.set('+2', body('+2', 2, 10), Number.POSITIVE_INFINITY);
    expect(e.json('+1', 0)).toBe(big);
    e.set('+1', body('+1', 3, 10), Number.POSITIVE_INFINITY);
    expect(e.json('+1', 0)).toBe(body('+1', 3, 10));
    expect(e.json('+2', 0)).toBe(body('+2', 2, 10));
  });
});
