/** Port checks: is a loopback port free, and if not, who holds it. */
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';

/** True when nothing listens on host:port (we could bind it). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A loopback port nothing listens on now (the kernel's pick): for test servers. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A short description of the process listening on `port` (from `ss`), or 'another process'. */
export function portHolder(port: number): string {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    if (m) return `${m[1]} (pid ${m[2]})`;
  } catch {
    // ss missing or not permitted: fall through
  }
  return 'another process';
}

/**
 * Pids of the processes holding a listening TCP socket on `port` (any address), from `ss`: [] when nothing
 * listens there, undefined when ss cannot tell (missing, or a socket whose process it may not see: another
 * user's, without root).
 */
export function portListenerPids(port: number): number[] | undefined {
  let out: string;
  try {
    out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const pids = new Set<number>();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const found = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    if (found.length === 0) return undefined;
    for (const pid of found) pids.add(pid);
  }
  return [...pids];
}
