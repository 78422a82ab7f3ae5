import { describe, expect, it } from 'vitest';
import { hostAllowed, hostName, hostPolicy, hostRefused, isLoopbackBind, misdirectedBody, parseAllowedHosts, singleHost, targetAuthority } from './allowed-hosts.ts';

const VAR = 'CALLGUARD_TEST_ALLOWED_HOSTS';
const loopback = hostPolicy('127.0.0.1', [], VAR);

describe('hostName', () => {
  it('takes the name of name[:port], lower case, without a trailing dot, IPv6 compressed', () => {
    expect(hostName('localhost')).toBe('localhost');
    expect(hostName('LocalHost:8089')).toBe('localhost');
    expect(hostName('localhost.:8089')).toBe('localhost');
    expect(hostName('127.0.0.1:8089')).toBe('127.0.0.1');
    expect(hostName('127.0.0.1:')).toBe('127.0.0.1'); // an empty port is allowed by RFC 9110
    expect(hostName('[::1]')).toBe('[::1]');
    expect(hostName('[::1]:8089')).toBe('[::1]');
    expect(hostName('[0:0:0:0:0:0:0:1]:8089')).toBe('[::1]');
    expect(hostName('Console.Example.COM')).toBe('console.example.com');
  });

  it('refuses what is not name[:port]', () => {
    for (const bad of ['', ':8089', 'localhost:80:80', 'localhost:http', 'localhost:123456', 'localhost:70000', '::1', '[::1', '[::1]8089', '[::1]:x', '[nope]', '[fe80::1%eth0]', 'user@localhost', 'local host', 'a..b', '.', 'évil.com']) {
      expect(hostName(bad), bad).toBeNull();
    }
  });
});

describe('parseAllowedHosts', () => {
  it('reads a comma-separated list into canonical names; * is any Host', () => {
    expect(parseAllowedHosts(' Lookup.Example.com , 10.0.0.5,[FD00::1], ::2 ,, *', VAR)).toEqual({ hosts: ['lookup.example.com', '10.0.0.5', '[fd00::1]', '[::2]', '*'], problems: [] });
    expect(parseAllowedHosts('', VAR)).toEqual({ hosts: [], problems: [] });
  });

  it('names every bad entry, and one with a port says to drop it', () => {
    const r = parseAllowedHosts('ok.example, lookup.example:8089, [::1]:8089, http://x, a b', VAR);
    expect(r.hosts).toEqual(['ok.example']);
    expect(r.problems).toEqual([
      `${VAR}: "lookup.example:8089" has a port; give the name alone (lookup.example): the port is not compared`,
      `${VAR}: "[::1]:8089" has a port; give the name alone ([::1]): the port is not compared`,
      `${VAR}: "http://x" is not a host name, IPv4 address or [IPv6] address (or * for any)`,
      `${VAR}: "a b" is not a host name, IPv4 address or [IPv6] address (or * for any)`,
    ]);
  });
});

describe('isLoopbackBind', () => {
  it('knows loopback listen addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackBind(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'fd00::1', 'enforcer', '']) expect(isLoopbackBind(h), h).toBe(false);
  });
});

describe('hostPolicy and hostAllowed', () => {
  it('on a loopback bind accepts localhost, 127.0.0.1 and [::1], with any port, and nothing else', () => {
    expect(loopback.any).toBe(false);
    expect(loopback.warning).toBeUndefined();
    for (const ok of ['localhost', 'localhost:8089', 'LOCALHOST:1', '127.0.0.1', '127.0.0.1:8089', '[::1]', '[::1]:8089', 'localhost.:8089']) expect(hostAllowed(loopback, ok), ok).toBe(true);
    for (const bad of [undefined, '', 'evil.example', 'evil.example:8089', 'localhost.evil.example', '127.0.0.1.nip.io:8089', '127.0.0.2', '0.0.0.0:8089', '[::2]', 'localhost:evil']) {
      expect(hostAllowed(loopback, bad), String(bad)).toBe(false);
    }
  });

  it('adds the configured names on a loopback bind', () => {
    const p = hostPolicy('127.0.0.1', ['lookup.example'], VAR);
    expect(hostAllowed(p, 'Lookup.Example:443')).toBe(true);
    expect(hostAllowed(p, 'localhost:8089')).toBe(true);
    expect(hostAllowed(p, 'other.example')).toBe(false);
  });

  it('on another bind accepts only the configured names', () => {
    const p = hostPolicy('0.0.0.0', ['lookup.example', '[fd00::1]'], VAR);
    expect(p.any).toBe(false);
    expect(hostAllowed(p, 'lookup.example:8089')).toBe(true);
    expect(hostAllowed(p, '[FD00:0::1]:8089')).toBe(true);
    expect(hostAllowed(p, 'localhost:8089')).toBe(false);
    expect(hostAllowed(p, '127.0.0.1')).toBe(false);
  });

  it('on another bind with nothing configured accepts any Host and says so once', () => {
    const p = hostPolicy('0.0.0.0', [], VAR);
    expect(p.any).toBe(true);
    expect(p.warning).toMatch(/listening on 0\.0\.0\.0 with CALLGUARD_TEST_ALLOWED_HOSTS unset: .*DNS rebinding.*set CALLGUARD_TEST_ALLOWED_HOSTS/);
    expect(hostAllowed(p, 'anything.example')).toBe(true);
    expect(hostAllowed(p, undefined)).toBe(true);
  });

  it('with * accepts any Host on any bind, without a warning', () => {
    for (const bind of ['127.0.0.1', '0.0.0.0']) {
      const p = hostPolicy(bind, ['*'], VAR);
      expect(p).toMatchObject({ any: true });
      expect(p.warning).toBeUndefined();
      expect(hostAllowed(p, 'evil.example')).toBe(true);
    }
  });
});

