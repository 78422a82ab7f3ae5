/**
 * The operations endpoint: `/metrics` (Prometheus text), `/healthz` (the
 * process is alive) and `/readyz` (200 when consuming with every dependency,
 * 503 with the reason otherwise — starting, degraded, blocked, failed, stopping). Listens on
 * 127.0.0.1 unless configured otherwise.
 *
 * Every request passes the shared Host check (shared/http/allowed-hosts.ts)
 * first, as on the console and the enforcer's API: a page that re-points its
 * DNS name at this address (DNS rebinding) must not read /metrics or /readyz
 * (topic names, partition counts, ClickHouse's error text) through a
 * browser. Only `/healthz` is exempt (it says "ok" and nothing else); a
 * probe or scraper that reaches a configured bind by IP needs that IP among
 * the allowed names — on a non-loopback bind with none configured every Host
 * is answered anyway (with the policy's warning at start).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { hostPolicy, hostRefused, misdirectedResponder, type HostPolicy } from '../../../shared/http/allowed-hosts.ts';

/** The setting that widens the ops server's Host names, named in the policy's warning and the 421's message. */
export const ALLOWED_HOSTS_VARIABLE = 'CALLGUARD_DETECTOR_ALLOWED_HOSTS';
/** A request whose Host (or absolute-form target) is not ours: 421 and a short JSON error; the connection stays usable. */
const refuse = misdirectedResponder(ALLOWED_HOSTS_VARIABLE);

/** What /readyz reports. */
export interface Readiness {
  ready: boolean;
  status: 'starting' | 'ready' | 'degraded' | 'blocked' | 'failed' | 'stopping';
  checks: Record<string, boolean>;
  /** Why, when an output is refused for good (`blocked`, e.g. ClickHouse's message), an output's writes keep failing (`degraded`) or the detector failed (`failed`). */
  error?: string;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the ops server on host:port (port 0 = any free port). `allowedHosts` is the Host policy (main.ts builds it
 * from CALLGUARD_DETECTOR_ALLOWED_HOSTS and logs its warning); unless given, the one `host` implies with no names
 * configured.
 */
export async function startOpsServer(
  host: string,
  port: number,
  registry: Registry,
  readiness: () => Readiness,
  allowedHosts: HostPolicy = hostPolicy(host, [], ALLOWED_HOSTS_VARIABLE),
): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    // First of all, before the method check: a rebinding page learns nothing from which methods are allowed either.
    if (hostRefused(allowedHosts, req.rawHeaders, req.url ?? '')) return refuse(res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const r = readiness();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: try /metrics, /healthz or /readyz"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
