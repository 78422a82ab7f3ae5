import { describe, expect, it } from 'vitest';
import { callsFutureLimitMs, loadDetectorConfig } from './config.ts';

describe('loadDetectorConfig', () => {
  it('applies the documented defaults', () => {
    const r = loadDetectorConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.kafka).toEqual({ brokers: ['127.0.0.1:9092'], registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7', group: 'callguard-detector', fromBeginning: true, fetchMaxBytesPerPartition: 2 << 20 });
    expect(r.config.topics.calls).toBe('callguard.calls.v1');
    expect(r.config.http).toEqual({ host: '127.0.0.1', port: 9464, allowedHosts: [] });
    expect(r.config.redis.prefix).toBe('callguard');
    expect(r.config.flushMs).toBe(1_000);
    expect(r.config.engine.allowedLatenessMs).toBe(120_000);
    expect(r.config.produce).toEqual({ timeoutMs: 5_000, retries: 2 });
    expect(r.config.pendingGraceMs).toBe(22_000); // 3 attempts × 5 s + 2 × 1 s backoff + 5 s slack
  });

  it('derives the pending grace from the producer budget unless it is set', () => {
    const derived = loadDetectorConfig({ CALLGUARD_DETECTOR_PRODUCE_TIMEOUT_MS: '10000', CALLGUARD_DETECTOR_PRODUCE_RETRIES: '1' });
    expect(derived.ok && derived.config.pendingGraceMs).toBe(2 * 10_000 + 1_000 + 5_000);
    const set = loadDetectorConfig({ CALLGUARD_DETECTOR_PENDING_GRACE_MS: '1500' });
    expect(set.ok && set.config.pendingGraceMs).toBe(1_500);
  });

  it('bounds the stop by CALLGUARD_DETECTOR_STOP_TIMEOUT_MS (default 30 s)', () => {
    const dflt = loadDetectorConfig({});
    expect(dflt.ok && dflt.config.stopTimeoutMs).toBe(30_000);
    const set = loadDetectorConfig({ CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: '2000' });
    expect(set.ok && set.config.stopTimeoutMs).toBe(2_000);
    for (const bad of ['0', '50', '2s', '-1']) {
      const r = loadDetectorConfig({ CALLGUARD_DETECTOR_STOP_TIMEOUT_MS: bad });
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toContain('CALLGUARD_DETECTOR_STOP_TIMEOUT_MS');
    }
  });

  it('reads the output grace from CALLGUARD_DETECTOR_OUTPUT_GRACE_MS (default 10 s, 0 to 1 h)', () => {
    const dflt = loadDetectorConfig({});
    expect(dflt.ok && dflt.config.outputGraceMs).toBe(10_000);
    const set = loadDetectorConfig({ CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: '30000' });
    expect(set.ok && set.config.outputGraceMs).toBe(30_000);
    expect(loadDetectorConfig({ CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: '0' }).ok).toBe(true);
    for (const bad of ['-1', '10s', '3600001']) {
      const r = loadDetectorConfig({ CALLGUARD_DETECTOR_OUTPUT_GRACE_MS: bad });
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toContain('CALLGUARD_DETECTOR_OUTPUT_GRACE_MS');
    }
  });

  it('reports every bad variable at once, engine config included', () => {
    const r = loadDetectorConfig({
      CALLGUARD_KAFKA_BROKERS: 'nohostport',
      CALLGUARD_DETECTOR_PORT: '70000',
      CALLGUARD_DETECTOR_FLUSH_MS: 'soon',
      CALLGUARD_REDIS_URL: 'not a url',
      CALLGUARD_CLICKHOUSE_DATABASE: 'x; DROP',
      CALLGUARD_DETECTOR_CONTACT_NOTES: 'maybe',
      CALLGUARD_ENGINE_CONFIG: '{"allowedLatenessMs": -5}',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    for (const v of ['CALLGUARD_KAFKA_BROKERS', 'CALLGUARD_DETECTOR_PORT', 'CALLGUARD_DETECTOR_FLUSH_MS', 'CALLGUARD_REDIS_URL', 'CALLGUARD_CLICKHOUSE_DATABASE', 'CALLGUARD_DETECTOR_CONTACT_NOTES', 'engine config: allowedLatenessMs']) {
      expect(text).toContain(v);
    }
  });

  it('refuses a bind host that cannot be listened on, with the other errors (exit 2 at start, not 1 at listen)', () => {
    const bad = loadDetectorConfig({ CALLGUARD_DETECTOR_HOST: '127.0.0.1:9464', CALLGUARD_DETECTOR_PORT: '70000' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toHaveLength(2);
    expect(bad.errors[0]).toMatch(/^CALLGUARD_DETECTOR_HOST: not an IP address or host name to listen on/);
    const ok = loadDetectorConfig({ CALLGUARD_DETECTOR_HOST: '::' });
    expect(ok.ok && ok.config.http.host).toBe('::');
  });

  it('reads CALLGUARD_DETECTOR_ALLOWED_HOSTS in canonical form, and reports each bad entry with the other errors', () => {
    const ok = loadDetectorConfig({ CALLGUARD_DETECTOR_ALLOWED_HOSTS: ' Ops.Callguard.Test., 10.0.0.5, fd00::1, [::1] ' });
    expect(ok.ok && ok.config.http.allowedHosts).toEqual(['ops.callguard.test', '10.0.0.5', '[fd00::1]', '[::1]']);
    const any = loadDetectorConfig({ CALLGUARD_DETECTOR_ALLOWED_HOSTS: '*' });
    expect(any.ok && any.config.http.allowedHosts).toEqual(['*']);
    const bad = loadDetectorConfig({ CALLGUARD_DETECTOR_ALLOWED_HOSTS: 'ops.callguard.test:9464, http://x/', CALLGUARD_DETECTOR_PORT: '70000' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toHaveLength(3);
    expect(bad.errors).toContain('CALLGUARD_DETECTOR_ALLOWED_HOSTS: "ops.callguard.test:9464" has a port; give the name alone (ops.callguard.test): the port is not compared');
    expect(bad.errors).toContain('CALLGUARD_DETECTOR_ALLOWED_HOSTS: "http://x/" is not a host name, IPv4 address or [IPv6] address (or * for any)');
    expect(bad.errors.join('\n')).toContain('CALLGUARD_DETECTOR_PORT');
  });

  it('accepts calls at most MAX_FUTURE_MS ahead (default 60 s), and never more than half the allowed lateness', () => {
    const d = loadDetectorConfig({});
    expect(d.ok && d.config.maxFutureMs).toBe(60_000);
    expect(d.ok && callsFutureLimitMs(d.config.maxFutureMs, d.config.engine.allowedLatenessMs)).toBe(60_000);
    // The old default, an hour: one call from a probe 30 min fast made every on-time call of its partition late.
    expect(callsFutureLimitMs(3_600_000, 120_000)).toBe(60_000);
    expect(callsFutureLimitMs(3_600_000, 1_000)).toBe(500);
    expect(callsFutureLimitMs(10_000, 7_200_000)).toBe(10_000);
  });

  it('refuses a number variable of only blanks (it read as 0: a random ops port, every event "from the future")', () => {
    const r = loadDetectorConfig({ CALLGUARD_DETECTOR_PORT: ' ', CALLGUARD_DETECTOR_MAX_FUTURE_MS: '\t' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.filter((e) => e.startsWith('CALLGUARD_DETECTOR_PORT:'))).toHaveLength(1);
    expect(r.errors.filter((e) => e.startsWith('CALLGUARD_DETECTOR_MAX_FUTURE_MS:'))).toHaveLength(1);
  });

  it('refuses the same topic for two roles and treats empty values as unset', () => {
    const r = loadDetectorConfig({ CALLGUARD_TOPIC_FLAGS: 'callguard.calls.v1', CALLGUARD_DETECTOR_PORT: '' });
    expect(r).toMatchObject({ ok: false, errors: ['CALLGUARD_TOPIC_*: the five topics must be distinct'] });
  });
});
