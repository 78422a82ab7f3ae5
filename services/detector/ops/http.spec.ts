/**
 * The ops server's Host check (DNS rebinding), against a real listening
 * server: 421 for a foreign Host or an absolute-form target naming another
 * host, 200 for the loopback names and the configured ones, `/healthz`
 * exempt and `/readyz` and `/metrics` not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { hostPolicy, type HostPolicy } from '../../../shared/http/allowed-hosts.ts';
import { requestWithHost } from '../../../test/integration/helpers/host-request.ts';
import { ALLOWED_HOSTS_VARIABLE, startOpsServer, type OpsServer, type Readiness } from './http.ts';

const READY: Readiness = { ready: true, status: 'ready', checks: { kafka: true, redis: true, clickhouse: true } };
const REFUSAL = { error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_DETECTOR_ALLOWED_HOSTS)' };
const FOREIGN = 'rebind.attacker.example';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An ops server on a free port of `bind` with one counter in its registry; `policy` as main.ts would pass it. */
async function start(bind = '127.0.0.1', policy?: HostPolicy): Promise<{ base: string; port: number }> {
  const registry = new Registry();
  new Counter({ name: 'callguard_detector_test_total', help: 'a sample', registers: [registry] }).inc();
  server = await startOpsServer(bind, 0, registry, () => READY, policy);
  return { base: `http://127.0.0.1:${server.port}`, port: server.port };
}

describe('detector ops server: the Host check', () => {
  it('refuses a foreign Host with 421 on /metrics, /readyz, an unknown path and before the method check', async () => {
    const { base, port } = await start();
    for (const [method, path] of [['GET', '/metrics'], ['GET', '/readyz'], ['GET', '/readyz?verbose=1'], ['GET', '/nowhere'], ['POST', '/metrics']]) {
      const r = await requestWithHost(base, path, `${FOREIGN}:${port}`, { method });
      expect(r.status, `${method} ${path}`).toBe(421);
      expect(r.body, `${method} ${path}`).toEqual(REFUSAL);
      expect(r.headers['cache-control']).toBe('no-store');
    }
    // The port is not what is checked: the attacker's name with any port, or none, is refused.
    expect((await requestWithHost(base, '/metrics', FOREIGN)).status).toBe(421);
  });

  it('answers the loopback names on a loopback bind, in any case and with any port', async () => {
    const { base, port } = await start();
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LocalHost', 'localhost.:18089']) {
      const metrics = await requestWithHost(base, '/metrics', host);
      expect(metrics.status, host).toBe(200);
      expect(metrics.text).toContain('callguard_detector_test_total 1');
      const ready = await requestWithHost(base, '/readyz', host);
      expect(ready.status, host).toBe(200);
      expect(ready.body).toEqual(READY);
    }
  });

  it('answers the names configured in CALLGUARD_DETECTOR_ALLOWED_HOSTS as well, and no others', async () => {
    const { base, port } = await start('127.0.0.1', hostPolicy('127.0.0.1', ['ops.callguard.test', '10.1.2.3'], ALLOWED_HOSTS_VARIABLE));
    for (const host of [`ops.callguard.test:${port}`, 'OPS.callguard.test', `10.1.2.3:${port}`, `localhost:${port}`]) {
      expect((await requestWithHost(base, '/metrics', host)).status, host).toBe(200);
      expect((await requestWithHost(base, '/readyz', host)).status, host).toBe(200);
    }
    expect((await requestWithHost(base, '/metrics', `other.callguard.test:${port}`)).status).toBe(421);
    expect((await requestWithHost(base, '/readyz', `10.1.2.4:${port}`)).status).toBe(421);
  });

  it('on a non-loopback bind answers only the configured names: localhost is not implied', async () => {
    // The policy of a detector bound to a pod's address with one name configured (the server itself listens on loopback here).
    const { base, port } = await start('127.0.0.1', hostPolicy('10.1.2.3', ['ops.callguard.test'], ALLOWED_HOSTS_VARIABLE));
    expect((await requestWithHost(base, '/metrics', `ops.callguard.test:${port}`)).status).toBe(200);
    expect((await requestWithHost(base, '/metrics', `localhost:${port}`)).status).toBe(421);
    expect((await requestWithHost(base, '/metrics', `10.1.2.3:${port}`)).status).toBe(421); // a scrape by IP: the IP must be listed
  });

  it('on a non-loopback bind with nothing configured answers every Host, so a scrape by IP works (the policy warns at start)', async () => {
    const policy = hostPolicy('0.0.0.0', [], ALLOWED_HOSTS_VARIABLE);
    expect(policy.warning).toContain('CALLGUARD_DETECTOR_ALLOWED_HOSTS');
    const { base, port } = await start('0.0.0.0'); // the default policy: the one the bind implies
    expect((await requestWithHost(base, '/metrics', `10.1.2.3:${port}`)).status).toBe(200);
    expect((await requestWithHost(base, '/readyz', `${FOREIGN}:${port}`)).status).toBe(200);
  });

  it('exempts /healthz only: a probe by IP gets it, /readyz and /metrics by an unlisted IP do not', async () => {
    const { base, port } = await start();
    for (const path of ['/healthz', '/healthz?probe=kubelet']) {
      const r = await requestWithHost(base, path, `10.1.2.3:${port}`);
      expect(r.status, path).toBe(200);
      expect(r.body).toEqual({ status: 'ok' });
    }
    expect((await requestWithHost(base, '/healthz', `${FOREIGN}:${port}`)).status).toBe(200);
    // /readyz carries ClickHouse's error text and every dependency's state, /metrics the topics and counts: not exempt.
    expect((await requestWithHost(base, '/readyz', `10.1.2.3:${port}`)).status).toBe(421);
    expect((await requestWithHost(base, '/metrics', `10.1.2.3:${port}`)).status).toBe(421);
  });

  it('refuses an absolute-form target naming another host whatever the Host header, /healthz included', async () => {
    const { base, port } = await start();
    for (const path of [`http://${FOREIGN}/metrics`, `http://${FOREIGN}:${port}/healthz`]) {
      const r = await requestWithHost(base, path, `localhost:${port}`);
      expect(r.status, path).toBe(421);
      expect(r.body).toEqual(REFUSAL);
    }
  });
});
