/**
 * Scenario files (scenarios/*.json): the populations, their sizes and
 * behaviour, the time span and the delivery realism of a simulated run,
 * validated with zod. A scenario may `extends` another (by name or path);
 * objects are merged key by key, arrays and values replaced.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CALL_OUTCOMES, COMPLAINT_CATEGORIES } from '../../shared/contracts/records.ts';
import { NUM_KINDS } from './numbers.ts';
import { RHYTHM_NAMES, type RhythmName } from './time.ts';

/** Folder of the built-in scenarios. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

const n0 = z.number().nonnegative();
const count = z.number().int().nonnegative();
const prob = z.number().min(0).max(1);
const range = z
  .tuple([n0, n0])
  .refine((r) => r[0] <= r[1], { message: 'a range is [min, max] with min ≤ max' });
/** Names that end up in records (probe ids, providers): no characters that need escaping. */
const ident = z.string().regex(/^[A-Za-z0-9._:-]+$/, { message: 'use only letters, digits and . _ : -' });
const probRange = z
  .tuple([prob, prob])
  .refine((r) => r[0] <= r[1], { message: 'a range is [min, max] with min ≤ max' });
const weights = z.record(ident, n0).refine((w) => Object.values(w).some((x) => x > 0), {
  message: 'at least one weight must be positive',
});
const kinds = z.partialRecord(z.enum(NUM_KINDS), n0);
const mix = z.partialRecord(z.enum(CALL_OUTCOMES), n0);
const rhythm = z.enum(RHYTHM_NAMES as [RhythmName, ...RhythmName[]]);
/** Talk time in seconds: log-normal with a median, clamped. */
const talk = z.object({ median: z.number().positive(), sigma: n0, min: n0, max: n0 }).strict();
const category = z.enum(COMPLAINT_CATEGORIES);

/** Who a nuisance actor is and when it operates. */
const nuisanceBase = {
  count,
  /** Hours after the scored period starts at which an actor begins, drawn per actor. */
  startHours: range,
  /** How long an actor stays active, in hours. */
  lifetimeHours: range,
  /** Kinds of number used, by weight. */
  kinds,
  /** Access providers, by weight (mobile numbers take prefixes of the provider). */
  providers: weights,
};

/** A dialler calling strangers: the shape shared by marketers of every kind. */
const diallerBehaviour = {
  callsPerDay: range,
  rhythm,
  /** Answer probability, drawn per actor. */
  answerRate: probRange,
  /** Weights of the unanswered outcomes. */
  unanswered: mix,
  talk,
  complaintPerAnswered: prob,
  complaintPerRejected: prob,
  complaintDelayMinutes: range,
  complaintCategory: category,
  /** A missed callee calls the number back ("who called me?"). */
  callbackRate: prob,
  /** The dialler retries an unanswered callee later. */
  retryRate: prob,
  retryDelayMinutes: range,
};

const dialler = z.object({ ...nuisanceBase, ...diallerBehaviour }).strict();

const subscribers = z
  .object({
    count,
    contacts: range,
    callsPerDay: range,
    rhythm,
    strangerShare: prob,
    contactOutcomes: mix,
    strangerOutcomes: mix,
    talk,
    callbackAfterMissed: prob,
    callbackDelayMinutes: range,
    returnCallAfterAnswered: prob,
    returnDelayMinutes: range,
    redialAfterReject: prob,
    redialDelayMinutes: range,
    providers: weights,
  })
  .strict();

const couriers = z
  .object({
    count,
    strangersPerDay: range,
    rhythm,
    outcomes: mix,
    talk,
    retryUnanswered: prob,
    maxRetries: count,
    retryDelayMinutes: range,
    callbackAfterMissed: prob,
    callbackAfterAnswered: prob,
    callbackDelayMinutes: range,
    providers: weights,
  })
  .strict();

const organisers = z
  .object({
    count,
    groupSize: range,
    /** Local hour at which the evening of calls starts. */
    eventStartLocalHour: range,
    gapSeconds: range,
    outcomes: mix,
    talk,
    callbackAfterMissed: prob,
    callbackDelayMinutes: range,
    backgroundContacts: range,
    backgroundCallsPerDay: range,
    providers: weights,
  })
  .strict();

