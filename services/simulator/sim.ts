/**
 * The discrete-event core of the simulator: a task queue in event time,
 * the construction of contract records (CallEvent, ComplaintReport,
 * ConsentRecord) from what actors do, and the delivery buffer that adds
 * realistic disorder (jitter of a few seconds, duplicated eventIds) while
 * keeping the output in event-time order give or take that jitter.
 */
import type { CallEvent, CallOutcome, ComplaintCategory, ComplaintReport, ConsentRecord } from '../../shared/contracts/records.ts';
import { TimeHeap, type Timed } from './heap.ts';
import type { Num, NumForm } from './numbers.ts';
import { formatNum } from './numbers.ts';
import { defaultRingMs, releaseCause, type CauseFamily } from './outcomes.ts';
import type { Rng } from './prng.ts';
import type { Scenario } from './scenario.ts';
import { HOUR, MINUTE } from './time.ts';

/** One record ready for a sink, with its Kafka key (normalised numbers). */
export type Output =
  | { kind: 'call'; key: string; record: CallEvent; duplicate: boolean }
  | { kind: 'complaint'; key: string; record: ComplaintReport }
  | { kind: 'consent'; key: string; record: ConsentRecord };

/** What an actor does: one call attempt starting now. */
export interface CallSpec {
  caller: Num;
  callee: Num;
  outcome: CallOutcome;
  /** Time to answer (answered) or to release (other outcomes); a typical value by outcome if omitted. */
  ringMs?: number;
  /** Talk time of an answered call. */
  talkMs?: number;
}

/** Counters kept while simulating. */
export interface SimStats {
  calls: number;
  callsByPopulation: Record<string, number>;
  answeredByPopulation: Record<string, number>;
  duplicates: number;
  complaints: number;
  /** Of `complaints`, those about benign callers (`backgroundComplaints`). */
  backgroundComplaints: number;
  consents: number;
  consentRevocations: number;
}

interface Task extends Timed {
  fn: () => void;
}

interface Delivery extends Timed {
  out: Output;
}

/**
 * Where the random details of records (probe, number forms, release cause,
 * missing provider, delivery delay, duplicates) and their ids come from.
 */
interface RecordStream {
  rng: Rng;
  /** 0 for the main stream, 1, 2, … for isolated ones (in the order they were made); part of its records' ids. */
  index: number;
  calls: number;
  reports: number;
  /** Where this stream's calls' background complaints come from (made by `maybeBackgroundComplaint` at the first draw). */
  background?: RecordStream;
}

const MASK64 = (1n << 64n) - 1n;

/**
 * A record id: the seed's prefix and 13 base-36 digits of a bijective 64-bit
 * mix (splitmix64's finaliser) of the stream, the kind (call or complaint)
 * and the record's number in its stream. Distinct inputs give distinct ids of
 * one shape for every population. The mix has no key, so inverting it gives
 * the stream back (the isolated populations have streams of their own): the
 * engine reads ids only to drop duplicates, and no rule may read them
 * (docs/simulator.md).
 */
export function recordId(prefix: string, stream: number, kind: 'call' | 'report', n: number): string {
  let x = (BigInt(stream) << 48n) | (kind === 'report' ? 1n << 47n : 0n) | BigInt(n);
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  x ^= x >> 31n;
  return prefix + x.toString(36).padStart(13, '0');
}

interface Probe {
  id: string;
  causes: CauseFamily;
  forms: NumForm[];
  formWeights: number[];
}

const CHANNELS = ['12321', '12321', '12321', '12321', '12321', '12321', 'app', 'app', 'app', 'hotline'];
/** What a complaint about a benign caller says it was. */
const BACKGROUND_CATEGORIES: ComplaintCategory[] = ['OTHER', 'MARKETING', 'HARASSMENT'];
/**
 * Added to a record stream's index for its background complaints' stream: ids apart from every other stream's
 * (isolated streams count up from 1, far below it).
 */
const BACKGROUND_STREAM_OFFSET = 0x8000;

/** Simulation clock, scheduler and record factory. */
export class Sim {
  /** Start of the warm-up (ms). */
  readonly start: number;
  /** Start of the scored period (ms). */
  readonly scoredStart: number;
  /** End of the run (ms, exclusive). */
  readonly end: number;
  /** Current event time (ms). */
  now: number;
  readonly stats: SimStats = {
    calls: 0,
    callsByPopulation: {},
    answeredByPopulation: {},
    duplicates: 0,
    complaints: 0,
    backgroundComplaints: 0,
    consents: 0,
    consentRevocations: 0,
  };
  /** Numbers of the public that made at least one call, in order of their first call. */
  readonly publicCallers: Num[] = [];

