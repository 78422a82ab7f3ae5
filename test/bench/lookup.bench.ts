/**
 * `npm run bench:lookup`: caller-ID label lookups at a fixed offered rate
 * (default 5,000/s for 20 s) through the enforcer's HTTP lookup API
 * (`GET /v1/numbers/{number}`, its own process, label keys in Redis on
 * loopback, answered from the in-process label replica — `--mode redis`
 * for one Redis GET per lookup instead), while labels keep changing in
 * Redis (`--writes`, default 100/s, so the replica's invalidations and
 * re-reads are part of the run); then a bare Redis GET of the same keys at
 * the same rate (10 s) as the baseline.
 *
 * Load is offered open-loop on a fixed schedule (request i is due at
 * t0 + i/rate, whatever the responses do) and latency is measured from the
 * time each request was DUE, so a stalled generator or server shows up in
 * the figures instead of being hidden (coordinated omission); the time from
 * the actual send (service time) and the generator's lag are printed
 * beside it. p50, p90, p99, p99.9, max, achieved rate and the load average.
 *
 *   npm run bench:lookup
 *   npm run bench:lookup -- --rate 5000 --seconds 20 --baseline-seconds 10 --writes 100 --mode replica|redis [--nice -10]
 *
 * `--nice N` runs the lookup server and the load generator at that
 * scheduling priority (negative needs root): how the lookup API behaves when
 * it is given the CPU priority a call-setup service would get, on a machine
 * busy with other work. Redis keeps its own priority. Default: unchanged.
 *
 * The lookup server runs in a child process (this file with `--serve`) so
 * that load generation and serving do not share one event loop; the load
 * generator is a lean pipelining HTTP/1.1 client on 8 keep-alive
 * connections, so that its own CPU does not crowd out the server. Keys live
 * under a random prefix and are deleted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg, setPriority } from 'node:os';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { enforcerKeys } from '../../services/enforcer/keys.ts';
import { createEnforcementStore } from '../../services/enforcer/store.ts';
import { buildLookupServer } from '../../services/enforcer/lookup.ts';
import { createEnforcerMetrics } from '../../services/enforcer/metrics.ts';
import { startLabelReplica } from '../../services/enforcer/label-replica.ts';
import { clearView, type LookupView } from '../../services/enforcer/view.ts';
import { cpuSeconds } from './process-probes.ts';

const REDIS_URL = process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379';
const LABELLED = 100_000;

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

/** Child role: serve lookups for `prefix` on a free loopback port (as `callguard enforce` does); print the URL once ready. */
async function serve(prefix: string, mode: Mode): Promise<void> {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const keys = enforcerKeys(prefix);
  const store = createEnforcementStore(redis, { keys, protectTtlMs: 86_400_000, minRetentionMs: 86_400_000 });
  const metrics = createEnforcerMetrics();
  const replica = mode === 'replica' ? startLabelReplica({ redisUrl: REDIS_URL, labelPrefix: keys.label(''), maxEntries: 2_000_000 }) : undefined;
  if (replica) {
    const t = performance.now();
    await replica.whenReady();
    process.stderr.write(`[bench:lookup] server: replica ${replica.state()} with ${replica.size()} labels in ${(performance.now() - t).toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB\n`);
  }
  const app = buildLookupServer({ store, metrics, replica, health: async () => ({ redis: true, consumer: 'bench' }) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${url}\n`);
  process.on('SIGTERM', () => {
    void (async () => {
      const reads = (await metrics.lookupReads.get()).values.map((v) => `${v.labels.from} ${v.value}`).join(', ');
      process.stderr.write(`[bench:lookup] server: lookups read from ${reads || 'nowhere'}\n`);
      await app.close();
      await replica?.close();
      redis.disconnect();
    })();
  });
}

/**
 * A lean HTTP/1.1 client for the load generator: a few keep-alive
 * connections, requests written as raw bytes (pipelined, round-robin) and
 * responses matched in order by Content-Length. Node's own http client
 * costs ~150 µs of CPU per request here, as much as the server under test,
 * which on two shared cores would measure the generator instead.
 */
function leanClient(host: string, port: number, connections: number): { get(path: string): Promise<void>; close(): void } {
  type Pending = { resolve: () => void; reject: (e: Error) => void };
  const conns = Array.from({ length: connections }, () => {
    const socket = net.connect({ host, port, noDelay: true });
    const queue: Pending[] = [];
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const ok = head.startsWith('HTTP/1.1 200');
        buf = buf.subarray(end + 4 + len);
        const p = queue.shift();
        if (ok) p?.resolve();
        else p?.reject(new Error(head.split('\r\n')[0]));
      }
    });
    socket.on('error', (err) => {
      for (const p of queue.splice(0)) p.reject(err);
    });
    return { socket, queue };
  });
  let next = 0;
  return {
    get(path) {
      const c = conns[next++ % conns.length];
      return new Promise<void>((resolve, reject) => {
        c.queue.push({ resolve, reject });
        c.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      });
    },
    close() {
      for (const c of conns) c.socket.destroy();
    },
  };
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

/** What one timed phase measured. */
interface Phase {
  /** Latency of each request from the time it was due on the schedule, ms (NaN = failed). */
  lat: Float64Array;
  /** Latency of each request from its actual send (service time), ms (NaN = failed). */
  service: Float64Array;
  errors: number;
  sent: number;
  wallSec: number;
  /** How late the generator sent requests behind their schedule: p99 and max, ms. */
  lagP99: number;
  lagMax: number;
}

/**
 * Offers `rate` requests/s for `seconds`, open-loop: requests go out on a
 * 1 ms timer whatever the responses do (no waiting on slow ones), and the
 * generator's own lateness behind the schedule is reported apart.
 */
async function drive(rate: number, seconds: number, request: (i: number) => Promise<void>): Promise<Phase> {
  const total = Math.round(rate * seconds);
  const lat = new Float64Array(total);
  const service = new Float64Array(total);
  const lag = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let sent = 0;
  const t0 = performance.now();
  const interval = 1000 / rate;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueNow = Math.min(total, Math.floor((now - t0) / interval) + 1);
      for (; sent < dueNow; sent++) {
        const i = sent;
        const start = performance.now();
        const due = t0 + i * interval;
        lag[i] = start - due;
        request(i).then(
          () => {
            const end = performance.now();
            lat[i] = end - due;
            service[i] = end - start;
            if (++done === total) resolve();
          },
          () => {
            errors++;
            lat[i] = Number.NaN;
            service[i] = Number.NaN;
            if (++done === total) resolve();
          },
        );
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const lags = Array.from(lag).sort((a, b) => a - b);
  return { lat, service, errors, sent, wallSec: (performance.now() - t0) / 1000, lagP99: lags[Math.floor(0.99 * lags.length)] ?? 0, lagMax: lags.at(-1) ?? 0 };
}

function quantiles(xs: Float64Array): { p50: number; p90: number; p99: number; p999: number; max: number } {
  const ok = Array.from(xs).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? Number.NaN;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: ok.at(-1) ?? Number.NaN };
}

/** Prints a phase: latency from the due time (what counts), then service time and generator lag. */
function report(label: string, r: Phase): { requests: number; errors: number; rate: number; p50: number; p90: number; p99: number; p999: number; max: number } {
  const due = quantiles(r.lat);
  const svc = quantiles(r.service);
  const figures = { requests: r.sent, errors: r.errors, rate: r.sent / r.wallSec, ...due };
  const ms = (x: number) => x.toFixed(3);
  const line = (q: ReturnType<typeof quantiles>) => `p50 ${ms(q.p50)}  p90 ${ms(q.p90)}  p99 ${ms(q.p99)}  p99.9 ${ms(q.p999)}  max ${ms(q.max)} ms`;
  process.stdout.write(
    `${label.padEnd(30)} ${String(figures.requests).padStart(7)} req  ${figures.rate.toFixed(0).padStart(5)}/s  errors ${figures.errors}  ${line(due)}\n` +
      `${'  from actual send'.padEnd(30)} ${' '.repeat(31)}${line(svc)}  (generator lag p99 ${r.lagP99.toFixed(1)} ms, max ${r.lagMax.toFixed(1)} ms)\n`,
  );
  return figures;
}

/** Rewrites labels at `rate`/s (new JSON, new expiry) until stopped: the churn the enforcer's consumer causes. */
function churn(redis: Redis, keyOf: (i: number) => string, rate: number): { stop(): number } {
  if (rate === 0) return { stop: () => 0 };
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
      return written;
    },
  };
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
    child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_OPTIONS ? process.env.BENCH_SERVER_NODE_OPTIONS.split(' ') : []), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', prefix, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child!.once('exit', (code) => reject(new Error(`lookup server exited with ${code}`)));
    });
    process.stderr.write(
      `[bench:lookup] lookup server (child pid ${child.pid}, lookups from ${mode === 'replica' ? 'the in-process label replica' : 'one Redis GET each'}) on ${url}; ` +
        `${rate}/s for ${seconds} s, half of the numbers labelled, ${writes} label writes/s meanwhile; load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
    );
    if (nice !== null) {
      setPriority(child.pid!, nice);
      setPriority(nice);
      process.stderr.write(`[bench:lookup] server and load generator at nice ${nice}\n`);
    }
    const { hostname, port } = new URL(url);
    const client = leanClient(hostname, Number(port), 8);
    // Half the lookups hit a labelled number, half a clear one (most callers are not flagged).
    const pick = (i: number) => numberAt(i % 2 === 0 ? (i * 7919) % LABELLED : LABELLED + ((i * 104_729) % 1_000_000));
    const get = (i: number) => client.get(`/v1/numbers/${encodeURIComponent(pick(i))}`);
    await drive(rate, 2, get); // warm-up: JIT, connections
    const cpuBefore = cpuSeconds(child.pid!);
    const clientBefore = process.cpuUsage();
    const writer = churn(redis, (i) => keys.label(numberAt((i * 31_337) % LABELLED)), writes);
    const httpPhase = await drive(rate, seconds, get);
    const written = writer.stop();
    const loadAfterHttp = loadavg();
    const httpRun = report(`HTTP GET /v1/numbers/{n} (${mode})`, httpPhase);
    process.stdout.write(`${'  label writes meanwhile'.padEnd(30)} ${written} (${(written / seconds).toFixed(0)}/s); load average ${loadAfterHttp.map((l) => l.toFixed(1)).join(' ')}\n`);
    const serverCpu = cpuSeconds(child.pid!) - cpuBefore;
    const clientUsage = process.cpuUsage(clientBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    client.close();
    const bare = (i: number) => redis.get(keys.label(pick(i))).then(() => undefined);
    await drive(rate, 1, bare);
    const redisRun = report('bare Redis GET (baseline)', await drive(rate, baselineSeconds, bare));
    process.stdout.write(`${'  load average'.padEnd(30)} ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    process.stdout.write(
      `\nCPU per lookup: server ${((serverCpu / httpRun.requests) * 1e6).toFixed(0)} µs (${(serverCpu / seconds).toFixed(2)} cores), ` +
        `load generator ${((clientCpu / httpRun.requests) * 1e6).toFixed(0)} µs (${(clientCpu / seconds).toFixed(2)} cores); ` +
        `load average while running: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine's cores\n`,
    );
    process.stdout.write(
      `lookup API p99 ${httpRun.p99.toFixed(2)} ms at ${httpRun.rate.toFixed(0)}/s (target ≤ 5 ms at 5,000/s: ${httpRun.p99 <= 5 && httpRun.rate >= 0.98 * 5000 ? 'met' : 'NOT met'}); ` +
        `the HTTP layer adds ${(httpRun.p50 - redisRun.p50).toFixed(3)} ms at p50 over a bare GET\n`,
    );
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
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

if (process.argv[2] === '--serve') await serve(process.argv[3], process.argv[4] === 'redis' ? 'redis' : 'replica');
else await main();