describe('singleHost and hostRefused', () => {
  it('finds the one Host header in rawHeaders, whatever its case; none or several is no Host', () => {
    expect(singleHost(['Accept', '*/*', 'host', 'localhost:1'])).toBe('localhost:1');
    expect(singleHost(['HOST', 'a'])).toBe('a');
    expect(singleHost(['Accept', '*/*'])).toBeUndefined();
    expect(singleHost(['Host', 'localhost', 'host', 'evil.example'])).toBeUndefined();
    expect(singleHost(['Hosts', 'x', 'Hos', 'y'])).toBeUndefined();
  });

  it('refuses a missing, repeated or foreign Host except on /healthz', () => {
    expect(hostRefused(loopback, ['Host', '127.0.0.1:8089'], '/v1/numbers/1')).toBe(false);
    expect(hostRefused(loopback, ['Host', 'evil.example:8089'], '/v1/numbers/1')).toBe(true);
    expect(hostRefused(loopback, [], '/metrics')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'localhost', 'Host', 'evil.example'], '/')).toBe(true);
    expect(hostRefused(loopback, ['Host', '10.1.2.3:8089'], '/healthz')).toBe(false);
    expect(hostRefused(loopback, [], '/healthz?x=1')).toBe(false);
    expect(hostRefused(loopback, ['Host', 'evil.example'], '/healthz/')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'evil.example'], '/healthzz')).toBe(true);
    expect(hostRefused(hostPolicy('0.0.0.0', [], VAR), [], '/v1/numbers/1')).toBe(false);
  });

  it('a request in absolute form (GET http://name/path) is refused unless the name in its target is allowed too', () => {
    // RFC 9112 3.2.2: the target's authority is the request's; Node and Fastify route such a request by its path.
    expect(hostRefused(loopback, ['Host', 'localhost'], 'http://evil.example/v1/numbers/1')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'localhost:8089'], 'http://evil.example:8089')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'localhost'], 'http://localhost@evil.example/v1/numbers/1')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'localhost'], 'http://evil.example?x=/v1')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'localhost'], 'nonsense')).toBe(true);
    expect(hostRefused(loopback, ['Host', 'evil.example'], 'http://localhost/v1/numbers/1')).toBe(true);
    expect(hostRefused(loopback, ['Host', '10.1.2.3'], 'http://10.1.2.3/healthz')).toBe(true); // only the origin-form /healthz is exempt
    expect(hostRefused(loopback, ['Host', 'localhost:8089'], 'http://LOCALHOST:8089/v1/numbers/1')).toBe(false);
    expect(hostRefused(loopback, ['Host', 'localhost'], 'http://[::1]/v1/numbers/1')).toBe(false);
    expect(hostRefused(loopback, ['Host', 'localhost'], '*')).toBe(false); // OPTIONS *: the Host decides
    expect(hostRefused(hostPolicy('0.0.0.0', ['*'], VAR), ['Host', 'a'], 'http://evil.example/')).toBe(false);
  });

  it('reads the authority of an absolute-form target', () => {
    expect(targetAuthority('http://a.example:8089/v1?x')).toBe('a.example:8089');
    expect(targetAuthority('https://[::1]?x')).toBe('[::1]');
    expect(targetAuthority('http://a.example#f')).toBe('a.example');
    expect(targetAuthority('http://')).toBe('');
    expect(targetAuthority('/v1/numbers/1')).toBeUndefined();
    expect(targetAuthority('a')).toBeUndefined();
  });

  it('matches name:port for names given in any order, and only with a digits port right after the name', () => {
    const p = hostPolicy('0.0.0.0', ['a.example', 'ab.example', '[fd00::1]'], VAR);
    for (const ok of ['ab.example:1', 'a.example:65535', '[fd00::1]:8089', 'ab.example:']) expect(hostAllowed(p, ok), ok).toBe(true);
    for (const bad of ['a.example:65536', 'a.example:1:2', 'a.examplex:1', 'a.example.evil:1', 'xa.example:1', '[fd00::1]x:1', 'a.example :1']) expect(hostAllowed(p, bad), bad).toBe(false);
  });

  it('words the refusal as short JSON naming the setting', () => {
    expect(JSON.parse(misdirectedBody(VAR))).toEqual({ error: 'misdirected_request', message: `this server does not answer for the Host given (see ${VAR})` });
  });
});