  private readonly tasks = new TimeHeap<Task>();
  private readonly delivery = new TimeHeap<Delivery>();
  private readonly probes: Probe[];
  private readonly probeWeights: number[];
  private readonly jitterMs: number;
  private readonly lateShare: number;
  private readonly duplicateRate: number;
  private readonly nullProviderRate: number;
  private readonly idPrefix: string;
  private readonly main: RecordStream;
  /** Populations whose records have a stream of their own, by truth label. */
  private readonly isolated = new Map<string, RecordStream>();
  /** Complaints about benign callers: the scenario's rates. */
  private readonly background: Scenario['backgroundComplaints'];

  constructor(scenario: Scenario, seed: number, rng: Rng) {
    this.start = Date.parse(scenario.start);
    this.scoredStart = this.start + scenario.warmupHours * HOUR;
    this.end = this.scoredStart + scenario.hours * HOUR;
    this.now = this.start;
    this.jitterMs = scenario.delivery.maxJitterSeconds * 1000;
    this.lateShare = scenario.delivery.lateShare;
    this.duplicateRate = scenario.delivery.duplicateRate;
    this.nullProviderRate = scenario.delivery.nullProviderRate;
    this.idPrefix = `s${seed.toString(36)}-`;
    this.main = { rng, index: 0, calls: 0, reports: 0 };
    this.background = scenario.backgroundComplaints;
    this.probes = scenario.probes.map((p) => ({
      id: p.id,
      causes: p.causes,
      forms: ['e164', 'national', 'intl0086'],
      formWeights: [p.forms.e164, p.forms.national, p.forms.intl0086],
    }));
    this.probeWeights = scenario.probes.map((p) => p.weight);
  }

  /**
   * Gives a population's records a stream of their own: every record with a
   * number of `population` on either side draws its details from `rng` and
   * takes its id from the stream's own counter (never a main-stream id, and
   * shaped like every other: see {@link recordId}), so that adding the
   * population leaves every other record exactly as it was. Call before the
   * population's first record.
   */
  isolate(population: string, rng: Rng): void {
    this.isolated.set(population, { rng, index: this.isolated.size + 1, calls: 0, reports: 0 });
  }

  /** Runs `fn` at event time t (not before now). */
  at(t: number, fn: () => void): void {
    this.tasks.push({ t: t < this.now ? this.now : Math.floor(t), seq: 0, fn });
  }

  /** Time of the next task, or Infinity. */
  nextTaskTime(): number {
    return this.tasks.peek()?.t ?? Infinity;
  }

  /** Runs the next task (advancing the clock to it). */
  runNext(): void {
    const task = this.tasks.pop();
    if (!task) return;
    this.now = task.t;
    task.fn();
  }

  /** Records a call attempt that starts now. */
  call(spec: CallSpec): CallEvent {
    const { caller, callee, outcome } = spec;
    const st = this.streamOf(caller, callee);
    const rng = st.rng;
    const start = this.now;
    const ring = spec.ringMs ?? defaultRingMs(rng, outcome);
    let answerTime: number | null = null;
    let endTime = start + Math.round(ring);
    if (outcome === 'ANSWERED') {
      answerTime = endTime;
      endTime = answerTime + Math.round(spec.talkMs ?? 30_000);
    }
    const probe = this.probes[rng.weighted(this.probeWeights)];
    const record: CallEvent = {
      eventId: recordId(this.idPrefix, st.index, 'call', st.calls++),
      probeId: probe.id,
      caller: formatNum(caller, probe.forms[rng.weighted(probe.formWeights)]),
      callee: formatNum(callee, probe.forms[rng.weighted(probe.formWeights)]),
      startTime: start,
      answerTime,
      endTime,
      outcome,
      releaseCause: rng.chance(0.01) ? null : releaseCause(rng, outcome, probe.causes),
      accessProvider: rng.chance(this.nullProviderRate) ? null : caller.provider,
    };
    this.count(caller, outcome);
    if (!caller.nuisance && !callee.nuisance) this.maybeBackgroundComplaint(st, caller, callee, outcome === 'ANSWERED', endTime);
    const out: Output = { kind: 'call', key: caller.e164, record, duplicate: false };
    this.deliver(start + this.delay(rng), out);
    if (this.duplicateRate > 0 && rng.chance(this.duplicateRate)) {
      this.stats.duplicates++;
      this.deliver(start + rng.uniform(0, this.jitterMs), { ...out, duplicate: true });
    }
    return record;
  }

