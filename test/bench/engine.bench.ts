/**
 * `npm run bench:engine`: events/s through the detection engine on one core
 * (events already decoded), against a bare `Map` count per caller over the
 * same events, plus peak memory and bytes per tracked number.
 *
 *   npm run bench:engine              # 1M events (from an empty engine, and in steady state after 2M), and 10M
 *   npm run bench:engine -- --quick   # the two 1M runs only
 *   npm run bench:engine -- --memory  # also 10M numbers each calling once: bytes per tracked number
 */
import os from 'node:os';
import { defaultConfig } from '../../shared/config/index.ts';
import { createEngine } from '../../shared/engine/index.ts';
import { CallStream } from './synthetic-calls.ts';

const CHUNK = 500_000;

interface RunResult {
  events: number;
  engineSec: number;
  baselineSec: number;
  /** User CPU time of the process (includes GC helper threads) — steadier than wall time on a busy machine. */
  engineCpuSec: number;
  baselineCpuSec: number;
  tracked: number;
  flags: number;
  engineBytes: number;
  rssPeak: number;
  /** Minor page faults during the engine's timed sections: first touches of memory its structures grew into. */
  engineFaults: number;
  /** The same events through a second engine fed by `onCall` one call at a time (no prefetch), when compared. */
  oneByOneSec?: number;
  oneByOneCpuSec?: number;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * `events` through a fresh engine, timed. With `warmEvents`, the same stream's first `warmEvents` go through
 * untimed first: the engine's tables have grown to the population, as in a detector that has run for a while.
 */
function run(label: string, events: number, numbers: number, rate: number, callers: 'random' | 'sweep' = 'random', warmEvents = 0, compare = false): RunResult {
  const config = defaultConfig();
  const engine = createEngine(config, { now: () => 0 });
  const plain = compare ? createEngine(config, { now: () => 0 }) : null;
  const stream = new CallStream({ numbers, rate, seed: 42, callers });
  const baseline = new Map<string, number>();
  for (let done = 0; done < warmEvents; done += CHUNK) {
    const batch = stream.chunk(Math.min(CHUNK, warmEvents - done));
    for (let i = 0; i < batch.length; i++) {
      const c = batch[i].caller;
      baseline.set(c, (baseline.get(c) ?? 0) + 1);
      engine.onCall(batch[i]);
      plain?.onCall(batch[i]);
    }
    engine.drainFlags();
    plain?.drainFlags();
    process.stderr.write(`\r${label}: warming up, ${fmt(done + batch.length)} / ${fmt(warmEvents)} events`);
  }
  let engineNs = 0n;
  let baselineNs = 0n;
  let engineCpuUs = 0;
  let baselineCpuUs = 0;
  let flags = 0;
  let rssPeak = 0;
  let engineFaults = 0;
  let plainNs = 0n;
  let plainCpuUs = 0;
  for (let done = 0; done < events; done += CHUNK) {
    const batch = stream.chunk(Math.min(CHUNK, events - done));
    let t0 = process.hrtime.bigint();
    let c0 = process.cpuUsage();
    for (let i = 0; i < batch.length; i++) {
      const c = batch[i].caller;
      baseline.set(c, (baseline.get(c) ?? 0) + 1);
    }
    baselineNs += process.hrtime.bigint() - t0;
    baselineCpuUs += process.cpuUsage(c0).user;
    t0 = process.hrtime.bigint();
    c0 = process.cpuUsage();
    const f0 = process.resourceUsage().minorPageFault;
    engine.onCalls(batch);
    flags += engine.drainFlags().length;
    engineNs += process.hrtime.bigint() - t0;
    engineCpuUs += process.cpuUsage(c0).user;
    engineFaults += process.resourceUsage().minorPageFault - f0;
    if (plain) {
      t0 = process.hrtime.bigint();
      c0 = process.cpuUsage();
      for (let i = 0; i < batch.length; i++) plain.onCall(batch[i]);
      plain.drainFlags();
      plainNs += process.hrtime.bigint() - t0;
      plainCpuUs += process.cpuUsage(c0).user;
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    process.stderr.write(`\r${label}: ${fmt(done + batch.length)} / ${fmt(events)} events`);
  }
  process.stderr.write('\n');
  const mem = engine.memory();
  return {
    events,
    engineSec: Number(engineNs) / 1e9,
    baselineSec: Number(baselineNs) / 1e9,
    engineCpuSec: engineCpuUs / 1e6,
    baselineCpuSec: baselineCpuUs / 1e6,
    tracked: engine.stats().trackedNumbers,
    flags,
    engineBytes: mem.numbers + mem.index + mem.pairs + mem.dedup + mem.swarms,
    rssPeak,
    engineFaults,
    ...(plain ? { oneByOneSec: Number(plainNs) / 1e9, oneByOneCpuSec: plainCpuUs / 1e6 } : {}),
  };
}

function report(label: string, r: RunResult): void {
  const eps = r.events / r.engineSec;
  const bps = r.events / r.baselineSec;
  console.log(`\n## ${label}`);
  console.log(`events                 ${fmt(r.events)}`);
  console.log(`engine                 ${fmt(eps)} events/s (${r.engineSec.toFixed(2)} s)`);
  console.log(`baseline Map count     ${fmt(bps)} events/s (${r.baselineSec.toFixed(2)} s)`);
  console.log(`engine / baseline      ${(bps / eps).toFixed(2)}× slower`);
  console.log(`by CPU time            engine ${fmt(r.events / r.engineCpuSec)} events/s, baseline ${fmt(r.events / r.baselineCpuSec)} events/s`);
  if (r.oneByOneSec !== undefined && r.oneByOneCpuSec !== undefined) {
    // The timed engine takes each batch through onCalls (state lines of 32 calls prefetched together).
    console.log(`onCall one at a time   ${fmt(r.events / r.oneByOneSec)} events/s, ${fmt(r.events / r.oneByOneCpuSec)} by CPU (a second engine, same events, no prefetch)`);
  }
  console.log(`load average           ${os.loadavg()[0].toFixed(1)} (cores: ${os.cpus().length}); wall-clock figures are unreliable when it exceeds the cores`);
  console.log(`tracked numbers        ${fmt(r.tracked)}`);
  console.log(`flags                  ${fmt(r.flags)}`);
  console.log(`engine typed arrays    ${(r.engineBytes / 2 ** 20).toFixed(0)} MiB (${fmt(r.engineBytes / r.tracked)} bytes/number)`);
  console.log(`peak RSS (whole proc)  ${(r.rssPeak / 2 ** 20).toFixed(0)} MiB`);
  // Not converted into a share of the time: with transparent huge pages
  // (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) the faults drop ~6× but the
  // engine's rate did not move measurably, so the isolated cost per page
  // does not carry over to the engine's run.
  console.log(`page faults (engine)   ${fmt(r.engineFaults)} first touches of new memory (structures growing, not per-event work)`);
}

/**
 * Cost of the first touch of a fresh 4 KiB page on this machine (µs): a
 * 64 MiB buffer, one write per page. Well under a microsecond on bare
 * metal; 16–18 µs on this project's VM when quiet. Printed for context.
 */
function measurePageTouch(): number {
  const bytes = 64 * 2 ** 20;
  const b = new Uint8Array(bytes);
  const t0 = performance.now();
  for (let i = 0; i < bytes; i += 4096) b[i] = 1;
  return ((performance.now() - t0) * 1000) / (bytes / 4096);
}

const quick = process.argv.includes('--quick');
const pageTouchUs = measurePageTouch();
console.log(`# bench:engine — node ${process.version}, one core (single JS thread)`);
console.log(`first touch of a fresh 4 KiB page here, measured alone: ${pageTouchUs.toFixed(1)} µs`);
/** Event-time rate at which each number makes about `perDay` calls a day (subscribers make a handful). */
const realistic = (numbers: number, perDay = 5) => (numbers * perDay) / 86_400;
report('1M events, 200k numbers (~5 calls per number per day of event time), from an empty engine', run('1M', 1_000_000, 200_000, realistic(200_000), 'random', 0, true));
report('1M events, 200k numbers, after 2M events of the same stream (tables grown: steady state)', run('1M warm', 1_000_000, 200_000, realistic(200_000), 'random', 2_000_000, true));
if (!quick) {
  report('10M events, 2M numbers (~5 calls per number per day)', run('10M', 10_000_000, 2_000_000, realistic(2_000_000)));
}
if (process.argv.includes('--memory')) {
  report('10M numbers, each calling once', run('10M numbers', 10_000_000, 10_000_000, realistic(10_000_000), 'sweep'));
}
