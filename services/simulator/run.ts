/**
 * Runs a scenario: builds the populations, advances event time task by
 * task, and hands records to a sink in delivery order, awaiting the sink
 * when it pushes back. Memory holds the actors, their current plans and the
 * few seconds of the delivery buffer — never the whole output.
 */
import { buildBlockNeighbours } from './populations/blockNeighbours.ts';
import { buildBusyLines } from './populations/busyLines.ts';
import { buildSwarmBombers } from './populations/swarmBombers.ts';
import { BUILDERS, type BuildContext } from './populations/index.ts';
import { formatNum, NumberAllocator, PublicPool, type Num } from './numbers.ts';
import { Rng } from './prng.ts';
import { extraPopulations, type PopulationKey, type Scenario } from './scenario.ts';
import { Sim, type Output, type SimStats } from './sim.ts';
import type { Sink } from './sinks/sink.ts';
import { truthRows, type TruthRow } from './truth.ts';

/** Options of a run. */
export interface RunOptions {
  /** Called now and then with the share of event time done (0–1) and the records written so far. */
  onProgress?: (fraction: number, written: number) => void;
  /** Called once, before the first record, with the allowlisted numbers (E.164), for consumers that run alongside. */
  onAllowlist?: (numbers: string[]) => void;
}

/** What a run produced besides the records. */
export interface RunResult {
  stats: SimStats;
  /** Calls written whose startTime is earlier than one written before them. */
  outOfOrder: number;
  /** Largest such gap, ms. */
  maxLatenessMs: number;
  /** Records handed to the sink, by kind (duplicates included). */
  written: { calls: number; complaints: number; consents: number };
  truth: TruthRow[];
  /** Allowlisted numbers as written to allowlist.txt (mixed forms). */
  allowlist: string[];
  numbersByPopulation: Record<string, number>;
  start: number;
  scoredStart: number;
  end: number;
  wallMs: number;
}

/** Simulates `scenario` with `seed` into `sink` (the sink is closed at the end). */
export async function runScenario(scenario: Scenario, seed: number, sink: Sink, opts: RunOptions = {}): Promise<RunResult> {
  const wall0 = performance.now();
  const root = new Rng(`callguard-sim/${seed}`);
  const sim = new Sim(scenario, seed, root.fork('delivery'));
  const alloc = new NumberAllocator(root.fork('numbers'));
  const pool = new PublicPool(alloc, root.fork('public'), Math.max(1000, Math.round(scenario.publicPool * scenario.scale)));
  const actors: Num[] = [];
  const allowed: Num[] = [];
  const context = (name: string): BuildContext => ({
    sim,
    population: name,
    rng: root.fork(`population/${name}`),
    alloc,
    pool,
    scale: scenario.scale,
    addActor: (n) => actors.push(n),
    allow: (n) => allowed.push(n),
  });
  const built = new Map<string, Num[]>();
  const build = (name: string, like: PopulationKey, cfg: unknown): void => {
    built.set(name, (BUILDERS[like] as (c: BuildContext, cfg: unknown) => Num[])(context(name), cfg));
  };
  for (const name of Object.keys(BUILDERS) as PopulationKey[]) build(name, name, scenario.populations[name]);
  // Extra populations come after the built-in ones, so they leave their numbers and streams unchanged.
  for (const extra of extraPopulations(scenario)) build(extra.name, extra.like, extra.config);
  // The campaigns' neighbours come last, with their own streams of behaviour and records (see blockNeighbours.ts).
  const { blockNeighbours, subscribers } = scenario.populations;
  sim.isolate('blockNeighbours', root.fork('records/blockNeighbours'));
  buildBlockNeighbours(context('blockNeighbours'), blockNeighbours, subscribers, built.get('snowshoe') ?? []);
  // The swarms of call bombers and their benign twin, the busy lines' customers, after them, the same way
  // (their numbers allocated after every other, their behaviour and records from streams of their own).
  sim.isolate('swarmBombers', root.fork('records/swarmBombers'));
  buildSwarmBombers(context('swarmBombers'), scenario.populations.swarmBombers);
  sim.isolate('busyLines', root.fork('records/busyLines'));
  buildBusyLines(context('busyLines'), scenario.populations.busyLines, subscribers);

  opts.onAllowlist?.(allowed.map((n) => n.e164));

  const written = { calls: 0, complaints: 0, consents: 0 };
  let outOfOrder = 0;
  let maxLatenessMs = 0;
  let maxStart = -Infinity;
  const write = (out: Output): void | Promise<void> => {
    switch (out.kind) {
      case 'call': {
        written.calls++;
        const t = out.record.startTime;
        if (t < maxStart) {
          outOfOrder++;
          if (maxStart - t > maxLatenessMs) maxLatenessMs = maxStart - t;
        } else maxStart = t;
        return sink.call(out.record, out.key);
      }
      case 'complaint':
        written.complaints++;
        return sink.complaint(out.record, out.key);
      case 'consent':
        written.consents++;
        return sink.consent(out.record, out.key);
    }
  };

  const span = sim.end - sim.start;
  let tick = 0;
  while (sim.nextTaskTime() < sim.end) {
    sim.runNext();
    let out: Output | undefined;
    while ((out = sim.nextReady()) !== undefined) {
      const p = write(out);
      if (p) await p;
    }
    if ((++tick & 0x3fff) === 0) opts.onProgress?.((sim.now - sim.start) / span, written.calls + written.complaints + written.consents);
  }
  let rest: Output | undefined;
  while ((rest = sim.nextReady(true)) !== undefined) {
    const p = write(rest);
    if (p) await p;
  }
  await sink.close();
  opts.onProgress?.(1, written.calls + written.complaints + written.consents);

  const truth = truthRows(actors, sim.publicCallers);
  const numbersByPopulation: Record<string, number> = {};
  for (const r of truth) numbersByPopulation[r.population] = (numbersByPopulation[r.population] ?? 0) + 1;
  const formRng = root.fork('allowlist');
  return {
    stats: sim.stats,
    outOfOrder,
    maxLatenessMs,
    written,
    truth,
    allowlist: allowed.map((n) => formatNum(n, formRng.chance(0.7) ? 'e164' : 'national')),
    numbersByPopulation,
    start: sim.start,
    scoredStart: sim.scoredStart,
    end: sim.end,
    wallMs: performance.now() - wall0,
  };
}