const institutions = z
  .object({
    count,
    callsPerDay: range,
    rhythm,
    outcomes: mix,
    talk,
    retryUnanswered: prob,
    retryDelayMinutes: range,
    callbackAfterMissed: prob,
    callbackDelayMinutes: range,
    providers: weights,
    /** On the allowlist (hospitals registered with the operator); false for lines nobody registered. */
    allowlisted: z.boolean().default(true),
  })
  .strict();

const consentedCentres = z
  .object({
    count,
    kinds,
    providers: weights,
    customers: range,
    callsPerDay: range,
    rhythm,
    outcomes: mix,
    talk,
    /** Share of consents revoked during the run (never called after). */
    revokedShare: prob,
    /** Share of consents granted during the run (called only after). */
    lateGrantShare: prob,
  })
  .strict();

const quarrels = z
  .object({
    count,
    historyCalls: range,
    episodeCalls: range,
    episodeGapMinutes: range,
    episodeStartLocalHour: range,
    episodeOutcomes: mix,
    talk,
    complaintAfterCalls: range,
    complaintDelayMinutes: range,
    otherCallsPerDay: range,
    providers: weights,
  })
  .strict();

const robocallers = z
  .object({
    ...nuisanceBase,
    callsPerHour: range,
    rhythm,
    runLength: range,
    /** Weights of the step between consecutive callees: 1, 2, 3, … */
    strideWeights: z.array(n0).min(1),
    answerRate: probRange,
    unanswered: mix,
    talk,
    complaintPerAnswered: prob,
    complaintDelayMinutes: range,
  })
  .strict();

const harassers = z
  .object({
    ...nuisanceBase,
    rhythm,
    victims: range,
    callsPerVictim: range,
    gapMinutes: range,
    firstOutcomes: mix,
    laterOutcomes: mix,
    talk,
    complaintChance: prob,
    complaintAfterCalls: range,
    complaintDelayMinutes: range,
  })
  .strict();

const ringOnce = z
  .object({
    ...nuisanceBase,
    callsPerHour: range,
    rhythm,
    ringSeconds: range,
    outcomes: mix,
    callbackRate: prob,
    callbackDelayMinutes: range,
    callbackTalk: talk,
    complaintPerCallback: prob,
  })
  .strict();

const callBombers = z
  .object({
    ...nuisanceBase,
    rhythm,
    bursts: range,
    attemptsPerBurst: range,
    burstMinutes: range,
    outcomes: mix,
    cancelRingSeconds: range,
    complaintChance: prob,
    complaintDelayMinutes: range,
  })
  .strict();

const unconsentedCentres = z
  .object({
    ...nuisanceBase,
    ...diallerBehaviour,
    /** Share of calls that go to the line's own (small) consented list. */
    consentedShare: prob,
    consentedCustomers: range,
  })
  .strict();

const snowshoe = z
  .object({
    /** Number of campaigns (blocks). */
    count,
    startHours: range,
    lifetimeHours: range,
    providers: weights,
    blockSize: range,
    /** Step between the block's numbers: 1 = consecutive. */
    stride: range,
    /** Null: every number works the whole campaign; else each number is active for this many hours, staggered. */
    rotationHours: range.nullable(),
    ...diallerBehaviour,
  })
  .strict();

/**
 * Ordinary people living in a snowshoe campaign's number block: numbers on
 * the campaign's access provider sharing all but the engine's last
 * `rules.campaign.blockDigits` digits with a campaign number. They behave
 * like the scenario's `subscribers` (whose parameters they take, but for
 * their contacts and calls a day), calling each other (their contacts are
 * other neighbours, of their block or another); a share of them also call several
 * strangers a day (a small shop, a job seeker). Built after every other
 * population, from streams of their own, so that adding them changes no
 * other record. Optional: the defaults below apply to scenarios without it.
 */
