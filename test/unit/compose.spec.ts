/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is
 * checked by reading it: every service can be built or pulled, the infra
 * has health checks and volumes, and the project's services point at the
 * infra by compose service name and container port.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string };
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(resolve(import.meta.dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const services = compose.services;
const INFRA = ['kafka', 'registry', 'redis', 'clickhouse'];
const PROJECT = ['detector', 'enforcer', 'investigator'];

describe('docker-compose.yml', () => {
  it('declares the four infra services from official images and the three project services', () => {
    expect(services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(services.registry.image).toMatch(/^apicurio\/apicurio-registry:3\./);
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:/);
    for (const name of PROJECT) expect(services[name], name).toBeDefined();
  });

  it('gives every service an image or a build', () => {
    for (const [name, svc] of Object.entries(services)) expect(svc.image ?? svc.build, name).toBeTruthy();
  });

  it('has a health check and a named volume on every infra service', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of INFRA) {
      const hc = services[name].healthcheck?.test;
      expect(hc, `${name} healthcheck`).toBeTruthy();
      expect(Array.isArray(hc) ? hc.join(' ') : hc).not.toMatch(/^NONE/);
      const named = (services[name].volumes ?? []).map((v) => v.split(':')[0]).filter((src) => !src.startsWith('.') && !src.startsWith('/'));
      expect(named.length, `${name} named volume`).toBeGreaterThan(0);
      for (const v of named) expect(declared, `${name} volume ${v} declared`).toContain(v);
    }
  });

  it('binds host ports to loopback only, on the CALLGUARD_* default ports', () => {
    const hostPorts = Object.fromEntries(INFRA.map((n) => [n, (services[n].ports ?? []).map((p) => p.split(':').slice(0, 2).join(':'))]));
    expect(hostPorts).toEqual({
      kafka: ['127.0.0.1:9092'],
      registry: ['127.0.0.1:8081'],
      redis: ['127.0.0.1:6379'],
      clickhouse: ['127.0.0.1:8123'],
    });
  });

  it('sets ClickHouse credentials so that the current image allows network access', () => {
    const env = services.clickhouse.environment ?? {};
    expect(Boolean(env.CLICKHOUSE_USER && env.CLICKHOUSE_PASSWORD) || env.CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT === '1').toBe(true);
  });

  it.each(PROJECT)('%s runs `node bin/callguard.mjs <cmd>` against the compose services', (name) => {
    const svc = services[name];
    expect(svc.build).toBeTruthy();
    expect(svc.command?.length).toBeGreaterThan(0);
    const env = svc.environment ?? {};
    expect(env.CALLGUARD_KAFKA_BROKERS.split(',').map((b) => b.split(':')[0])).toEqual(['kafka']);
    expect(new URL(env.CALLGUARD_SCHEMA_REGISTRY_URL).hostname).toBe('registry');
    expect(new URL(env.CALLGUARD_SCHEMA_REGISTRY_URL).pathname).toBe('/apis/ccompat/v7');
    expect(new URL(env.CALLGUARD_REDIS_URL).hostname).toBe('redis');
    const ch = new URL(env.CALLGUARD_CLICKHOUSE_URL);
    expect(ch.hostname).toBe('clickhouse');
    expect(ch.username).toBe(services.clickhouse.environment?.CLICKHOUSE_USER);
    // The project services wait for the infra (through the init job).
    const deps = Object.keys(svc.depends_on ?? {});
    expect(deps.length).toBeGreaterThan(0);
    for (const d of deps) expect(services[d], `depends_on ${d}`).toBeDefined();
  });

  it('points the project services at ports the infra containers listen on', () => {
    const env = services.detector.environment ?? {};
    const kafkaListeners = services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS ?? '';
    expect(kafkaListeners).toContain(`//${env.CALLGUARD_KAFKA_BROKERS}`);
    expect(new URL(env.CALLGUARD_SCHEMA_REGISTRY_URL).port).toBe(services.registry.environment?.QUARKUS_HTTP_PORT);
    expect(new URL(env.CALLGUARD_REDIS_URL).port || '6379').toBe('6379');
    expect(new URL(env.CALLGUARD_CLICKHOUSE_URL).port || '8123').toBe('8123');
  });

  it('runs the idempotent init (topics, schemas, migrations) once the infra is healthy', () => {
    expect(services.init.command).toEqual(['stack', 'init']);
    for (const name of INFRA) expect(services.init.depends_on?.[name]?.condition).toBe('service_healthy');
    for (const name of PROJECT) expect(services[name].depends_on?.init?.condition).toBe('service_completed_successfully');
  });

  it('has a Dockerfile whose entry point is the callguard CLI', () => {
    const dockerfile = readFileSync(resolve(import.meta.dirname, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/callguard\.mjs"\]/);
  });
});
