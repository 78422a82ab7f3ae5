/**
 * `npm run bench:lookup`: caller-ID label lookups at a fixed offered rate
 * (default 5,000/s for 20 s) through the enforcer's HTTP lookup API
 * (`GET /v1/numbers/{number}`, its own process — lookup-server.ts — label
 * keys in Redis on loopback, answered from the in-process label replica;
 * `--mode redis` for one Redis GET per lookup instead), while labels keep
 * changing in Redis (`--writes`, default 100/s, so the replica's
 * invalidations and re-reads are part of the run); then a bare Redis GET of
 * the same keys at the same rate (10 s) from the same generator, as the
 * baseline of what the machine's scheduling alone costs.
 *
 * Load is offered open-loop on a fixed schedule (request i is due at
 * t0 + i/rate whatever the responses do; open-loop.ts sends from a worker
 * thread that keeps the schedule to ~0.1 ms) and latency is measured from
 * the time each request was DUE, so a stalled generator or server shows up
 * in the figures instead of being hidden (coordinated omission); the time
 * from the actual send and the generator's lag are printed beside it.
 * Printed: p50, p90, p99, p99.9, max, achieved rate, CPU per lookup of the
 * server and the generator, the server's GC pauses during the run, its heap
 * and the replica's share of it, and the load average.
 *
 *   npm run bench:lookup
 *   npm run bench:lookup -- --rate 5000 --seconds 20 --baseline-seconds 10 --writes 100 --mode replica|redis [--nice -10]
 *
 * `BENCH_SERVER_NODE_OPTIONS="--max-semi-space-size=8"` passes V8/Node
 * options to the server process; `BENCH_CPU_PROF=DIR` profiles it.
 * `--nice N` runs the server and the generator at that priority (negative
 * needs root). Keys live under a random prefix and are deleted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';
import { clearView, type LookupView } from '../../services/enforcer/view.ts';
import { cpuSeconds, loadAverage } from './process-probes.ts';
import { openLoop, type Phase } from './open-loop.ts';
import { serveLookups, type ServerHeap, type ServerReady, type ServerStats } from './lookup-server.ts';

const REDIS_URL = process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379';
const LABELLED = 100_000;
const CONNECTIONS = 8;

function arg(name: string, fallback: number, allowZero = false): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !allowZero)) throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return v;
}

type Mode = 'replica' | 'redis';

function modeArg(): Mode {
  const i = process.argv.indexOf('--mode');
  const v = i >= 0 ? process.argv[i + 1] : 'replica';
  if (v !== 'replica' && v !== 'redis') throw new Error('--mode must be replica or redis');
  return v;
}

function numberAt(i: number): string {
  return `+86138${String(i).padStart(8, '0')}`;
}

function view(number: string, now: number): LookupView {
  return {
    ...clearView(number),
    status: 'LABELED',
    label: 'SUSPECTED_NUISANCE',
    category: 'TELEMARKETING',
    severity: 'LABEL',
    score: 72,
    reasons: [{ rule: 'LOW_ANSWER_FANOUT', window: '24h', value: 120, threshold: 40 }],
    flagId: randomBytes(16).toString('hex'),
    windowStart: now - 86_400_000,
    windowEnd: now,
    expiresAt: now + 86_400_000,
    updatedAt: now,
  };
}

type Quantiles = { p50: number; p90: number; p99: number; p999: number; max: number };

function quantiles(xs: Float64Array): Quantiles {
  const ok = Array.from(xs).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? Number.NaN;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: ok.at(-1) ?? Number.NaN };
}

/** Prints a phase: latency from the due time (what counts), then from the actual send, and the generator's lag. */
function report(label: string, r: Phase): Quantiles & { requests: number; errors: number; rate: number } {
  const due = quantiles(r.lat);
  const svc = quantiles(r.service);
  const lag = quantiles(r.lag);
  const figures = { requests: r.sent, errors: r.errors, rate: r.sent / r.wallSec, ...due };
  const ms = (x: number) => x.toFixed(3);
  const line = (q: Quantiles) => `p50 ${ms(q.p50)}  p90 ${ms(q.p90)}  p99 ${ms(q.p99)}  p99.9 ${ms(q.p999)}  max ${ms(q.max)} ms`;
  process.stdout.write(
    `${label.padEnd(34)} ${String(figures.requests).padStart(7)} req ${figures.rate.toFixed(0).padStart(5)}/s errors ${figures.errors}  ${line(due)}\n` +
      `${'  from the actual send'.padEnd(34)} ${' '.repeat(33)}${line(svc)}\n` +
      `${'  generator lag behind schedule'.padEnd(34)} ${' '.repeat(33)}${line(lag)}\n`,
  );
  return figures;
}

