/**
 * `callguard stack up`: provisions (apt-get, mvn; cached), starts what is not
 * already running, waits until every service really answers, then creates
 * topics, registers schemas and applies migrations. Idempotent. A port held
 * by something that is not the expected service is reported, not waited on;
 * so is a port taken while the service was provisioned (a Debian package
 * starting its own server), and a started process that is not the one
 * answering (it died of "Address already in use" behind another server).
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import type { StackConfig } from './config.ts';
import { SERVICE_NAMES, type StackService } from './service.ts';
import type { ProbeResult } from './probes.ts';
import { stackServices, pidFileOf, logFileOf } from './services.ts';
import { isPortFree, portHolder, portListenerPids } from './ports.ts';
import { descendsFrom, isRunning, readPidFile, spawnDetached, tailFile, type PidRecord } from './process.ts';
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
const LOOPBACK = '127.0.0.1';

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
  const host = LOOPBACK;
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

/**
 * How long a started process must stay alive after its service first answers. A probe only shows that
 * something answers on the port: a process whose bind failed ("Address already in use", another server
 * on its port) may still be on its way out when that other server answers the probe.
 */
export const START_GRACE_MS = 500;
/** How long to wait for a started process that lost its port to another server to exit (for its log). */
const CONFLICT_EXIT_WAIT_MS = 10_000;

/** The ports of `svc` that something listens on now, each with who holds it. */
async function heldPorts(svc: StackService): Promise<string[]> {
  const held: string[] = [];
  for (const port of svc.ports) if (!(await isPortFree(LOOPBACK, port))) held.push(`${port} (held by ${portHolder(port)})`);
  return held;
}

/**
 * The ports of `svc` whose listeners are known (`ss`) and are neither the started process nor one of its
 * descendants: another server answers there. Ports nobody listens on yet, or whose holder ss cannot name,
 * are not counted.
 */
function portsHeldByOthers(svc: StackService, rec: PidRecord): string[] {
  const others: string[] = [];
  for (const port of svc.ports) {
    const pids = portListenerPids(port);
    if (pids === undefined || pids.length === 0) continue;
    if (!pids.some((pid) => descendsFrom(pid, rec.pid))) others.push(`${port} (held by ${portHolder(port)})`);
  }
  return others;
}

/** Last lines of each of `logs`, under their names. */
const tails = (logs: string[]) => logs.map((l) => `last lines of ${l}:\n${tailFile(l)}`).join('\n');

/** The error for a started process that is gone: its logs, and the port conflict when another server holds its ports. */
async function exitedError(svc: StackService, rec: PidRecord, logs: string[], answered?: ProbeResult): Promise<StackError> {
  const held = await heldPorts(svc);
  const conflict =
    held.length === 0
      ? ''
      : ` Another server holds its port ${held.join(', ')} on ${LOOPBACK}` +
        (answered ? ` and answered in its place (${answered.detail})` : '') +
        ` (a distribution's service started when its Debian package was installed? stop and disable it, or move ${svc.name} with ${svc.envVar}).`;
  return new StackError(`${svc.name} (pid ${rec.pid}) exited during start-up.${conflict} ${tails(logs)}`);
}

/** Options of {@link waitReady}. */
export interface WaitReadyOptions {
  /** How long the started process must stay alive once its service answers (default {@link START_GRACE_MS}). */
  graceMs?: number;
  /** Logs whose tails explain a failure (default `.stack/logs/<service>.log`). */
  logs?: string[];
}

/**
 * Waits until a started service answers, failing early if its process dies. The answer counts only if it
 * comes from the process started: that process is still alive then and `graceMs` later, and the ports'
 * listeners, when `ss` names them, are that process or its children. Otherwise another server answered
 * (a distribution's service on the same port) and the started process is dying of "Address already in use".
 */
export async function waitReady(cfg: StackConfig, svc: StackService, rec: PidRecord, opts: WaitReadyOptions = {}): Promise<ProbeResult> {
  const graceMs = opts.graceMs ?? START_GRACE_MS;
  const deadline = Date.now() + svc.startTimeoutSec * 1000;
  const logs = opts.logs ?? [logFileOf(cfg, svc.name)];
  let last: ProbeResult = { ok: false, detail: 'not checked yet' };
  let quickOk = !svc.quickProbe;
  let lastSaid = Date.now();
  while (Date.now() < deadline) {
    if (!isRunning(rec)) throw await exitedError(svc, rec, logs);
    if (!quickOk) {
      last = await svc.quickProbe!();
      quickOk = last.ok;
    } else {
      last = await svc.probe();
      if (last.ok) {
        const others = portsHeldByOthers(svc, rec);
        if (others.length > 0) {
          // Not the started process answering: it cannot bind, and exits (its log then says why).
          const until = Date.now() + CONFLICT_EXIT_WAIT_MS;
          while (isRunning(rec) && Date.now() < until) await sleep(100);
          if (!isRunning(rec)) throw await exitedError(svc, rec, logs, last);
          throw new StackError(
            `${svc.name} (pid ${rec.pid}) does not hold its port ${others.join(', ')} on ${LOOPBACK}: another server answered in its place ` +
              `(${last.detail}). Stop that server (a distribution's service?), or move ${svc.name} with ${svc.envVar}. ${tails(logs)}`,
          );
        }
        if (isRunning(rec) && graceMs > 0) await sleep(graceMs);
        if (!isRunning(rec)) throw await exitedError(svc, rec, logs, last);
        return last;
      }
    }
    if (Date.now() - lastSaid >= 10_000) {
      progress(`waiting for ${svc.name}: ${last.detail}`);
      lastSaid = Date.now();
    }
    await sleep(quickOk ? 200 : 1000);
  }
  throw new StackError(`${svc.name} did not answer within ${svc.startTimeoutSec} s (${last.detail}); ${tails(logs)}`);
}

/**
 * Fails when a port of `svc` is no longer free after provisioning: installing a Debian package can start
 * the distribution's own server on the service's port (its postinst), which would then answer the probes
 * in place of the stack's process, or make it die with "Address already in use".
 */
export async function assertPortsStillFree(svc: StackService): Promise<void> {
  const held = await heldPorts(svc);
  if (held.length === 0) return;
  throw new StackError(
    `cannot start ${svc.name}: port ${held.join(', ')} on ${LOOPBACK} was free before ${svc.name} was provisioned and is not any more ` +
      `(a distribution's service started by its package's installation? on systemd: systemctl disable --now <unit>). ` +
      `Stop that process, or move ${svc.name} with ${svc.envVar}.`,
  );
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
      let logs: string[] | undefined;
      if (p.state === 'start') {
        await p.svc.provision(cfg);
        await assertPortsStillFree(p.svc);
        const spec = await p.svc.launch(cfg);
        p.rec = spawnDetached(spec, pidFileOf(cfg, p.svc.name));
        progress(`started ${p.svc.name} (pid ${p.rec.pid}), log ${spec.logFile}`);
        logs = [spec.logFile, ...(spec.errorLog ? [spec.errorLog] : [])];
      }
      const probe = await waitReady(cfg, p.svc, p.rec!, { logs });
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