  /** Schedules a complaint by `reporter` about `reported` at event time t. */
  complaint(t: number, reporter: Num, reported: Num, category: ComplaintCategory, st: RecordStream = this.streamOf(reporter, reported)): void {
    if (t >= this.end) return;
    this.at(t, () => {
      const record: ComplaintReport = {
        reportId: recordId(this.idPrefix, st.index, 'report', st.reports++),
        reporter: formatNum(reporter, this.platformForm(st.rng)),
        reported: formatNum(reported, this.platformForm(st.rng)),
        reportTime: this.now,
        category,
        channel: st.rng.pick(CHANNELS),
      };
      this.stats.complaints++;
      this.deliver(this.now, { kind: 'complaint', key: reported.e164, record });
    });
  }

  /**
   * Publishes a consent record at event time `at` (its grant, or its
   * revocation when `revokedAt` is set). Records due before the run starts
   * are delivered at the start.
   */
  consent(caller: Num, callee: Num, grantedAt: number, revokedAt: number | null, at: number): void {
    if (at >= this.end) return;
    const st = this.streamOf(caller, callee);
    this.at(Math.max(at, this.start), () => {
      const record: ConsentRecord = {
        caller: formatNum(caller, this.platformForm(st.rng)),
        callee: formatNum(callee, this.platformForm(st.rng)),
        grantedAt,
        revokedAt,
      };
      if (revokedAt === null) this.stats.consents++;
      else this.stats.consentRevocations++;
      this.deliver(this.now, { kind: 'consent', key: `${caller.e164}|${callee.e164}`, record });
    });
  }

  /** The next output whose delivery time has come (any, when `all`), in delivery order; undefined when none. */
  nextReady(all = false): Output | undefined {
    const top = this.delivery.peek();
    if (!top || (!all && top.t > this.now)) return undefined;
    this.delivery.pop();
    return top.out;
  }

  /** A uniformly random delay in minutes within a range, in ms. */
  minutes(r: readonly [number, number], rng: Rng): number {
    return rng.range(r) * MINUTE;
  }

  /** Delivery delay of a call record: none for most, up to the maximum jitter for a share. */
  private delay(rng: Rng): number {
    return rng.chance(this.lateShare) ? rng.uniform(0, this.jitterMs) : 0;
  }

  private platformForm(rng: Rng): NumForm {
    const u = rng.float();
    return u < 0.55 ? 'e164' : u < 0.95 ? 'national' : 'intl0086';
  }

  /**
   * The callee of a benign call (`st`'s) complains about it, at `backgroundComplaints`' rates (scenario.ts). The
   * draws and ids come from a stream beside `st`, so that they change no other record, and an isolated
   * population's background complaints stay with it.
   */
  private maybeBackgroundComplaint(st: RecordStream, caller: Num, callee: Num, answered: boolean, endTime: number): void {
    const bg = this.background;
    const rate = answered ? bg.perAnswered : bg.perUnanswered;
    if (rate === 0) return;
    const own = (st.background ??= { rng: st.rng.fork('background-complaints'), index: st.index + BACKGROUND_STREAM_OFFSET, calls: 0, reports: 0 });
    const rng = own.rng;
    if (!rng.chance(rate)) return;
    const at = endTime + rng.uniform(bg.delayMinutes[0], bg.delayMinutes[1]) * 60_000;
    if (at >= this.end) return;
    this.stats.backgroundComplaints++;
    this.complaint(at, callee, caller, rng.pick(BACKGROUND_CATEGORIES), own);
  }

  /** The record stream of a record between `a` and `b`: an isolated population's if either is in one. */
  private streamOf(a: Num, b: Num): RecordStream {
    if (this.isolated.size === 0) return this.main;
    return this.isolated.get(a.population) ?? this.isolated.get(b.population) ?? this.main;
  }

  private deliver(t: number, out: Output): void {
    this.delivery.push({ t, seq: 0, out });
  }

  private count(caller: Num, outcome: CallOutcome): void {
    this.stats.calls++;
    const p = caller.population;
    const byPop = this.stats.callsByPopulation;
    byPop[p] = (byPop[p] ?? 0) + 1;
    if (outcome === 'ANSWERED') {
      const ans = this.stats.answeredByPopulation;
      ans[p] = (ans[p] ?? 0) + 1;
    }
    if (caller.calls === 0 && p === 'public') this.publicCallers.push(caller);
    caller.calls++;
    if (caller.firstScoredCall < 0 && this.now >= this.scoredStart) caller.firstScoredCall = this.now;
  }
}