/** Rewrites labels at `rate`/s (new JSON, new expiry) until stopped: the churn the enforcer's consumer causes. */
function churn(redis: Redis, keyOf: (i: number) => string, rate: number): { stop(): { written: number; perSecond: number } } {
  if (rate === 0) return { stop: () => ({ written: 0, perSecond: 0 }) };
  let written = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    const now = Date.now();
    for (; written < due; written++) {
      const number = numberAt((written * 31_337) % LABELLED);
      void redis.set(keyOf(written), JSON.stringify(view(number, now)), 'PX', 3_600_000).catch(() => {});
    }
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return { written, perSecond: written / ((performance.now() - t0) / 1000) };
    },
  };
}

/** Sends `m` to the server and waits for its reply carrying `key`. */
function ask<T>(child: ChildProcess, key: string, m?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (!(key in reply)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply[key] as T);
    };
    const onExit = (code: number | null) => reject(new Error(`lookup server exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (m) child.send(m);
  });
}

function gcLine(s: ServerStats): string {
  const f = (k: keyof ServerStats['gc']) => `${s.gc[k].count} (${s.gc[k].totalMs.toFixed(0)} ms, longest ${s.gc[k].maxMs.toFixed(1)} ms)`;
  return `scavenges ${f('scavenge')}, mark-compacts ${f('markCompact')}, incremental marking steps ${f('incremental')}`;
}

async function main(): Promise<void> {
  const rate = arg('rate', 5000);
  const seconds = arg('seconds', 20);
  const baselineSeconds = arg('baseline-seconds', 10);
  const writes = arg('writes', 100, true);
  const mode = modeArg();
  const niceAt = process.argv.indexOf('--nice');
  const nice = niceAt >= 0 ? Number(process.argv[niceAt + 1]) : null;
  if (nice !== null && (!Number.isInteger(nice) || nice < -20 || nice > 19)) throw new Error('--nice must be an integer from -20 to 19');
  const prefix = `callguard:bench:${randomBytes(6).toString('hex')}`;
  const keys = enforcerKeys(prefix);
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  let child: ChildProcess | undefined;
  try {
    process.stderr.write(`[bench:lookup] writing ${LABELLED} labels under ${prefix}:… in ${REDIS_URL}\n`);
    const now = Date.now();
    for (let i = 0; i < LABELLED; i += 5000) {
      const pipe = redis.pipeline();
      for (let j = i; j < Math.min(LABELLED, i + 5000); j++) pipe.set(keys.label(numberAt(j)), JSON.stringify(view(numberAt(j), now)), 'PX', 3_600_000);
      await pipe.exec();
    }
    const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS ? process.env.BENCH_SERVER_NODE_OPTIONS.split(' ').filter(Boolean) : [];
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    child = spawn(process.execPath, [...nodeOptions, ...prof, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', prefix, mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await ask<ServerReady>(child, 'ready');
    process.stderr.write(
      `[bench:lookup] lookup server: child pid ${child.pid}${nodeOptions.length ? ` (${nodeOptions.join(' ')})` : ''}, on ${ready.url}, lookups from ${mode === 'replica' ? `the in-process label replica (${ready.labels} labels loaded in ${ready.loadMs.toFixed(0)} ms)` : 'one Redis GET each'}; ` +
        `heap ${ready.heapMiB.toFixed(0)} MiB once loaded (load garbage included; no forced GC before the run)\n` +
        `[bench:lookup] ${rate}/s for ${seconds} s on ${CONNECTIONS} connections, half of the numbers labelled, ${writes} label writes/s meanwhile; load average before: ${loadAverage()}\n`,
    );
    if (nice !== null) {
      setPriority(child.pid!, nice);
      setPriority(nice);
      process.stderr.write(`[bench:lookup] server and load generator at nice ${nice}\n`);
    }
    const { hostname, port } = new URL(ready.url);
    const host = hostname;
    // Half the lookups hit a labelled number, half a clear one (most callers are not flagged).
    const pick = (i: number) => numberAt(i % 2 === 0 ? (i * 7919) % LABELLED : LABELLED + ((i * 104_729) % 1_000_000));
    const httpGet = (i: number) => `GET /v1/numbers/${encodeURIComponent(pick(i))} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const http = { host, port: Number(port), connections: CONNECTIONS, rate, protocol: 'http' as const, request: httpGet };
    await openLoop({ ...http, seconds: 2 }); // warm-up: JIT, connections
    await ask(child, 'marked', { cmd: 'mark' });
    const cpuBefore = cpuSeconds(child.pid!);
    const clientBefore = process.cpuUsage();
    const writer = churn(redis, (i) => keys.label(numberAt((i * 31_337) % LABELLED)), writes);
    const httpPhase = await openLoop({ ...http, seconds });
    const churned = writer.stop();
    const serverCpu = cpuSeconds(child.pid!) - cpuBefore;
    const clientUsage = process.cpuUsage(clientBefore);
    const stats = await ask<ServerStats>(child, 'stats', { cmd: 'stats' });
    const httpRun = report(`HTTP GET /v1/numbers/{n} (${mode})`, httpPhase);
    process.stdout.write(
      `${'  label writes meanwhile'.padEnd(34)} ${churned.written} (${churned.perSecond.toFixed(0)}/s); load average ${loadAverage()}\n` +
        `${'  server GC during the run'.padEnd(34)} ${gcLine(stats)}; heap now ${stats.heapUsedMiB.toFixed(0)} MiB; lookups read from ${stats.reads}\n`,
    );
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;

    // The baseline: the same keys with a bare Redis GET each, from the same generator at the same rate.
    const redisUrl = new URL(REDIS_URL);
    const respGet = (i: number) => {
      const key = keys.label(pick(i));
      return `*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`;
    };
    const resp = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), connections: CONNECTIONS, rate, protocol: 'resp' as const, request: respGet };
    await openLoop({ ...resp, seconds: 1 });
    const redisRun = report('bare Redis GET (baseline)', await openLoop({ ...resp, seconds: baselineSeconds }));
    process.stdout.write(`${'  load average'.padEnd(34)} ${loadAverage()}\n`);
    const heap = await ask<ServerHeap>(child, 'heap', { cmd: 'heap' });
    process.stdout.write(
      `\nserver heap after a full GC (after the runs): ${heap.heapMiB.toFixed(1)} MiB, of which the label replica ${heap.replicaMiB.toFixed(1)} MiB = ${((heap.replicaMiB * 2 ** 20) / Math.max(1, heap.labels)).toFixed(0)} bytes per label (${heap.labels} labels)\n`,
    );
    process.stdout.write(
      `CPU per lookup: server ${((serverCpu / httpRun.requests) * 1e6).toFixed(0)} µs (${(serverCpu / seconds).toFixed(2)} cores), ` +
        `load generator ${((clientCpu / httpRun.requests) * 1e6).toFixed(0)} µs (${(clientCpu / seconds).toFixed(2)} cores); load average now ${loadAverage()}\n`,
    );
    process.stdout.write(
      `lookup API p99 ${httpRun.p99.toFixed(2)} ms at ${httpRun.rate.toFixed(0)}/s (target ≤ 5 ms at 5,000/s: ${httpRun.p99 <= 5 && httpRun.rate >= 0.98 * 5000 && httpRun.errors === 0 ? 'met' : 'NOT met'}); ` +
        `bare Redis GET p99 ${redisRun.p99.toFixed(2)} ms in the same run\n`,
    );
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

if (process.argv[2] === '--serve') await serveLookups(REDIS_URL, process.argv[3], process.argv[4] === 'redis' ? 'redis' : 'replica');
else await main();
