/**
 * Installing what the services need: Debian packages through apt-get and
 * artifacts from Maven Central through mvn. Both are cached by their own
 * tools (dpkg, ~/.m2), so a second run costs nothing.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { progress, StackError } from './log.ts';
import { tailFile } from './process.ts';
import { DOWNLOAD_RETRY_DELAYS_MS, firstLine, withRetries } from './retry.ts';

/** True when the Debian package is installed. */
export function debInstalled(pkg: string): boolean {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

/** Runs a command with its output appended to a log, printing a heartbeat every 15 s. */
export async function runLogged(what: string, command: string, args: string[], cfg: StackConfig, logName: string, cwd?: string): Promise<void> {
  const logDir = join(cfg.stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, logName);
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const beat = setInterval(() => progress(`${what}: still running (${Math.round((Date.now() - started) / 1000)} s, log ${logFile})`), 15_000);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: cwd ?? cfg.stateDir,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      child.once('error', reject);
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new StackError(`${what} failed (exit ${code}); last lines of ${logFile}:\n${tailFile(logFile)}`);
  } catch (err) {
    if (err instanceof StackError) throw err;
    throw new StackError(`${what}: cannot run ${command}: ${(err as Error).message}`);
  } finally {
    clearInterval(beat);
    closeSync(fd);
  }
}

let aptUpdated = false;
let aptQueue: Promise<unknown> = Promise.resolve();

/**
 * Installs the Debian packages that are missing (apt-get update first, once).
 * Needs root. Calls are queued: one apt-get at a time.
 */
export function ensureDebPackages(cfg: StackConfig, packages: string[]): Promise<void> {
  const run = aptQueue.then(() => installMissing(cfg, packages));
  aptQueue = run.catch(() => {});
  return run;
}

/**
 * apt-get options: retry each download (Acquire::Retries), wait for the dpkg lock instead of
 * failing at once when another apt-get or dpkg holds it, and never stop at a conffile question
 * (a dependency upgraded along the way whose config file was edited): keep the installed file.
 * With no standard input such a question fails the install ("end of file on stdin at conffile prompt").
 */
export const APT_OPTIONS = [
  '-o', 'Acquire::Retries=3',
  '-o', 'DPkg::Lock::Timeout=300',
  '-o', 'Dpkg::Options::=--force-confdef',
  '-o', 'Dpkg::Options::=--force-confold',
] as const;

async function installMissing(cfg: StackConfig, packages: string[]): Promise<void> {
  const missing = packages.filter((p) => !debInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new StackError(`Debian packages missing: ${missing.join(' ')}. Install them as root: apt-get update && apt-get install -y ${missing.join(' ')}`);
  }
  const aptLog = join(cfg.stateDir, 'logs', 'apt.log');
  // Three attempts: a mirror that fails for a moment, or a dpkg left half-configured by an interrupted
  // install ('dpkg was interrupted, you must manually run dpkg --configure -a'), is retried, not fatal.
  await withRetries(
    async (attempt) => {
      if (attempt > 1) await runLogged('dpkg --configure -a', 'dpkg', ['--force-confdef', '--force-confold', '--configure', '-a'], cfg, 'apt.log');
      if (!aptUpdated || attempt > 1) {
        progress('apt-get update');
        await runLogged('apt-get update', 'apt-get', [...APT_OPTIONS, 'update'], cfg, 'apt.log');
        aptUpdated = true;
      }
      const todo = missing.filter((p) => !debInstalled(p));
      progress(`apt-get install ${todo.join(' ')}`);
      const release = holdServiceStarts();
      try {
        await runLogged(`apt-get install ${todo.join(' ')}`, 'apt-get', [...APT_OPTIONS, 'install', '-y', '--no-install-recommends', ...todo], cfg, 'apt.log');
      } finally {
        release();
      }
      const still = todo.filter((p) => !debInstalled(p));
      if (still.length > 0) throw new StackError(`apt-get could not install ${still.join(' ')}; see ${aptLog}`);
    },
    { onRetry: (err, next, delay) => progress(`${firstLine(err)}; trying again in ${delay / 1000} s (attempt ${next} of ${DOWNLOAD_RETRY_DELAYS_MS.length + 1})`) },
  );
  await stopDistroServices(cfg, missing);
}

/** Where invoke-rc.d (and deb-systemd-invoke) look for the local policy on starting services. */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
/** First lines of the policy-rc.d the stack writes, so that one left by a killed run is recognised as its own. */
const POLICY_MARK = '# callguard stack: temporary, removed when its apt-get install is over';
/** The stack's policy-rc.d: every start, stop and restart is refused (101: action forbidden by policy). */
export const POLICY_RC_D_TEXT = `#!/bin/sh\n${POLICY_MARK}\nexit 101\n`;