const blockNeighbours = z
  .object({
    /** Neighbours per campaign block, drawn per block; a density, so not multiplied by `scale`. */
    perBlock: range.default([30, 80]),
    contacts: range.default([3, 12]),
    callsPerDay: range.default([3, 12]),
    /** Share of the neighbours who also call strangers in their working hours. */
    busyShare: prob.default(0.15),
    busy: z
      .object({
        strangersPerDay: range.default([4, 12]),
        rhythm: rhythm.default('business'),
        /** Answer probability, drawn per neighbour: businesses and customers mostly pick up. */
        answerRate: probRange.default([0.45, 0.75]),
        unanswered: mix.default({ NO_ANSWER: 55, BUSY: 15, REJECTED: 20, FAILED: 10 }),
        talk: talk.default({ median: 60, sigma: 0.8, min: 5, max: 900 }),
        /** An unanswered stranger is called again later (once). */
        retryRate: prob.default(0.3),
        retryDelayMinutes: range.default([30, 180]),
        /** A missed stranger calls back (off by default: the callers would join the public population). */
        callbackRate: prob.default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * Distributed call bombing ("呼死你" services): an operation rings ONE
 * victim from many numbers leased anywhere (scattered over blocks and 1–3
 * access providers), each number a few times per burst, their attempts
 * interleaved; the victim does not engage (rings cancelled, rejected,
 * unanswered, now and then picked up and hung up within seconds). No number
 * rings the victim often enough to look like a call bomber on its own. Built
 * after every other population, from streams of its own (see
 * populations/swarmBombers.ts). Optional: the defaults below apply to
 * scenarios without it.
 */
const swarmBombers = z
  .object({
    /** Operations (each with its own numbers and victim). */
    count: count.default(20),
    startHours: range.default([0, 40]),
    lifetimeHours: range.default([1, 8]),
    /** Kinds of the leased numbers, by weight. */
    kinds: kinds.default({ mobile: 9, fixed: 1 }),
    /** Access providers by weight; an operation leases on `providersPerOperation` of them. */
    providers: weights.default({ CMCC: 25, CUCC: 15, CTCC: 15, 'MVNO-A': 25, 'MVNO-B': 20 }),
    providersPerOperation: range.default([1, 3]),
    /** Numbers of an operation, each a member of the population. */
    numbersPerOperation: range.default([6, 14]),
    rhythm: rhythm.default('residential'),
    /** Bursts per victim within the operation's active span. */
    bursts: range.default([1, 3]),
    burstMinutes: range.default([20, 50]),
    /** Least time from the end of a burst to the start of the next at the same victim (bursts never overlap). */
    burstGapMinutes: n0.default(60),
    /** Attempts of every number at the victim in a burst, at random times of the burst. */
    attemptsEach: range.default([2, 5]),
    outcomes: mix.default({ NO_ANSWER: 40, REJECTED: 25, CANCELLED: 25, BUSY: 5, ANSWERED: 5 }),
    cancelRingSeconds: range.default([2, 10]),
    /** Talk of an answered attempt: the victim picks up and hangs up. */
    talkSeconds: range.default([1, 6]),
    /** Further victims attacked later the same way with the same numbers. */
    otherVictims: range.default([0, 1]),
    /** Hours from the end of one victim's span to the start of the next one's. */
    victimGapHours: range.default([1, 12]),
    /** A victim complains (HARASSMENT) about one of the numbers. */
    complaintChance: prob.default(0.3),
    complaintDelayMinutes: range.default([10, 120]),
  })
  .strict();

/**
 * The customers of small businesses whose line is a mobile (a food stall, a
 * plumber, a second-hand seller): at the line's peak hours many distinct
 * strangers ring it, each retrying a few minutes later when it did not
 * answer — the benign twin of a swarm, told apart by the line answering a
 * good share of them. The lines are members of the public; the customers
 * are the population (benign). Built after every other population, from
 * streams of its own (see populations/busyLines.ts). Optional: the defaults
 * below apply to scenarios without it.
 */
const busyLines = z
  .object({
    /** Lines (callees from the public pool, mobiles). */
    count: count.default(100),
    customersPerLine: range.default([15, 40]),
    /** Providers of the customers' numbers (mobiles), by weight. */
    providers: weights.default({ CMCC: 55, CUCC: 22, CTCC: 20, 'MVNO-A': 2, 'MVNO-B': 1 }),
    /** Local hours (Asia/Shanghai) within which a peak can start, one range per kind of peak (lunch, evening). */
    peakHours: z.array(range).min(1).default([[11, 12.5], [17, 19]]),
    /** Peaks a day of a line (drawn per line among `peakHours`, every day the same). */
    peaksPerDay: range.default([1, 2]),
    peakMinutes: range.default([60, 120]),
    /** Share of the line's customers calling once in a peak, drawn per peak. */
    callersPerPeak: probRange.default([0.3, 0.7]),
    /** Answer probability of the line, drawn per line. */
    answerRate: probRange.default([0.35, 0.7]),
    unanswered: mix.default({ NO_ANSWER: 50, BUSY: 30, REJECTED: 12, CANCELLED: 8 }),
    /** Talk of an answered call (engaged). */
    talk: talk.default({ median: 60, sigma: 0.6, min: 20, max: 180 }),
    /** Retries of an unanswered customer (until answered), drawn per customer and peak. */
    retries: range.default([1, 3]),
    retryDelayMinutes: range.default([1, 10]),
    /** The customers' ordinary calls: contacts among the customers (of any line) and calls a day, like subscribers. */
    contacts: range.default([2, 8]),
    callsPerDay: range.default([1, 4]),
  })
  .strict();

/** Every built-in population's schema, by scenario key. */
const POPULATION_SCHEMAS = {
  subscribers,
  couriers,
  organisers,
  institutions,
  consentedCentres,
  quarrels,
  telemarketers: dialler,
  lowAndSlow: dialler,
  robocallers,
  harassers,
  ringOnce,
  callBombers,
  unconsentedCentres,
  quietHours: dialler,
  snowshoe,
};
/**
 * The populations built by a builder of their own, in order (every key but
 * those built apart, last: `blockNeighbours`, which needs the campaigns,
 * `swarmBombers` and `busyLines`; see run.ts).
 */
export type PopulationKey = keyof typeof POPULATION_SCHEMAS;
const POPULATION_KEYS = Object.keys(POPULATION_SCHEMAS) as [PopulationKey, ...PopulationKey[]];

function resolveExtra(populations: Record<string, unknown>, extra: { like: PopulationKey } & Record<string, unknown>) {
  const { like, ...over } = extra;
  return POPULATION_SCHEMAS[like].safeParse(deepMerge(populations[like] as Record<string, unknown>, over));
}

const probe = z
  .object({
    id: ident,
    weight: n0,
    causes: z.enum(['sip', 'q850']),
    forms: z.object({ e164: n0, national: n0, intl0086: n0 }).strict(),
  })
  .strict();

/** Populations built apart from the builders, after every other one (run.ts). */
const APART = ['blockNeighbours', 'swarmBombers', 'busyLines'];

/** The validated shape of a scenario. */
export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** ISO-8601 instant at which the warm-up starts. */
    start: z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: 'start must be an ISO-8601 time' }),
    warmupHours: n0,
    /** Length of the scored period after the warm-up. */
    hours: z.number().positive(),
    /** Multiplies every population's count and the public pool. */
    scale: z.number().positive().default(1),
    publicPool: count,
    delivery: z
      .object({
        /** Share of call records delivered late, by up to `maxJitterSeconds`; the rest in event-time order. */
        lateShare: prob,
        maxJitterSeconds: n0,
        duplicateRate: prob,
        nullProviderRate: prob,
      })
      .strict(),
    probes: z.array(probe).min(1),
    /**
     * Complaints about benign callers: some people complain about any caller
     * (a wrong number, an annoyed customer, a consented customer who forgot).
     * Each call between two non-nuisance numbers draws one with `perAnswered`
     * (answered) or `perUnanswered` (otherwise), filed by the callee
     * `delayMinutes` after the call ends. Off unless set; the draws come from
     * a stream beside each record stream (sim.ts `maybeBackgroundComplaint`).
     */
    backgroundComplaints: z
      .object({ perAnswered: prob.default(0), perUnanswered: prob.default(0), delayMinutes: range.default([2, 240]) })
      .strict()
      .prefault({}),
    populations: z
      .object({ ...POPULATION_SCHEMAS, blockNeighbours: blockNeighbours.prefault({}), swarmBombers: swarmBombers.prefault({}), busyLines: busyLines.prefault({}) })
      .strict(),
    /**
     * More populations built like a built-in one (`like`) under their own
     * truth label (the key): the built-in's parameters in this scenario,
     * overridden key by key by the other fields (e.g. schools `like`
     * organisers with bigger groups, clinics `like` institutions off the
     * allowlist). Optional; absent in the built-in scenarios.
     */
    extraPopulations: z.record(ident, z.object({ like: z.enum(POPULATION_KEYS) }).catchall(z.unknown())).default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [name, extra] of Object.entries(s.extraPopulations)) {
      if (name in POPULATION_SCHEMAS || APART.includes(name) || name === 'public') {
        ctx.addIssue({ code: 'custom', path: ['extraPopulations', name], message: `${name} is a built-in population name` });
        continue;
      }
      const r = resolveExtra(s.populations, extra);
      if (!r.success) {
        for (const issue of r.error.issues) {
          ctx.addIssue({ code: 'custom', path: ['extraPopulations', name, ...issue.path.map(String)], message: issue.message });
        }
      }
    }
  });

