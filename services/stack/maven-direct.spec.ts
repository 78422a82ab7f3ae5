import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactPath, fetchArtifact, parseSha1, type MavenCoordinates } from './maven-direct.ts';

const APP: MavenCoordinates = { group: 'io.apicurio', artifact: 'apicurio-registry-app', version: '3.0.9', type: 'tar.gz', classifier: 'all' };
const REL = 'io/apicurio/apicurio-registry-app/3.0.9/apicurio-registry-app-3.0.9-all.tar.gz';

describe('artifactPath and parseSha1', () => {
  it("lays coordinates out as Maven does, with and without a classifier", () => {
    expect(artifactPath(APP)).toBe(REL);
    expect(artifactPath({ group: 'org.apache.kafka', artifact: 'kafka-clients', version: '4.1.1', type: 'jar' })).toBe(
      'org/apache/kafka/kafka-clients/4.1.1/kafka-clients-4.1.1.jar',
    );
  });

  it('reads a bare checksum and one followed by a file name; refuses anything else', () => {
    const sum = '4deac01752711c32da5662e7b778b61c5e904746';
    expect(parseSha1(`${sum}\n`)).toBe(sum);
    expect(parseSha1(`${sum.toUpperCase()}  apicurio-registry-app-3.0.9-all.tar.gz`)).toBe(sum);
    expect(() => parseSha1('<html>Not Found</html>')).toThrow(/not a SHA-1/);
    expect(() => parseSha1('')).toThrow(/not a SHA-1/);
  });
});

/** A file server on loopback holding one repository's files; counts the requests. */
describe('fetchArtifact against a repository served on loopback', () => {
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  let server: Server;
  let remote: string;
  let local: string;
  const made: string[] = [];
  /** When set, the archive's response sends its headers and one chunk, then nothing. */
  let stall = false;
  const body = Buffer.from('an archive\n'.repeat(5000));
  const sum = createHash('sha1').update(body).digest('hex');

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const f = files.get((req.url ?? '').replace(/^\/maven2\//, ''));
      if (stall && !(req.url ?? '').endsWith('.sha1')) {
        res.writeHead(200, { 'content-length': 1_000_000 }).write('a first chunk, then nothing');
        return;
      }
      if (f === undefined) res.writeHead(404).end('Not Found');
      else res.writeHead(200, { 'content-length': f.length }).end(f);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    remote = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2/`;
  });
  afterAll(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  beforeEach(() => {
    stall = false;
    files.clear();
    requests.length = 0;
    local = mkdtempSync(join(tmpdir(), 'cg-m2-'));
    made.push(local);
  });
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  it('downloads the file into the local layout with its checksum, then reuses it without asking again', async () => {
    files.set(REL, body);
    files.set(`${REL}.sha1`, Buffer.from(`${sum}  apicurio-registry-app-3.0.9-all.tar.gz\n`));
    const path = await fetchArtifact(APP, local, remote);
    expect(path).toBe(join(local, ...REL.split('/')));
    expect(readFileSync(path).equals(body)).toBe(true);
    expect(readFileSync(`${path}.sha1`, 'utf8').trim()).toBe(sum);
    expect(requests).toEqual([`/maven2/${REL}.sha1`, `/maven2/${REL}`]);
    requests.length = 0;
    expect(await fetchArtifact(APP, local, remote)).toBe(path);
    expect(requests).toEqual([]);
  });

  it('refuses a download whose SHA-1 differs and leaves neither the file nor a .part behind', async () => {
    files.set(REL, Buffer.concat([body, Buffer.from('x')]));
    files.set(`${REL}.sha1`, Buffer.from(sum));
    await expect(fetchArtifact(APP, local, remote)).rejects.toThrow(/does not match the repository's/);
    const dir = join(local, ...REL.split('/').slice(0, -1));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('downloads again over a local copy that no longer matches its checksum (a damaged file)', async () => {
    files.set(REL, body);
    files.set(`${REL}.sha1`, Buffer.from(sum));
    const path = await fetchArtifact(APP, local, remote);
    writeFileSync(path, 'damaged');
    requests.length = 0;
    await fetchArtifact(APP, local, remote);
    expect(readFileSync(path).equals(body)).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('reports the bytes received as they arrive, against the announced length', async () => {
    files.set(REL, body);
    files.set(`${REL}.sha1`, Buffer.from(sum));
    const seen: Array<[number, number | undefined]> = [];
    await fetchArtifact(APP, local, remote, { onProgress: (r, t) => seen.push([r, t]) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
  });

  it('gives up on a repository that stops sending, within its deadline, leaving no .part', async () => {
    files.set(`${REL}.sha1`, Buffer.from(sum));
    stall = true;
    const started = Date.now();
    await expect(fetchArtifact(APP, local, remote, { timeoutMs: 300 })).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(5_000);
    const dir = join(local, ...REL.split('/').slice(0, -1));
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('names the address and the HTTP status of what the repository does not serve', async () => {
    await expect(fetchArtifact(APP, local, remote)).rejects.toThrow(`GET ${remote.replace(/\/$/, '')}/${REL}.sha1: HTTP 404`);
    files.set(`${REL}.sha1`, Buffer.from(sum));
    await expect(fetchArtifact(APP, local, remote)).rejects.toThrow(`GET ${remote.replace(/\/$/, '')}/${REL}: HTTP 404`);
    expect(existsSync(join(local, ...REL.split('/')))).toBe(false);
  });
});
