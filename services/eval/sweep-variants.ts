/**
 * Holdout scenario variants for `npm run eval -- --sweep N`: each variant is
 * the default or adversarial scenario with its parameters perturbed, per
 * variant and per population, within ranges that real traffic plausibly
 * spans — population sizes and mixes, call rates ×0.3–×3, answer rates,
 * talk times, campaign sizes and rotation, the hour the run starts (so the
 * warm-up and the scored day fall differently on quiet hours), nuisance
 * rhythms, complaint rates, delivery lateness and duplicates — plus benign
 * heavy callers the built-in scenarios do not have (schools, clinics off
 * the allowlist, delivery platforms, sales reps calling consented customers
 * from mobiles, family groups). The campaigns' block neighbours, the swarms
 * of call bombers and the busy lines' customers are perturbed from streams
 * of their own (forks of the variant's), so adding them changed no other
 * draw. Pure: the same sweep seed gives the same variants.
 */
import { Rng } from '../simulator/prng.ts';
import { loadScenario, parseScenario, type Scenario } from '../simulator/scenario.ts';

/** One drawn variant: the scenario to run and what was changed, for the report. */
export interface Variant {
  index: number;
  base: 'default' | 'adversarial';
  scenario: Scenario;
  /** Short human-readable knobs, e.g. `telemarketers rate×0.42`. */
  knobs: string[];
}

/** Size of every variant (kept small so a sweep of 16 fits in a few minutes on 2 shared cores). */
export interface SweepSize {
  /** Population scale (the built-in scenarios are scale 1). */
  scale: number;
  /** Scored hours. */
  hours: number;
}

export const DEFAULT_SWEEP_SIZE: SweepSize = { scale: 0.2, hours: 24 };

/** Ranges the perturbation draws from (documented in docs/quality.md). */
export const RANGES = {
  /** Per-population count multiplier (population sizes and mix). */
  count: [0.5, 2] as const,
  /** Per-population call-rate multiplier, drawn log-uniform. */
  rate: [0.3, 3] as const,
  /** Shift of a nuisance population's answer-rate range (absolute). */
  answerShift: [-0.08, 0.1] as const,
  /** Multiplier of the ANSWERED weight of benign outcome mixes. */
  benignAnswer: [0.75, 1.15] as const,
  /** Talk-time median multiplier, log-uniform. */
  talk: [0.5, 2] as const,
  /** Complaint-rate multiplier. */
  complaints: [0, 3] as const,
  /** Swarms of call bombers: numbers per operation (floor 3) and the shift of attempts per number and burst (floor 2). */
  swarmNumbers: [0.5, 2] as const,
  swarmAttemptsShift: [-1, 1] as const,
  /** Busy lines: customers per line; shift of the retries of an unanswered customer (floor 0). The answer rate takes `benignAnswer`. */
  customers: [0.5, 2] as const,
  busyRetriesShift: [-1, 1] as const,
  /** Neighbours in campaign blocks: the busy ones' strangers a day (a handful, so a narrower multiplier), log-uniform. */
  neighbourStrangers: [0.5, 2] as const,
  /** Snowshoe block size multiplier and rotation hours (or none). */
  block: [0.5, 2] as const,
  rotationHours: [2, 12] as const,
  /** Local hour (Asia/Shanghai) at which the warm-up starts. */
  startHour: [0, 23] as const,
  /** Delivery: share delivered late, jitter seconds, duplicates. */
  lateShare: [0, 0.25] as const,
  jitterSeconds: [0, 90] as const,
  duplicateRate: [0, 0.03] as const,
  /**
   * Complaints about benign callers per answered call (half that per
   * unanswered one): the simulator's `backgroundComplaints`, up to twice the
   * 1 in 1,000 callees the engine's COMPLAINTS rule allows for.
   */
  backgroundComplaints: [0, 0.002] as const,
};

const DAY_RATE_KEYS = ['callsPerDay', 'strangersPerDay', 'callsPerHour', 'backgroundCallsPerDay', 'otherCallsPerDay'] as const;
const NUISANCE_RHYTHMS = ['business', 'dialler', 'residential', 'lure', 'evening'] as const;

type Obj = Record<string, unknown>;
type Range = [number, number];

