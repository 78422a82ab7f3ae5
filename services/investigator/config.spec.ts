import { describe, expect, it } from 'vitest';
import { ConfigError, loadInvestigatorConfig } from './config.ts';

const login = { CALLGUARD_CONSOLE_USER: 'inv', CALLGUARD_CONSOLE_PASSWORD: 'a long passphrase' };

describe('loadInvestigatorConfig', () => {
  it('has documented defaults: loopback, 8088, log level info', () => {
    expect(loadInvestigatorConfig({}, login)).toMatchObject({ host: '127.0.0.1', port: 8088, keyPrefix: 'callguard', database: 'callguard', logLevel: 'info' });
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });

  it('reports every bad value at once, each naming its variable, CALLGUARD_LOG_LEVEL among them', () => {
    // Before, an unknown log level made pino throw before the config was read: a stack trace and exit 1,
    // and the other problems (here the missing password) were never reported.
    try {
      loadInvestigatorConfig({ keyPrefix: 'a b' }, { CALLGUARD_CONSOLE_USER: 'inv', CALLGUARD_LOG_LEVEL: 'verbose', CALLGUARD_CLICKHOUSE_DATABASE: 'x-y', CALLGUARD_TOPIC_REVIEWS: 'bad topic!' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(5);
      const text = problems.join('\n');
      expect(text).toMatch(/CALLGUARD_CONSOLE_PASSWORD is not set/);
      expect(text).toMatch(/CALLGUARD_LOG_LEVEL: "verbose" is not one of/);
      expect(text).toMatch(/CALLGUARD_CLICKHOUSE_DATABASE/);
      expect(text).toMatch(/CALLGUARD_CONSOLE_KEY_PREFIX/);
      expect(text).toMatch(/CALLGUARD_TOPIC_REVIEWS/);
    }
  });

  it('reads the reviews topic from CALLGUARD_TOPIC_REVIEWS and refuses the old CALLGUARD_REVIEWS_TOPIC, naming the new one', () => {
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_TOPIC_REVIEWS: 'r.env' }).reviewsTopic).toBe('r.env');
    expect(loadInvestigatorConfig({ reviewsTopic: 'r.cli' }, { ...login, CALLGUARD_TOPIC_REVIEWS: 'r.env' }).reviewsTopic).toBe('r.cli');
    try {
      loadInvestigatorConfig({}, { CALLGUARD_CONSOLE_USER: 'inv', CALLGUARD_REVIEWS_TOPIC: 'r.old' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems).toContain('CALLGUARD_REVIEWS_TOPIC is no longer read: set CALLGUARD_TOPIC_REVIEWS instead (every service names its topics CALLGUARD_TOPIC_<NAME>)');
      expect(problems.join('\n')).toMatch(/CALLGUARD_CONSOLE_PASSWORD is not set/);
    }
  });

  it('Redis key prefix: the shared CALLGUARD_REDIS_PREFIX (the detector\'s and the enforcer\'s), CALLGUARD_CONSOLE_KEY_PREFIX over it, --key-prefix over both', () => {
    // Before, the console ignored CALLGUARD_REDIS_PREFIX: with it set to prod the detector never saw the console's dismissals.
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_REDIS_PREFIX: 'prod' }).keyPrefix).toBe('prod');
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_CONSOLE_KEY_PREFIX: 'con' }).keyPrefix).toBe('con');
    expect(loadInvestigatorConfig({ keyPrefix: 'cli' }, { ...login, CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_CONSOLE_KEY_PREFIX: 'con' }).keyPrefix).toBe('cli');
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_REDIS_PREFIX: 'prod', CALLGUARD_CONSOLE_KEY_PREFIX: '' }).keyPrefix).toBe('prod');
    expect(() => loadInvestigatorConfig({}, { ...login, CALLGUARD_REDIS_PREFIX: 'a b' })).toThrow(/key prefix \(CALLGUARD_REDIS_PREFIX\): "a b" may hold only/);
  });

  it('the detector, the enforcer and the console read one prefix from CALLGUARD_REDIS_PREFIX: the same dismissal and allowlist keys', async () => {
    const { loadDetectorConfig } = await import('../detector/config.ts');
    const { loadEnforcerConfig } = await import('../enforcer/config.ts');
    const env = { ...login, CALLGUARD_REDIS_PREFIX: 'prod' };
    const detector = loadDetectorConfig(env);
    expect(detector.ok && detector.config.redis.prefix).toBe('prod');
    expect(loadEnforcerConfig({}, env).keyPrefix).toBe('prod');
    expect(loadInvestigatorConfig({}, env).keyPrefix).toBe('prod');
  });

  it('secure cookie: off by default; true/1 and false/0 as the detector reads its booleans; anything else is a configuration error, never a silent false', () => {
    expect(loadInvestigatorConfig({}, login).secureCookie).toBe(false);
    for (const v of ['1', 'true']) expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_SECURE_COOKIE: v }).secureCookie).toBe(true);
    for (const v of ['0', 'false', '']) expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_SECURE_COOKIE: v }).secureCookie).toBe(false);
    for (const v of ['yes', 'on', 'TRUE', ' 1']) {
      expect(() => loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_SECURE_COOKIE: v })).toThrow(`CALLGUARD_CONSOLE_SECURE_COOKIE: ${JSON.stringify(v)} is not one of true, false, 1, 0`);
    }
    // Reported with the other problems.
    try {
      loadInvestigatorConfig({}, { CALLGUARD_CONSOLE_USER: 'inv', CALLGUARD_CONSOLE_SECURE_COOKIE: 'yes' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });

  it('trusted proxies: none by default; addresses and CIDR ranges, each bad one named', () => {
    expect(loadInvestigatorConfig({}, login).trustedProxies).toEqual([]);
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_TRUSTED_PROXIES: ' 10.0.0.5, 10.1.0.0/16,::1, fd00::/8 ' }).trustedProxies).toEqual(['10.0.0.5', '10.1.0.0/16', '::1', 'fd00::/8']);
    const bad = () => loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_TRUSTED_PROXIES: 'proxy.local,10.0.0.0/33,10.0.0.1/8/8,10.1' });
    expect(bad).toThrow(/"proxy.local" is not an IP address/);
    expect(bad).toThrow(/"10.0.0.0\/33" is not an IP address/);
    expect(bad).toThrow(/"10.0.0.1\/8\/8" is not an IP address/);
    expect(bad).toThrow(/"10.1" is not an IP address/);
  });

  it('stop deadline: 30 s by default, CALLGUARD_CONSOLE_STOP_SECONDS a positive number', () => {
    expect(loadInvestigatorConfig({}, login).stopTimeoutMs).toBe(30_000);
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_STOP_SECONDS: '2.5' }).stopTimeoutMs).toBe(2_500);
    expect(() => loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_STOP_SECONDS: '0' })).toThrow(/CALLGUARD_CONSOLE_STOP_SECONDS: "0" is not a positive number/);
  });

  it('refuses a bind host that cannot be listened on (from --host or CALLGUARD_CONSOLE_HOST), with the other problems', () => {
    expect(loadInvestigatorConfig({ host: '0.0.0.0' }, { ...login, CALLGUARD_CONSOLE_HOST: 'x y' }).host).toBe('0.0.0.0');
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_HOST: 'console.internal' }).host).toBe('console.internal');
    const bad = () => loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_HOST: 'http://localhost', CALLGUARD_CONSOLE_PORT: 'x' });
    expect(bad).toThrow(/host \(CALLGUARD_CONSOLE_HOST\): "http:\/\/localhost" is not an IP address or host name to listen on/);
    expect(bad).toThrow(/CALLGUARD_CONSOLE_PORT/);
  });

  it('allowed hosts: none configured by default; names from CALLGUARD_CONSOLE_ALLOWED_HOSTS or --allowed-hosts, each bad one named', () => {
    expect(loadInvestigatorConfig({}, login).allowedHosts).toEqual([]);
    expect(loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_ALLOWED_HOSTS: 'Console.Example, [FD00::1]' }).allowedHosts).toEqual(['console.example', '[fd00::1]']);
    expect(loadInvestigatorConfig({ allowedHosts: 'cli.example' }, { ...login, CALLGUARD_CONSOLE_ALLOWED_HOSTS: 'env.example' }).allowedHosts).toEqual(['cli.example']);
    expect(() => loadInvestigatorConfig({}, { ...login, CALLGUARD_CONSOLE_ALLOWED_HOSTS: 'console.example:443' })).toThrow(/allowed hosts \(CALLGUARD_CONSOLE_ALLOWED_HOSTS\): "console.example:443" has a port/);
  });
});