/** A validated scenario. */
export type Scenario = z.infer<typeof ScenarioSchema>;
/** Configuration of the neighbours in campaign blocks. */
export type BlockNeighboursConfig = z.infer<typeof blockNeighbours>;
/** Configuration of the distributed call-bombing operations. */
export type SwarmBombersConfig = z.infer<typeof swarmBombers>;
/** Configuration of the busy small-business lines and their customers. */
export type BusyLinesConfig = z.infer<typeof busyLines>;
/** Configuration of a dialler-like nuisance population. */
export type DiallerConfig = z.infer<typeof dialler>;
/** Populations of a scenario. */
export type Populations = Scenario['populations'];

/** An extra population of a scenario, resolved: its label, the built-in it is built like, and its full config. */
export interface ExtraPopulation {
  name: string;
  like: PopulationKey;
  config: Populations[PopulationKey];
}

/** The scenario's extra populations with their configs merged over the built-in's and validated. */
export function extraPopulations(s: Scenario): ExtraPopulation[] {
  return Object.entries(s.extraPopulations).map(([name, extra]) => {
    const r = resolveExtra(s.populations, extra);
    if (!r.success) throw new ScenarioError(`invalid extra population ${name}: ${z.prettifyError(r.error)}`);
    return { name, like: extra.like, config: r.data };
  });
}