/** Draws `n` variants from `seed`, alternating the default and adversarial bases. */
export function drawVariants(n: number, seed: number, size: SweepSize = DEFAULT_SWEEP_SIZE): Variant[] {
  const bases = { default: loadScenario('default'), adversarial: loadScenario('adversarial') };
  const out: Variant[] = [];
  for (let i = 0; i < n; i++) {
    const base = i % 2 === 0 ? 'default' : 'adversarial';
    out.push(drawVariant(bases[base], base, i, new Rng(`callguard-sweep/${seed}/${i}`), size));
  }
  return out;
}

/** A factor for the knobs' text. */
const f2 = (x: number): string => x.toFixed(2);
/** A shift for the knobs' text, with its sign. */
const signed = (k: number): string => `${k >= 0 ? '+' : ''}${k}`;

/** Scales a population's `count` by a factor drawn from `RANGES.count` (at least 1 left); returns the factor. */
function scaleCount(rng: Rng, p: Obj): number {
  const n = rng.range(RANGES.count);
  p.count = Math.max(1, Math.round((p.count as number) * n));
  return n;
}

/** Perturbs one base scenario. */
export function drawVariant(baseScenario: Scenario, base: Variant['base'], index: number, rng: Rng, size: SweepSize): Variant {
  const s = structuredClone(baseScenario) as unknown as Obj;
  const knobs: string[] = [];
  const logUniform = (r: readonly [number, number]): number => Math.exp(rng.uniform(Math.log(r[0]), Math.log(r[1])));

  s.name = `sweep-${index}-${base}`;
  s.scale = size.scale;
  s.hours = size.hours;
  const startHour = rng.int(RANGES.startHour[0], RANGES.startHour[1]);
  s.start = `2025-03-${String(2 + (index % 20)).padStart(2, '0')}T${String(startHour).padStart(2, '0')}:00:00+08:00`;
  knobs.push(`start ${startHour}:00`);
  const d = s.delivery as Obj;
  d.lateShare = rng.range(RANGES.lateShare);
  const jitter = Math.round(rng.range(RANGES.jitterSeconds));
  d.maxJitterSeconds = jitter;
  d.duplicateRate = rng.range(RANGES.duplicateRate);
  knobs.push(`late ${f2(d.lateShare as number)}×≤${jitter}s dup ${f2(d.duplicateRate as number)}`);

  const pops = s.populations as Record<string, Obj>;
  for (const [name, p] of Object.entries(pops)) {
    if (name === 'blockNeighbours' || name === 'swarmBombers' || name === 'busyLines') continue; // perturbed below, each from a stream of its own
    const nuisance = 'startHours' in p;
    const k: string[] = [];
    const countMul = name === 'subscribers' ? rng.uniform(0.7, 1.4) : rng.range(RANGES.count);
    p.count = Math.max(1, Math.round((p.count as number) * countMul));
    k.push(`n×${f2(countMul)}`);
    if (name !== 'subscribers' && name !== 'quarrels' && name !== 'callBombers' && name !== 'harassers') {
      const rate = logUniform(RANGES.rate);
      for (const key of DAY_RATE_KEYS) if (Array.isArray(p[key])) p[key] = scaleRange(p[key] as Range, rate);
      k.push(`rate×${f2(rate)}`);
    }
    if (Array.isArray(p.answerRate)) {
      const shift = rng.range(RANGES.answerShift);
      p.answerRate = (p.answerRate as Range).map((x) => clamp(x + shift, 0.02, 0.6));
      k.push(`ans${shift >= 0 ? '+' : ''}${f2(shift)}`);
    }
    for (const key of ['outcomes', 'contactOutcomes', 'strangerOutcomes'] as const) {
      const mix = p[key] as Obj | undefined;
      if (!nuisance && mix && typeof mix.ANSWERED === 'number') {
        const m = rng.range(RANGES.benignAnswer);
        mix.ANSWERED *= m;
        if (key !== 'contactOutcomes') k.push(`${key === 'strangerOutcomes' ? 'strangerAns' : 'ans'}×${f2(m)}`);
      }
    }
    if (p.talk && typeof p.talk === 'object') {
      const m = logUniform(RANGES.talk);
      const t = p.talk as Obj;
      t.median = Math.max(2, (t.median as number) * m);
      k.push(`talk×${f2(m)}`);
    }
    for (const key of ['complaintPerAnswered', 'complaintPerRejected', 'complaintChance', 'complaintPerCallback'] as const) {
      if (typeof p[key] === 'number') p[key] = Math.min(1, p[key] * rng.range(RANGES.complaints));
    }
    if (nuisance && typeof p.rhythm === 'string' && (name === 'telemarketers' || name === 'lowAndSlow') && rng.chance(0.4)) {
      const rhythm = NUISANCE_RHYTHMS[rng.int(0, NUISANCE_RHYTHMS.length - 1)];
      p.rhythm = rhythm;
      k.push(`rhythm ${rhythm}`);
    }
    if (name === 'snowshoe') {
      const b = rng.range(RANGES.block);
      p.blockSize = scaleRange(p.blockSize as Range, b).map(Math.round);
      p.rotationHours = rng.chance(0.5) ? null : ([rng.range(RANGES.rotationHours), 0] as Range);
      if (p.rotationHours) (p.rotationHours as Range)[1] = (p.rotationHours as Range)[0] * 1.5;
      k.push(`block×${f2(b)} rotation ${p.rotationHours ? f2((p.rotationHours as Range)[0]) + 'h' : 'none'}`);
    }
    knobs.push(`${name} ${k.join(' ')}`);
  }

  const extras = benignHeavyCallers(rng, base);
  s.extraPopulations = extras.populations;
  knobs.push(...extras.knobs);
  // From a fork (derived from the variant's seed, not its position), so every other draw stays as it was.
  knobs.push(perturbNeighbours(rng.fork('blockNeighbours'), pops.blockNeighbours));
  knobs.push(perturbSwarms(rng.fork('swarmBombers'), pops.swarmBombers));
  knobs.push(perturbBusyLines(rng.fork('busyLines'), pops.busyLines));
  knobs.push(perturbBackgroundComplaints(rng.fork('backgroundComplaints'), s));
  return { index, base, scenario: parseScenario(s, s.name as string), knobs };
}

