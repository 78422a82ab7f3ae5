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