/**
 * Keeps the maintainer scripts of the packages being installed from starting their services: a Debian
 * package's postinst starts the distribution's server (redis-server on 6379, clickhouse-server on 8123 and
 * 9000), on the very ports the stack's own process binds next. Writes `policyFile` (exit 101) unless one is
 * there already (the machine's own policy, left as it is; one the stack left behind when killed is reused),
 * and returns what removes it again. Without the right to write it (not root, read-only /usr), it does
 * nothing: {@link stopDistroServices} and the port check after provisioning are then what is left.
 */
export function holdServiceStarts(policyFile: string = POLICY_RC_D, say: (m: string) => void = progress): () => void {
  const ours = (): boolean => {
    try {
      return readFileSync(policyFile, 'utf8').includes(POLICY_MARK);
    } catch {
      return false;
    }
  };
  try {
    writeFileSync(policyFile, POLICY_RC_D_TEXT, { mode: 0o755, flag: ours() ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') say(`cannot write ${policyFile} (${code ?? (err as Error).message}): the packages installed now may start their services`);
    return () => {};
  }
  return () => {
    if (ours()) rmSync(policyFile, { force: true });
  };
}

/** The systemd units a package ships (`<name>.service`, not templates), from its `dpkg -L` listing. */
export function serviceUnitsIn(listing: string): string[] {
  const units = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^\/(?:usr\/)?lib\/systemd\/system\/([^/@]+\.service)$/.exec(line.trim());
    if (m) units.add(m[1]);
  }
  return [...units].sort();
}

/**
 * On a systemd host, stops and disables the services the packages just installed ship: policy-rc.d only
 * keeps them from starting now (and may not have been writable), while deb-systemd-helper enables them,
 * so the distribution's redis-server or clickhouse-server would take the stack's ports at the next boot.
 * The stack runs its own processes from these packages' binaries; their units are not used.
 */
async function stopDistroServices(cfg: StackConfig, packages: string[]): Promise<void> {
  if (!existsSync('/run/systemd/system')) return;
  const units: string[] = [];
  for (const pkg of packages) {
    try {
      units.push(...serviceUnitsIn(execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
    } catch {
      // not installed after all: the install step reported it
    }
  }
  if (units.length === 0) return;
  progress(`systemctl disable --now ${units.join(' ')} (the stack runs its own processes, on the same ports)`);
  try {
    await runLogged(`systemctl disable --now ${units.join(' ')}`, 'systemctl', ['disable', '--now', ...units], cfg, 'apt.log');
  } catch (err) {
    // Not fatal here: a unit still running is caught by the port check that follows provisioning.
    progress(`${firstLine(err)}; a distribution service left running is reported by the port check`);
  }
}

function runs(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure `java` (17+) and `mvn` exist, installing Debian's when missing. */
export async function ensureJavaAndMaven(cfg: StackConfig): Promise<void> {
  const missing: string[] = [];
  if (!runs('java', ['-version'])) missing.push('openjdk-17-jre-headless');
  if (!runs('mvn', ['-v'])) missing.push('maven');
  if (missing.length > 0) await ensureDebPackages(cfg, missing);
}

/** Where mvn keeps downloads: CALLGUARD_MAVEN_REPO or ~/.m2/repository. */
export function mavenRepoLabel(cfg: StackConfig): string {
  return cfg.mavenRepo ?? '~/.m2/repository';
}

/** Runs mvn in batch mode (quiet, local repository from CALLGUARD_MAVEN_REPO when set), up to three times. */
export async function runMaven(cfg: StackConfig, what: string, args: string[], cwd: string): Promise<void> {
  await ensureJavaAndMaven(cfg);
  const repo = cfg.mavenRepo ? [`-Dmaven.repo.local=${cfg.mavenRepo}`] : [];
  // Three attempts. From the second on, -U: Maven records an artifact it could not find (a mirror's
  // passing 404) in the local repository and would not ask again for a day without it.
  await withRetries((attempt) => runLogged(what, 'mvn', ['-B', '-q', ...(attempt > 1 ? ['-U'] : []), ...repo, ...args], cfg, 'maven.log', cwd), {
    onRetry: (err, next, delay) => progress(`${firstLine(err)}; trying again in ${delay / 1000} s (attempt ${next} of ${DOWNLOAD_RETRY_DELAYS_MS.length + 1})`),
  });
}
