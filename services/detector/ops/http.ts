/**
 * The operations endpoint: `/metrics` (Prometheus text), `/healthz` (the
 * process is alive) and `/readyz` (200 when consuming with every dependency,
 * 503 with the reason otherwise — starting, degraded, blocked, failed, stopping). Listens on
 * 127.0.0.1 unless configured otherwise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What /readyz reports. */
export interface Readiness {
  ready: boolean;
  status: 'starting' | 'ready' | 'degraded' | 'blocked' | 'failed' | 'stopping';
  checks: Record<string, boolean>;
  /** Why, when an output is refused for good (e.g. ClickHouse's message) or the detector failed (`failed`). */
  error?: string;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the ops server on host:port (port 0 = any free port). */
export async function startOpsServer(host: string, port: number, registry: Registry, readiness: () => Readiness): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
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
