/**
 * `callguard stack up`: provisions (apt-get, mvn; cached), starts what is not
 * already running, waits until every service really answers, then creates
 * topics, registers schemas and applies migrations. Idempotent. A port held
 * by something that is not the expected service is reported, not waited on.
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import type { StackConfig } from './config.ts';
import { SERVICE_NAMES, type StackService } from './service.ts';
import type { ProbeResult } from './probes.ts';
import { stackServices, pidFileOf } from './services.ts';
import { isPortFree, portHolder } from './ports.ts';
import { isRunning, readPidFile, spawnDetached, tailFile, type PidRecord } from './process.ts';
import { progress, StackError } from './log.ts';
import { bootstrapStack } from './bootstrap.ts';
import { firstLine, withRetries } from './retry.ts';

/** How a service came to be up. */
export type UpState = 'started' | 'running' | 'reused' | 'external';

/** One line of the `up` summary. */
export interface UpLine {
  service: StackService;
  state: UpState;
  pid?: number;
  probe: ProbeResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decides what to do about one service before starting anything. */
async function assess(cfg: StackConfig, svc: StackService): Promise<{ state: UpState | 'start'; rec?: PidRecord; probe?: ProbeResult }> {
  if (!svc.local) {
    const probe = await svc.probe();
    if (!probe.ok) throw new StackError(`${svc.name} at ${svc.endpoint} (${svc.envVar}, not loopback so not started here) does not answer: ${probe.detail}`);
    return { state: 'external', probe };
  }
  const pidFile = pidFileOf(cfg, svc.name);
  const rec = readPidFile(pidFile);
  if (isRunning(rec)) return { state: 'running', rec };
  if (existsSync(pidFile)) rmSync(pidFile); // stale: that process is gone
  const host = '127.0.0.1';
  const busy: number[] = [];
  for (const port of svc.ports) if (!(await isPortFree(host, port))) busy.push(port);
  if (busy.length === 0) return { state: 'start' };
  const probe = await svc.probe();
  if (probe.ok) return { state: 'reused', probe };
  const held = busy.map((p) => `${p} (held by ${portHolder(p)})`).join(', ');
  throw new StackError(
    `cannot start ${svc.name}: port ${held} on ${host} is in use by something that does not answer as ${svc.name} (${probe.detail}). ` +
      `Stop that process, or move ${svc.name} with ${svc.envVar}.`,
  );
}

/** Waits until a started service answers, failing early if its process dies. */
async function waitReady(cfg: StackConfig, svc: StackService, rec: PidRecord): Promise<ProbeResult> {
  const deadline = Date.now() + svc.startTimeoutSec * 1000;
  const log = `${cfg.stateDir}/logs/${svc.name}.log`;
  let last: ProbeResult = { ok: false, detail: 'not checked yet' };
  let quickOk = !svc.quickProbe;
  let lastSaid = Date.now();
  while (Date.now() < deadline) {
    if (!isRunning(rec)) {
      throw new StackError(`${svc.name} exited during start-up; last lines of ${log}:\n${tailFile(log)}`);
    }
    if (!quickOk) {
      last = await svc.quickProbe!();
      quickOk = last.ok;
    } else {
      last = await svc.probe();
      if (last.ok) return last;
    }
    if (Date.now() - lastSaid >= 10_000) {
      progress(`waiting for ${svc.name}: ${last.detail}`);
      lastSaid = Date.now();
    }
    await sleep(quickOk ? 200 : 1000);
  }
  throw new StackError(`${svc.name} did not answer within ${svc.startTimeoutSec} s (${last.detail}); last lines of ${log}:\n${tailFile(log)}`);
}

/** Brings the stack up (or confirms it is up) and returns the summary lines. */
export async function stackUp(cfg: StackConfig, names: string[] = []): Promise<UpLine[]> {
  mkdirSync(cfg.stateDir, { recursive: true });
  const services = stackServices(cfg, names);
  const plans = [];
  for (const svc of services) plans.push({ svc, ...(await assess(cfg, svc)) });

  // Each service goes provision -> start -> wait on its own, all side by side
  // (apt-get calls are queued inside ensureDebPackages).
  const settled = await Promise.allSettled(
    plans.map(async (p): Promise<UpLine> => {
      if (p.state === 'reused' && p.svc.provisionWhenReused) await p.svc.provision(cfg);
      if (p.state === 'reused' || p.state === 'external') return { service: p.svc, state: p.state, probe: p.probe! };
      if (p.state === 'start') {
        await p.svc.provision(cfg);
        const spec = await p.svc.launch(cfg);
        p.rec = spawnDetached(spec, pidFileOf(cfg, p.svc.name));
        progress(`started ${p.svc.name} (pid ${p.rec.pid}), log ${spec.logFile}`);
      }
      const probe = await waitReady(cfg, p.svc, p.rec!);
      progress(`${p.svc.name} answers: ${probe.detail}`);
      return { service: p.svc, state: p.state === 'start' ? 'started' : 'running', pid: p.rec!.pid, probe };
    }),
  );
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    const messages = failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason)));
    throw new StackError(messages.join('\n') + '\n(services that did start are still running: `callguard stack status`, `callguard stack down`)');
  }
  const lines = settled.map((r) => (r as PromiseFulfilledResult<UpLine>).value);

  if (services.length === SERVICE_NAMES.length) {
    // Idempotent, so tried again when the services, just ready, fail a first request (a registry
    // whose storage is still settling, a controller moving a new topic's leader).
    const boot = await withRetries(() => bootstrapStack(cfg), {
      delaysMs: [5_000, 15_000],
      onRetry: (err, next, delay) => progress(`creating topics, schemas and tables failed (${firstLine(err)}); trying again in ${delay / 1000} s (attempt ${next} of 3)`),
    });
    progress(
      `topics ready (${boot.topics.length}), schemas registered (${Object.keys(boot.subjects).length} subjects), ` +
        `ClickHouse database ${boot.database} migrated (${boot.migrationsApplied.length} new)`,
    );
  }
  return lines;
}
