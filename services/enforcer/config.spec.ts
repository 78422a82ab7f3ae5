import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnforcerConfig } from './config.ts';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads units and bare milliseconds, refuses anything else', () => {
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('7 days')).toBeNull();
    expect(parseDuration('-1d')).toBeNull();
    expect(formatDuration(604_800_000)).toBe('7d');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('loadEnforcerConfig', () => {
  it('has documented defaults: loopback, 8089, labels 7d, blocks 30d, contract topics', () => {
    const c = loadEnforcerConfig({}, {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8089,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'callguard',
      flagsTopic: 'callguard.flags.v1',
      reviewsTopic: 'callguard.reviews.v1',
      dlqTopic: 'callguard.dlq.v1',
      groupId: 'callguard-enforcer',
    });
    expect(c.machine.protectTtlMs).toBe(30 * 86_400_000);
    expect(c.machine.labelTtlMs).toBe(7 * 86_400_000);
    expect(c.machine.blockTtlMs).toBe(30 * 86_400_000);
    expect(c.replicaMax).toBe(2_000_000);
  });

  it('takes the environment, and command-line options over it', () => {
    const env = { CALLGUARD_ENFORCER_PORT: '9000', CALLGUARD_ENFORCER_LABEL_TTL: '2d', CALLGUARD_TOPIC_FLAGS: 'f.env', CALLGUARD_TOPIC_REVIEWS: 'r.env', CALLGUARD_TOPIC_DLQ: 'd.env', CALLGUARD_REDIS_URL: 'redis://10.0.0.1:6380' };
    const c = loadEnforcerConfig({ port: '9100', blockTtl: '0' }, env);
    expect(c.port).toBe(9100);
    expect(c.machine.labelTtlMs).toBe(2 * 86_400_000);
    expect(c.machine.blockTtlMs).toBe(0);
    expect(c).toMatchObject({ flagsTopic: 'f.env', reviewsTopic: 'r.env', dlqTopic: 'd.env' });
    expect(c.redisUrl).toBe('redis://10.0.0.1:6380');
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_REPLICA_MAX: '0' }).replicaMax).toBe(0);
    expect(loadEnforcerConfig({ replicaMax: '500' }, { CALLGUARD_ENFORCER_REPLICA_MAX: '0' }).replicaMax).toBe(500);
  });

  it('refuses the old topic variables, naming the new ones, with the other problems (a renamed topic is never silently ignored)', () => {
    try {
      loadEnforcerConfig({}, { CALLGUARD_FLAGS_TOPIC: 'f.old', CALLGUARD_REVIEWS_TOPIC: 'r.old', CALLGUARD_DLQ_TOPIC: 'd.old', CALLGUARD_TOPIC_FLAGS: 'f.new', CALLGUARD_ENFORCER_PORT: 'http' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems).toContain('CALLGUARD_FLAGS_TOPIC is no longer read: set CALLGUARD_TOPIC_FLAGS instead (every service names its topics CALLGUARD_TOPIC_<NAME>)');
      expect(problems.join('\n')).toMatch(/CALLGUARD_REVIEWS_TOPIC is no longer read: set CALLGUARD_TOPIC_REVIEWS instead/);
      expect(problems.join('\n')).toMatch(/CALLGUARD_DLQ_TOPIC is no longer read: set CALLGUARD_TOPIC_DLQ instead/);
      expect(problems.join('\n')).toMatch(/CALLGUARD_ENFORCER_PORT/);
    }
    // Set but empty (as `${VAR:-}` in compose gives) means nothing, as for every other variable.
    expect(loadEnforcerConfig({}, { CALLGUARD_FLAGS_TOPIC: '' }).flagsTopic).toBe('callguard.flags.v1');
  });

  it('reports every bad value at once', () => {
    try {
      loadEnforcerConfig({ port: 'http', labelTtl: '0', protectTtl: 'soon', flagsTopic: 'bad topic!', keyPrefix: 'a b', replicaMax: 'lots' }, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect((err as ConfigError).problems).toHaveLength(6);
      expect(problems).toMatch(/port/);
      expect(problems).toMatch(/label TTL/);
      expect(problems).toMatch(/protection TTL/);
      expect(problems).toMatch(/flags topic/);
      expect(problems).toMatch(/key prefix/);
      expect(problems).toMatch(/label replica size/);
    }
  });

  it('validates CALLGUARD_LOG_LEVEL with the rest (pino threw on an unknown level before the config was read)', () => {
    expect(loadEnforcerConfig({}, {}).logLevel).toBe('info');
    expect(loadEnforcerConfig({}, { CALLGUARD_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    try {
      loadEnforcerConfig({ port: 'http' }, { CALLGUARD_LOG_LEVEL: 'verbose', CALLGUARD_ENFORCER_KEY_PREFIX: 'a b' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/CALLGUARD_LOG_LEVEL: "verbose" is not one of/);
      expect(problems.join('\n')).toMatch(/CALLGUARD_ENFORCER_KEY_PREFIX/);
    }
  });

  it('Redis key prefix: the shared CALLGUARD_REDIS_PREFIX (the detector\'s and the console\'s), CALLGUARD_ENFORCER_KEY_PREFIX over it, --key-prefix over both', () => {
    // One deployment sets the prefix once: before, the enforcer ignored CALLGUARD_REDIS_PREFIX and read another allowlist than the detector.
    expect(loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: 'prod' }).keyPrefix).toBe('prod');
    expect(loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_ENFORCER_KEY_PREFIX: 'enf' }).keyPrefix).toBe('enf');
    expect(loadEnforcerConfig({ keyPrefix: 'cli' }, { CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_ENFORCER_KEY_PREFIX: 'enf' }).keyPrefix).toBe('cli');
    expect(loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_ENFORCER_KEY_PREFIX: '' }).keyPrefix).toBe('prod'); // empty = unset
    expect(loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: '' }).keyPrefix).toBe('callguard');
    expect(() => loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: 'a b' })).toThrow(/key prefix \(CALLGUARD_REDIS_PREFIX\): "a b" may hold only/);
    expect(() => loadEnforcerConfig({}, { CALLGUARD_REDIS_PREFIX: 'ok', CALLGUARD_ENFORCER_KEY_PREFIX: 'a b' })).toThrow(/key prefix \(CALLGUARD_ENFORCER_KEY_PREFIX\): "a b"/);
  });

  it('stop timeout: 30s by default, CALLGUARD_ENFORCER_STOP_TIMEOUT as a duration, not 0', () => {
    expect(loadEnforcerConfig({}, {}).stopTimeoutMs).toBe(30_000);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_STOP_TIMEOUT: '2m' }).stopTimeoutMs).toBe(120_000);
    for (const bad of ['0', 'soon']) {
      expect(() => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_STOP_TIMEOUT: bad })).toThrow(/stop timeout \(CALLGUARD_ENFORCER_STOP_TIMEOUT\)/);
    }
  });

  it('due poll period: 5s by default, CALLGUARD_ENFORCER_DUE_POLL as a duration, not 0', () => {
    expect(loadEnforcerConfig({}, {}).duePollMs).toBe(5_000);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_DUE_POLL: '300ms' }).duePollMs).toBe(300);
    for (const bad of ['0', 'often']) {
      expect(() => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_DUE_POLL: bad })).toThrow(/due poll period \(CALLGUARD_ENFORCER_DUE_POLL\)/);
    }
  });

  it('allowlist poll period: 5s by default, CALLGUARD_ENFORCER_ALLOWLIST_POLL as a duration, not 0', () => {
    expect(loadEnforcerConfig({}, {}).allowlistPollMs).toBe(5_000);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_ALLOWLIST_POLL: '500ms' }).allowlistPollMs).toBe(500);
    for (const bad of ['0', 'often']) {
      expect(() => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_ALLOWLIST_POLL: bad })).toThrow(/allowlist poll period \(CALLGUARD_ENFORCER_ALLOWLIST_POLL\)/);
    }
  });

  it('future tolerance: 300000 ms (5 min) by default, CALLGUARD_ENFORCER_MAX_FUTURE_MS as whole milliseconds, 0 allowed, reported with the rest', () => {
    expect(loadEnforcerConfig({}, {}).machine.maxFutureMs).toBe(300_000);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_MAX_FUTURE_MS: '60000' }).machine.maxFutureMs).toBe(60_000);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_MAX_FUTURE_MS: '0' }).machine.maxFutureMs).toBe(0);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_MAX_FUTURE_MS: '' }).machine.maxFutureMs).toBe(300_000);
    for (const bad of ['5m', '-1', '1.5', '1e3', '99999999999999999999']) {
      expect(() => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_MAX_FUTURE_MS: bad }), bad).toThrow(
        `future tolerance (CALLGUARD_ENFORCER_MAX_FUTURE_MS): ${JSON.stringify(bad)} is not a whole number of milliseconds`,
      );
    }
    try {
      loadEnforcerConfig({ port: 'http' }, { CALLGUARD_ENFORCER_MAX_FUTURE_MS: 'soon' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });

  it('refuses a bind host that cannot be listened on (from --host or CALLGUARD_ENFORCER_HOST), with the other problems', () => {
    expect(loadEnforcerConfig({ host: '::1' }, { CALLGUARD_ENFORCER_HOST: 'x y' }).host).toBe('::1');
    const bad = () => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_HOST: '127.0.0.1:8089', CALLGUARD_ENFORCER_PORT: 'x' });
    expect(bad).toThrow(/host \(CALLGUARD_ENFORCER_HOST\): "127.0.0.1:8089" is not an IP address or host name to listen on/);
    expect(bad).toThrow(/CALLGUARD_ENFORCER_PORT/);
  });

  it('allowed hosts: none configured by default; names from CALLGUARD_ENFORCER_ALLOWED_HOSTS or --allowed-hosts, each bad one named', () => {
    expect(loadEnforcerConfig({}, {}).allowedHosts).toEqual([]);
    expect(loadEnforcerConfig({}, { CALLGUARD_ENFORCER_ALLOWED_HOSTS: 'Lookup.Example, 10.0.0.5' }).allowedHosts).toEqual(['lookup.example', '10.0.0.5']);
    expect(loadEnforcerConfig({ allowedHosts: '*' }, { CALLGUARD_ENFORCER_ALLOWED_HOSTS: 'lookup.example' }).allowedHosts).toEqual(['*']);
    const bad = () => loadEnforcerConfig({}, { CALLGUARD_ENFORCER_ALLOWED_HOSTS: 'lookup.example:8089,http://x' });
    expect(bad).toThrow(/allowed hosts \(CALLGUARD_ENFORCER_ALLOWED_HOSTS\): "lookup.example:8089" has a port/);
    expect(bad).toThrow(/"http:\/\/x" is not a host name/);
  });
});
