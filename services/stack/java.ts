/**
 * Finding a Java runtime. Kafka 4.x runs on Java 17 (Debian's default);
 * Apicurio Registry 3.3.x is compiled for Java 21, so the registry uses the
 * newest JDK found (JAVA_HOME, /usr/lib/jvm/*) and, when only Java 17
 * exists, the last Apicurio line built for 17 (3.0.x).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** A Java executable and its feature version. */
export interface JavaRuntime {
  bin: string;
  major: number;
}

/** Feature version of a java executable (17, 21, 25, ...), or undefined if it does not run. */
export function javaMajor(bin: string): number | undefined {
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return parseJavaVersion(`${r.stderr}${r.stdout}`);
}

/** Parses `openjdk version "25.0.3"` / `"1.8.0_402"` into 25 / 8. */
export function parseJavaVersion(text: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** Every Java runtime found (PATH's `java`, JAVA_HOME, /usr/lib/jvm/*), newest first. */
export function findJavaRuntimes(env: NodeJS.ProcessEnv = process.env): JavaRuntime[] {
  const candidates = new Set<string>(['java']);
  if (env.JAVA_HOME) candidates.add(join(env.JAVA_HOME, 'bin', 'java'));
  try {
    for (const d of readdirSync('/usr/lib/jvm')) {
      const bin = join('/usr/lib/jvm', d, 'bin', 'java');
      if (existsSync(bin)) candidates.add(bin);
    }
  } catch {
    // no /usr/lib/jvm
  }
  // Several names often point at one JDK (java-17-openjdk-amd64, java-1.17.0-openjdk-amd64, PATH's java).
  const unique = new Map<string, string>();
  for (const bin of candidates) {
    let real = bin;
    try {
      real = realpathSync(bin.includes('/') ? bin : whichSync(bin) ?? bin);
    } catch {
      // keep the name as given
    }
    if (!unique.has(real)) unique.set(real, bin);
  }
  const found: JavaRuntime[] = [];
  for (const bin of unique.values()) {
    const major = javaMajor(bin);
    if (major !== undefined) found.push({ bin, major });
  }
  return found.sort((a, b) => b.major - a.major);
}

function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The newest Java at least `min`, or undefined. */
export function newestJava(min: number, env: NodeJS.ProcessEnv = process.env): JavaRuntime | undefined {
  return findJavaRuntimes(env).find((j) => j.major >= min);
}
