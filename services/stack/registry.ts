/**
 * Apicurio Registry 3.x from Maven Central (io.apicurio:apicurio-registry-app
 * tar.gz:all), serving the Confluent-compatible API at /apis/ccompat/v7.
 * Storage is H2 in a file under .stack/apicurio, so schema ids survive a
 * restart. The Quarkus management port is moved off 9000 (ClickHouse's).
 * 3.3.x needs Java 21+: the newest JDK found is used (Temurin 25 here);
 * with only Java 17 the stack falls back to Apicurio 3.0.x, built for 17.
 */
import { mkdirSync, existsSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { VERSIONS } from './config.ts';
import type { StackService } from './service.ts';
import { runMaven, runLogged, ensureJavaAndMaven, mavenRepoLabel } from './provision.ts';
import { progress, StackError } from './log.ts';
import { registryProbe } from './probes.ts';
import { cachedArtifact, fetchArtifact, localRepository } from './maven-direct.ts';
import { firstLine } from './retry.ts';
import { newestJava, javaMajor, type JavaRuntime } from './java.ts';

/** Which Apicurio to run with which Java. */
interface RegistryChoice {
  java: JavaRuntime;
  version: string;
  home: string;
  appDir: string;
}

let cachedChoice: RegistryChoice | undefined;

function choose(cfg: StackConfig): RegistryChoice {
  if (cachedChoice) return cachedChoice;
  // CALLGUARD_REGISTRY_JAVA_HOME pins the JDK (e.g. to try the Java 17 fallback).
  const pinned = process.env.CALLGUARD_REGISTRY_JAVA_HOME;
  const pinnedJava = pinned ? { bin: join(pinned, 'bin', 'java'), major: javaMajor(join(pinned, 'bin', 'java')) ?? 0 } : undefined;
  if (pinnedJava && pinnedJava.major < 17) throw new Error(`CALLGUARD_REGISTRY_JAVA_HOME=${pinned} is not a Java 17+ home`);
  const modern = pinnedJava ? (pinnedJava.major >= 21 ? pinnedJava : undefined) : newestJava(21);
  const java = pinnedJava ?? modern ?? newestJava(17);
  if (!java) throw new Error('no Java 17+ found (java on PATH, JAVA_HOME, /usr/lib/jvm)');
  const version = modern ? VERSIONS.apicurio : VERSIONS.apicurioJava17;
  if (!modern) progress(`no Java 21+ found: running Apicurio ${version} (built for Java 17) on ${java.bin}`);
  const home = join(cfg.cacheDir, `apicurio-${version}`);
  cachedChoice = { java, version, home, appDir: join(home, 'app') };
  return cachedChoice;
}

/**
 * Apicurio `version`'s archive (io.apicurio:apicurio-registry-app tar.gz:all), for unpacking: the local Maven
 * repository's copy when a verified one is there, else one `mvn dependency:copy` puts into `home` (`temporary`:
 * deleted once unpacked), else — when mvn cannot read the artifact's descriptor, as for 3.0.9 whose parent POM
 * the repository here does not serve — the copy downloaded straight from the remote repository into the local
 * one, checked against its `.sha1` (maven-direct.ts). The repository's copies are read in place, not copied.
 */
async function fetchArchive(c: StackConfig, version: string, home: string): Promise<{ path: string; temporary: boolean }> {
  const coords = { group: 'io.apicurio', artifact: 'apicurio-registry-app', version, type: 'tar.gz', classifier: 'all' };
  const localRepo = localRepository(c.mavenRepo);
  const cached = cachedArtifact(coords, localRepo);
  if (cached !== undefined) return { path: cached, temporary: false };
  progress(`fetching Apicurio Registry ${version} (100-160 MB) from Maven Central (mvn, cached in ${mavenRepoLabel(c)})`);
  try {
    await runMaven(c, 'mvn dependency:copy (Apicurio)', ['org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy', `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`, `-DoutputDirectory=${home}`], home);
    const copied = readdirSync(home).find((f) => f.endsWith('.tar.gz'));
    if (!copied) throw new StackError(`no archive in ${home} after mvn dependency:copy`);
    return { path: join(home, copied), temporary: true };
  } catch (err) {
    progress(`${firstLine(err)}: fetching the archive directly from ${c.mavenRemote}, checked against its .sha1`);
    let shownAt = Date.now();
    const onProgress = (received: number, total: number | undefined): void => {
      if (Date.now() - shownAt < 15_000) return;
      shownAt = Date.now();
      progress(`Apicurio ${version}: ${(received / 1e6).toFixed(0)}${total ? ` of ${(total / 1e6).toFixed(0)}` : ''} MB received`);
    };
    const file = await fetchArtifact(coords, localRepo, c.mavenRemote, { onProgress }).catch((e: unknown) => {
      throw new StackError(`cannot fetch Apicurio ${version}: mvn failed (${firstLine(err)}), and so did the direct download: ${firstLine(e)}`);
    });
    return { path: file, temporary: false };
  }
}

/** The runnable jar inside an unpacked Apicurio archive (layouts differ between 3.0, 3.2 and 3.3). */
function runnerJar(appDir: string): string {
  for (const p of [join(appDir, 'quarkus-run.jar'), join(appDir, 'quarkus-app', 'quarkus-run.jar')]) if (existsSync(p)) return p;
  const legacy = readdirSync(appDir).find((f) => f.endsWith('-runner.jar'));
  if (legacy) return join(appDir, legacy);
  throw new Error(`no quarkus-run.jar or *-runner.jar in ${appDir}`);
}

/** The registry service of the stack. */
export function registryService(cfg: StackConfig): StackService {
  const { host, port, managementPort, url, local } = cfg.registry;
  const bindHost = host === 'localhost' ? '127.0.0.1' : host;
  return {
    name: 'registry',
    endpoint: url,
    envVar: 'CALLGUARD_SCHEMA_REGISTRY_URL',
    local,
    ports: [port, managementPort],
    startTimeoutSec: 120,
    async provision(c) {
      if (!newestJava(17)) await ensureJavaAndMaven(c); // a machine with no Java at all
      const { version, home, appDir } = choose(c);
      const marker = join(appDir, '.complete');
      if (existsSync(marker)) return;
      await ensureJavaAndMaven(c);
      mkdirSync(home, { recursive: true });
      // An archive left by an interrupted run is newer than the repository's copy, so dependency:copy would
      // keep it and every later run would fail to unpack it: start from none.
      for (const f of readdirSync(home)) if (f.endsWith('.tar.gz')) rmSync(join(home, f), { force: true });
      const archive = await fetchArchive(c, version, home);
      rmSync(appDir, { recursive: true, force: true });
      mkdirSync(appDir, { recursive: true });
      try {
        await runLogged('unpack Apicurio', 'tar', ['xzf', archive.path, '-C', appDir], c, 'maven.log');
      } catch (err) {
        rmSync(appDir, { recursive: true, force: true });
        throw new StackError(
          `${(err as Error).message}\nThe archive io.apicurio:apicurio-registry-app:${version}:tar.gz:all in the Maven repository (${mavenRepoLabel(c)}) ` +
            'may be damaged: delete it there and run `callguard stack up` again.',
        );
      } finally {
        if (archive.temporary) rmSync(archive.path, { force: true }); // the copy in the Maven repository is enough
      }
      writeFileSync(marker, `${version}\n`);
    },
    async launch(c) {
      const dir = join(c.stateDir, 'apicurio');
      mkdirSync(dir, { recursive: true });
      const { java, appDir } = choose(c);
      return {
        command: java.bin,
        args: [
          '-Xms128m',
          '-Xmx768m',
          // Faster start-up on 2 cores; the registry serves a handful of cached lookups.
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          `-Dcallguard.stack=${c.stateDir}`,
          `-Dquarkus.http.host=${bindHost}`,
          `-Dquarkus.http.port=${port}`,
          `-Dquarkus.management.host=${bindHost}`,
          `-Dquarkus.management.port=${managementPort}`,
          `-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'registry')};DB_CLOSE_ON_EXIT=FALSE`,
          '-Dapicurio.datasource.jdbc.initial-size=2',
          '-Dapicurio.datasource.jdbc.min-size=2',
          '-Dapicurio.datasource.jdbc.max-size=20',
          '-Dapicurio.ccompat.use-canonical-hash=true',
          '-Dapicurio.rules.global.compatibility=BACKWARD',
          '-Dquarkus.log.level=INFO',
          '-jar',
          runnerJar(appDir),
        ],
        cwd: dir,
        logFile: join(c.stateDir, 'logs', 'registry.log'),
      };
    },
    probe: () => registryProbe(url),
  };
}
