/**
 * One artifact fetched straight from a Maven repository over HTTPS, checked
 * against the repository's own `.sha1`, and kept in the local Maven
 * repository's layout. It is the fallback for an artifact whose file is
 * served but whose descriptor mvn cannot read: Apicurio 3.0.9's archive is on
 * the repository this machine kind reaches, its parent POM
 * (io.apicurio:apicurio-registry:3.0.9) is not, and `mvn dependency:copy`
 * and `dependency:get` both read the descriptor first and give up.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Maven Central, where mvn itself looks unless a settings.xml names a mirror. */
export const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

export interface MavenCoordinates {
  group: string;
  artifact: string;
  version: string;
  type: string;
  classifier?: string;
}

/** The artifact's path inside a repository, local or remote (`io/apicurio/…/3.0.9/…-3.0.9-all.tar.gz`). */
export function artifactPath(c: MavenCoordinates): string {
  const file = `${c.artifact}-${c.version}${c.classifier ? `-${c.classifier}` : ''}.${c.type}`;
  return [...c.group.split('.'), c.artifact, c.version, file].join('/');
}

/** The SHA-1 a `.sha1` file holds: its first word, whether or not a file name follows it. */
export function parseSha1(text: string): string {
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{40}$/.test(word)) throw new Error(`not a SHA-1 checksum: ${JSON.stringify(text.slice(0, 60))}`);
  return word;
}

function sha1Of(path: string): string {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

/** Where mvn keeps its downloads: the given folder, else ~/.m2/repository. */
export function localRepository(override: string | undefined): string {
  return override ?? join(homedir(), '.m2', 'repository');
}

/** Where the artifact's file is, or goes, in `localRepo`. */
function localFile(c: MavenCoordinates, localRepo: string): string {
  return join(localRepo, ...artifactPath(c).split('/'));
}

/** The artifact's file in `localRepo` if it is there and matches the `.sha1` beside it (as mvn and `fetchArtifact` leave them). */
export function cachedArtifact(c: MavenCoordinates, localRepo: string): string | undefined {
  const file = localFile(c, localRepo);
  const sumFile = `${file}.sha1`;
  if (!existsSync(file) || !existsSync(sumFile)) return undefined;
  try {
    return sha1Of(file) === parseSha1(readFileSync(sumFile, 'utf8')) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The artifact's file in `localRepo`, downloaded from `remote` unless a copy
 * whose checksum matches its `.sha1` is there already. The download goes to
 * a `.part` file first and is renamed only once its SHA-1 matches the
 * repository's, so an interrupted or damaged download never passes for the
 * artifact. Returns the file's path.
 */
export async function fetchArtifact(
  c: MavenCoordinates,
  localRepo: string,
  remote: string = MAVEN_CENTRAL,
  opts: { timeoutMs?: number; onProgress?: (received: number, total: number | undefined) => void } = {},
): Promise<string> {
  const cached = cachedArtifact(c, localRepo);
  if (cached !== undefined) return cached;
  const file = localFile(c, localRepo);
  const sumFile = `${file}.sha1`;
  const url = `${remote.replace(/\/+$/, '')}/${artifactPath(c)}`;
  // One deadline for the checksum and the archive together: a repository that stops sending fails the call.
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 15 * 60_000);
  const sumRes = await fetch(`${url}.sha1`, { signal });
  if (!sumRes.ok) throw new Error(`GET ${url}.sha1: HTTP ${sumRes.status}`);
  const expected = parseSha1(await sumRes.text());
  const res = await fetch(url, { signal });
  if (!res.ok || res.body === null) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      opts.onProgress?.(received, total);
      done(null, chunk);
    },
  });
  mkdirSync(dirname(file), { recursive: true });
  const part = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(part));
    const actual = sha1Of(part);
    if (actual !== expected) throw new Error(`GET ${url}: SHA-1 ${actual} does not match the repository's ${expected}`);
    renameSync(part, file);
    writeFileSync(sumFile, `${expected}\n`);
    return file;
  } finally {
    rmSync(part, { force: true });
  }
}
