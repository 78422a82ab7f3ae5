/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**) with the
 * helpers the simulator needs. Never `Math.random`: every run is a pure
 * function of its seed. Independent streams are made with {@link Rng.fork},
 * so that the behaviour of one population does not change when another
 * population is resized.
 */

/** 32-bit FNV-1a hash of a string. */
export function hash32(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step, used to spread a seed over the generator state. */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Seeded xoshiro128** generator. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly key: number;

  /** @param seed any string or number; equal seeds give equal streams. */
  constructor(seed: string | number) {
    this.key = hash32(String(seed));
    const sm = splitmix32(this.key);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** An independent stream derived from this generator's seed and a label (not from its position). */
  fork(label: string | number): Rng {
    return new Rng(`${this.key.toString(16)}/${label}`);
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** Uniform float within a `[lo, hi]` range tuple. */
  range(r: readonly [number, number]): number {
    return this.uniform(r[0], r[1]);
  }

  /** Uniform integer within a `[lo, hi]` range tuple (inclusive). */
  intRange(r: readonly [number, number]): number {
    return this.int(Math.round(r[0]), Math.round(r[1]));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }

  /** Index drawn from non-negative weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and shape, clamped to [lo, hi]. */
  logNormal(median: number, sigma: number, lo: number, hi: number): number {
    const x = median * Math.exp(sigma * this.normal());
    return x < lo ? lo : x > hi ? hi : x;
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Poisson-distributed count with mean lambda (normal approximation above 30). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    for (;;) {
      p *= this.float();
      if (p <= l) return k;
      k++;
    }
  }

  /** In-place Fisher–Yates shuffle; returns the array. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