/** How often benign callers are complained about (a wrong number, an annoyed customer). */
function perturbBackgroundComplaints(rng: Rng, s: Obj): string {
  const perAnswered = rng.range(RANGES.backgroundComplaints);
  s.backgroundComplaints = { perAnswered, perUnanswered: perAnswered / 2 };
  return `backgroundComplaints ${(perAnswered * 1000).toFixed(2)}‰ of answered calls`;
}

/**
 * The ordinary neighbours in the campaigns' blocks: how many per block, how
 * many of them call strangers and how often, and how often those answer.
 */
function perturbNeighbours(rng: Rng, p: Obj): string {
  const logUniform = (r: readonly [number, number]): number => Math.exp(rng.uniform(Math.log(r[0]), Math.log(r[1])));
  const n = rng.range(RANGES.count);
  p.perBlock = scaleRange(p.perBlock as Range, n).map(Math.round);
  const calls = logUniform(RANGES.rate);
  p.callsPerDay = scaleRange(p.callsPerDay as Range, calls);
  const share = rng.range(RANGES.count);
  p.busyShare = Math.min(1, (p.busyShare as number) * share);
  const busy = p.busy as Obj;
  const rate = logUniform(RANGES.neighbourStrangers);
  busy.strangersPerDay = scaleRange(busy.strangersPerDay as Range, rate);
  const ans = rng.range(RANGES.benignAnswer);
  busy.answerRate = (busy.answerRate as Range).map((x) => clamp(x * ans, 0.05, 0.95));
  const talk = logUniform(RANGES.talk);
  (busy.talk as Obj).median = Math.max(2, ((busy.talk as Obj).median as number) * talk);
  return `blockNeighbours perBlock×${f2(n)} rate×${f2(calls)} busy×${f2(share)} busyRate×${f2(rate)} busyAns×${f2(ans)} talk×${f2(talk)}`;
}

/** The swarms of call bombers: how many operations, how many numbers each, how many attempts a number makes in a burst. */
function perturbSwarms(rng: Rng, p: Obj): string {
  const n = scaleCount(rng, p);
  const numbers = rng.range(RANGES.swarmNumbers);
  p.numbersPerOperation = scaleRange(p.numbersPerOperation as Range, numbers).map((x) => Math.max(3, Math.round(x)));
  const shift = rng.int(RANGES.swarmAttemptsShift[0], RANGES.swarmAttemptsShift[1]);
  p.attemptsEach = (p.attemptsEach as Range).map((x) => Math.max(2, x + shift));
  return `swarmBombers n×${f2(n)} numbers×${f2(numbers)} attempts${signed(shift)}`;
}

