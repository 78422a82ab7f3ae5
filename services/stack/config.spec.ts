import { describe, expect, it } from 'vitest';
import { loadStackConfig } from './config.ts';
import { parseJavaVersion } from './java.ts';
import { kafkaServerProperties } from './kafka.ts';
import { clickhouseConfigXml } from './clickhouse.ts';

describe('loadStackConfig', () => {
  it('uses the documented loopback defaults', () => {
    const cfg = loadStackConfig({});
    expect(cfg.kafka).toMatchObject({ host: '127.0.0.1', port: 9092, controllerPort: 9093, local: true });
    expect(cfg.registry).toMatchObject({ port: 8081, managementPort: 8091, url: 'http://127.0.0.1:8081/apis/ccompat/v7', local: true });
    expect(cfg.redis).toMatchObject({ port: 6379, local: true });
    expect(cfg.clickhouse).toMatchObject({ port: 8123, nativePort: 9000, local: true });
    expect(cfg.stateDir.endsWith('/.stack')).toBe(true);
  });

  it('follows the CALLGUARD_* overrides and treats non-loopback hosts as remote', () => {
    const cfg = loadStackConfig({
      CALLGUARD_KAFKA_BROKERS: '10.0.0.5:19092,10.0.0.6:19092',
      CALLGUARD_SCHEMA_REGISTRY_URL: 'http://localhost:18081/apis/ccompat/v7/',
      CALLGUARD_REDIS_URL: 'redis://127.0.0.1:16379',
      CALLGUARD_CLICKHOUSE_URL: 'http://u:p@127.0.0.1:18123',
      CALLGUARD_CLICKHOUSE_NATIVE_PORT: '19000',
      CALLGUARD_STACK_DIR: '/tmp/cg-stack',
    });
    expect(cfg.kafka).toMatchObject({ host: '10.0.0.5', port: 19092, local: false, controllerPort: 19093 });
    expect(cfg.kafka.brokers).toEqual(['10.0.0.5:19092', '10.0.0.6:19092']);
    expect(cfg.registry).toMatchObject({ port: 18081, local: true, url: 'http://localhost:18081/apis/ccompat/v7' });
    expect(cfg.redis.port).toBe(16379);
    expect(cfg.clickhouse).toMatchObject({ port: 18123, nativePort: 19000 });
    expect(cfg.stateDir).toBe('/tmp/cg-stack');
  });

  it('reports a bad port clearly', () => {
    expect(() => loadStackConfig({ CALLGUARD_CLICKHOUSE_NATIVE_PORT: 'nine' })).toThrow(/CALLGUARD_CLICKHOUSE_NATIVE_PORT must be a port number/);
  });
});

describe('generated service configs', () => {
  it('kafka: one KRaft node, loopback listeners, single-replica internal topics', () => {
    const p = kafkaServerProperties('127.0.0.1', 9092, 9093, '/x/data');
    expect(p).toContain('process.roles=broker,controller');
    expect(p).toContain('listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(p).toContain('controller.quorum.voters=1@127.0.0.1:9093');
    expect(p).toContain('offsets.topic.replication.factor=1');
    expect(p).toContain('group.initial.rebalance.delay.ms=0');
  });

  it('clickhouse: loopback, UTC, the given ports and nothing on 9009', () => {
    const xml = clickhouseConfigXml('/s/data', '/s/logs', 8123, 9000);
    expect(xml).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(xml).toContain('<http_port>8123</http_port>');
    expect(xml).toContain('<tcp_port>9000</tcp_port>');
    expect(xml).toContain('<timezone>UTC</timezone>');
    expect(xml).not.toContain('interserver_http_port');
  });
});

describe('parseJavaVersion', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaVersion('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(parseJavaVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaVersion('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaVersion('nothing')).toBeUndefined();
  });
});