/** Error for a scenario that cannot be used; lists every problem at once. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Overrides applied after loading (from the command line). */
export interface ScenarioOverrides {
  hours?: number;
  scale?: number;
}

/**
 * Loads a scenario by built-in name (`default`, `large`, `adversarial`) or
 * file path, resolves `extends`, applies overrides and validates it.
 */
export function loadScenario(nameOrPath: string, overrides: ScenarioOverrides = {}): Scenario {
  const raw = loadRaw(nameOrPath, process.cwd(), new Set());
  if (overrides.hours !== undefined) raw.hours = overrides.hours;
  if (overrides.scale !== undefined) raw.scale = overrides.scale;
  return parseScenario(raw, nameOrPath);
}

/** Validates a plain object as a scenario, reporting every error at once. */
export function parseScenario(raw: unknown, label = 'scenario'): Scenario {
  const r = ScenarioSchema.safeParse(raw);
  if (!r.success) throw new ScenarioError(`invalid scenario ${label}:\n${z.prettifyError(r.error)}`);
  return r.data;
}

function locate(nameOrPath: string, baseDir: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(nameOrPath)) return resolve(SCENARIO_DIR, `${nameOrPath}.json`);
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(baseDir, nameOrPath);
}

function loadRaw(nameOrPath: string, baseDir: string, seen: Set<string>): Record<string, unknown> {
  const file = locate(nameOrPath, baseDir);
  if (seen.has(file)) throw new ScenarioError(`scenario extends itself: ${[...seen, file].join(' → ')}`);
  seen.add(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read scenario ${nameOrPath} (${file}): ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`scenario ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new ScenarioError(`scenario ${file} must be a JSON object`);
  const { extends: parent, ...own } = json;
  if (parent === undefined) return own;
  if (typeof parent !== 'string') throw new ScenarioError(`"extends" in ${file} must be a scenario name or path`);
  return deepMerge(loadRaw(parent, dirname(file), seen), own);
}

/** Merges `over` into `base`: objects key by key, everything else replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