/** The busy lines: how many, how many customers each, how often the line answers, how often a customer retries. */
function perturbBusyLines(rng: Rng, p: Obj): string {
  const n = scaleCount(rng, p);
  const customers = rng.range(RANGES.customers);
  p.customersPerLine = scaleRange(p.customersPerLine as Range, customers).map((x) => Math.max(1, Math.round(x)));
  const ans = rng.range(RANGES.benignAnswer);
  p.answerRate = (p.answerRate as Range).map((x) => clamp(x * ans, 0.05, 0.95));
  const shift = rng.int(RANGES.busyRetriesShift[0], RANGES.busyRetriesShift[1]);
  p.retries = (p.retries as Range).map((x) => Math.max(0, x + shift));
  return `busyLines n×${f2(n)} customers×${f2(customers)} ans×${f2(ans)} retries${signed(shift)}`;
}

/** Benign populations that call many strangers and are not in the built-in scenarios. */
function benignHeavyCallers(rng: Rng, base: Variant['base']): { populations: Obj; knobs: string[] } {
  const hard = base === 'adversarial';
  const populations: Obj = {
    schools: {
      like: 'organisers',
      count: rng.int(250, 500),
      groupSize: [rng.int(60, 120), rng.int(150, 300)],
      gapSeconds: [3, rng.int(20, 60)],
      outcomes: { ANSWERED: rng.uniform(55, 75), NO_ANSWER: 25, BUSY: 5, REJECTED: hard ? 8 : 5, FAILED: 1 },
      talk: { median: rng.uniform(25, 70), sigma: 0.6, min: 5, max: 600 },
    },
    clinics: {
      like: 'institutions',
      allowlisted: false,
      count: rng.int(150, 300),
      callsPerDay: [rng.int(40, 120), rng.int(150, 400)],
      outcomes: { ANSWERED: rng.uniform(50, 70), NO_ANSWER: 25, BUSY: 5, REJECTED: hard ? 12 : 8, FAILED: 3 },
      talk: { median: rng.uniform(30, 90), sigma: 0.6, min: 5, max: 900 },
    },
    deliveryPlatforms: {
      like: 'couriers',
      count: rng.int(300, 800),
      strangersPerDay: [rng.int(100, 200), rng.int(220, 400)],
      outcomes: { ANSWERED: rng.uniform(60, 78), NO_ANSWER: 18, BUSY: 4, REJECTED: hard ? 8 : 5, CANCELLED: 2, FAILED: 1 },
      talk: { median: rng.uniform(15, 35), sigma: 0.5, min: 8, max: 180 },
      retryUnanswered: rng.uniform(0.3, 0.8),
      maxRetries: rng.int(1, 2),
      callbackAfterMissed: rng.uniform(0.2, 0.5),
    },
    salesReps: {
      like: 'consentedCentres',
      count: rng.int(150, 300),
      kinds: { mobile: 1 },
      providers: { CMCC: 50, CUCC: 25, CTCC: 25 },
      customers: [100, 400],
      callsPerDay: [rng.int(30, 60), rng.int(80, 200)],
      outcomes: { ANSWERED: rng.uniform(40, 60), NO_ANSWER: 25, BUSY: 5, REJECTED: hard ? 20 : 12, CANCELLED: 2, FAILED: 1 },
      talk: { median: rng.uniform(40, 120), sigma: 0.7, min: 5, max: 900 },
    },
    familyGroups: {
      like: 'subscribers',
      count: rng.int(1000, 3000),
      contacts: [2, 6],
      callsPerDay: [rng.int(8, 15), rng.int(20, 40)],
      strangerShare: 0.03,
      redialAfterReject: rng.uniform(0.3, 0.7),
    },
  };
  const knobs = Object.entries(populations).map(([name, p]) => {
    const o = p as Obj;
    const ans = (o.outcomes as Obj | undefined)?.ANSWERED;
    return `${name} n=${o.count as number}${typeof ans === 'number' ? ` ans ${ans.toFixed(0)}` : ''}`;
  });
  return { populations, knobs };
}

function scaleRange(r: Range, m: number): Range {
  return [r[0] * m, r[1] * m];
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
