/**
 * Simulated telephone numbers: allocation without collisions (mobile,
 * fixed-line, 95/96 service, 400 toll-free, international), consecutive
 * blocks for snowshoe campaigns, the public pool of callees, and the forms in
 * which a probe signals a number (E.164, national, 0086).
 */
import type { Rng } from './prng.ts';

/** Kind of number, which fixes how its national form is written. */
export type NumKind = 'mobile' | 'fixed' | 's95' | 's96' | 'toll400' | 'intl';
export const NUM_KINDS = ['mobile', 'fixed', 's95', 's96', 'toll400', 'intl'] as const;

/** How a probe writes a number. */
export type NumForm = 'e164' | 'national' | 'intl0086';

/** One simulated number and what the simulation knows about it. */
export interface Num {
  e164: string;
  kind: NumKind;
  /** Access provider through which its calls enter the network. */
  provider: string;
  /** Truth: the population it belongs to (`public` for callees that happen to call). */
  population: string;
  nuisance: boolean;
  /** Calls made so far. */
  calls: number;
  /** Event time of its first call in the scored period, or -1. */
  firstScoredCall: number;
}

/** Mobile prefixes (first three digits) by access provider. */
export const MOBILE_PREFIXES: Record<string, readonly string[]> = {
  CMCC: ['134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '178', '182', '183', '184', '187', '188', '198'],
  CUCC: ['130', '131', '132', '145', '155', '156', '166', '175', '176', '185', '186'],
  CTCC: ['133', '149', '153', '173', '177', '180', '181', '189', '191', '199'],
  'MVNO-A': ['170', '171'],
  'MVNO-B': ['162', '165', '167'],
};

/** Fixed-line area codes (without the trunk 0) with 8-digit subscriber numbers. */
const AREA_CODES = ['10', '20', '21', '22', '23', '24', '25', '27', '28', '29', '755', '571', '512', '532'];

/** Country codes used by international ring-once lures. */
const INTL_CODES = ['225', '373', '882', '881', '216', '677', '252', '423'];

const PROVIDER_OF_PREFIX = new Map<string, string>();
for (const [p, xs] of Object.entries(MOBILE_PREFIXES)) for (const x of xs) PROVIDER_OF_PREFIX.set(x, p);

/** Creates a number record with no calls yet. */
export function makeNum(e164: string, kind: NumKind, provider: string, population = 'public', nuisance = false): Num {
  return { e164, kind, provider, population, nuisance, calls: 0, firstScoredCall: -1 };
}

/** Writes a number in one of the signalled forms. International numbers are always E.164. */
export function formatNum(n: Num, form: NumForm): string {
  if (form === 'e164' || n.kind === 'intl') return n.e164;
  const rest = n.e164.slice(3);
  if (form === 'intl0086') return '0086' + rest;
  return n.kind === 'fixed' ? '0' + rest : rest;
}

/** Allocates unique numbers; every allocated E.164 string is remembered. */
export class NumberAllocator {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /** True if the number has been allocated. */
  has(e164: string): boolean {
    return this.used.has(e164);
  }

  private take(make: () => string): string {
    for (let i = 0; i < 1000; i++) {
      const s = make();
      if (!this.used.has(s)) {
        this.used.add(s);
        return s;
      }
    }
    throw new Error('number space exhausted');
  }

  /**
   * Takes a given number if it is still free (true) without drawing from the
   * allocator's stream, so that claiming numbers after every other
   * allocation leaves every other number as it was.
   */
  claim(e164: string): boolean {
    if (this.used.has(e164)) return false;
    this.used.add(e164);
    return true;
  }

  /** A mobile number of the given provider (one of {@link MOBILE_PREFIXES}). */
  mobile(provider: string): string {
    const prefixes = MOBILE_PREFIXES[provider] ?? MOBILE_PREFIXES.CMCC;
    return this.take(() => '+86' + this.rng.pick(prefixes) + digits(this.rng, 8));
  }

  /** A fixed-line number (area code + 8 digits). */
  fixed(): string {
    return this.take(() => '+86' + this.rng.pick(AREA_CODES) + String(this.rng.int(2, 8)) + digits(this.rng, 7));
  }

  /** A 95xxx(x) or 96xxx(x) service number. */
  service(kind: 's95' | 's96'): string {
    const head = kind === 's95' ? '95' : '96';
    return this.take(() => '+86' + head + digits(this.rng, this.rng.chance(0.3) ? 3 : 4));
  }

  /** A 400 toll-free number (400 + 7 digits). */
  toll400(): string {
    return this.take(() => '+86400' + String(this.rng.int(1, 9)) + digits(this.rng, 6));
  }

  /** A foreign number. */
  intl(): string {
    return this.take(() => '+' + this.rng.pick(INTL_CODES) + String(this.rng.int(1, 9)) + digits(this.rng, 7));
  }

  /** A number of the given kind; `provider` picks the mobile prefix range. */
  ofKind(kind: NumKind, provider: string): string {
    switch (kind) {
      case 'mobile':
        return this.mobile(MOBILE_PREFIXES[provider] ? provider : 'CMCC');
      case 'fixed':
        return this.fixed();
      case 's95':
      case 's96':
        return this.service(kind);
      case 'toll400':
        return this.toll400();
      case 'intl':
        return this.intl();
    }
  }

  /**
   * `size` mobile numbers of one provider, consecutive with the given stride
   * (a block of numbers bought together), none allocated before.
   */
  mobileBlock(provider: string, size: number, stride: () => number): string[] {
    const prefixes = MOBILE_PREFIXES[provider] ?? MOBILE_PREFIXES['MVNO-A'];
    for (let attempt = 0; attempt < 1000; attempt++) {
      const base = Number(this.rng.pick(prefixes) + digits(this.rng, 4) + '0000');
      const out: string[] = [];
      let n = base;
      for (let i = 0; i < size; i++) {
        out.push('+86' + String(n));
        n += stride();
      }
      if (String(n).length !== 11 || out.some((s) => this.used.has(s))) continue;
      for (const s of out) this.used.add(s);
      return out;
    }
    throw new Error('no free number block');
  }
}

/** The provider of a Chinese mobile number by its prefix, or a fixed-line carrier. */
export function providerOf(e164: string): string {
  return PROVIDER_OF_PREFIX.get(e164.slice(3, 6)) ?? 'CTCC';
}

/**
 * The public: numbers that receive calls (strangers to callers) and, now and
 * then, call back. Stored as strings; a {@link Num} is made on first use.
 */
export class PublicPool {
  private readonly numbers: string[] = [];
  private readonly nums: (Num | undefined)[] = [];

  constructor(alloc: NumberAllocator, rng: Rng, size: number) {
    const providers = ['CMCC', 'CMCC', 'CMCC', 'CUCC', 'CUCC', 'CTCC', 'CTCC', 'MVNO-A'];
    for (let i = 0; i < size; i++) {
      this.numbers.push(rng.chance(0.06) ? alloc.fixed() : alloc.mobile(rng.pick(providers)));
    }
  }

  /** Pool size. */
  get size(): number {
    return this.numbers.length;
  }

  /** A uniformly random member of the public (one shared record per number). */
  random(rng: Rng): Num {
    const i = Math.floor(rng.float() * this.numbers.length);
    let n = this.nums[i];
    if (n === undefined) {
      const e164 = this.numbers[i];
      const kind: NumKind = /^\+861[3-9]\d{9}$/.test(e164) ? 'mobile' : 'fixed';
      n = this.nums[i] = makeNum(e164, kind, kind === 'mobile' ? providerOf(e164) : 'CTCC');
    }
    return n;
  }
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}
