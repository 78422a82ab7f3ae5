import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuth } from './auth.ts';
import { buildConsoleServer, CONSOLE_TIMEOUTS, type ConsoleDeps } from './server.ts';

const USER = 'inv';
const PASSWORD = 'long enough pw';
const basic = (password: string) => `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;

/** The console with its real auth and stand-ins for what the routes under test never call. */
function consoleApp(log?: ConsoleDeps['log'], trustedProxies?: string[], staticFiles: ConsoleDeps['staticFiles'] = new Map()) {
  const auth = createAuth({ user: USER, password: PASSWORD, secret: Buffer.alloc(32, 1), sessionTtlMs: 3_600_000, secureCookie: false, maxFailures: 5, lockoutMs: 60_000 });
  const unused = () => {
    throw new Error('not used by this spec');
  };
  const deps: ConsoleDeps = {
    auth,
    queries: {} as ConsoleDeps['queries'],
    reviews: { decide: unused },
    enforcement: unused,
    health: async () => ({}),
    staticFiles,
    log,
    trustedProxies,
  };
  return buildConsoleServer(deps);
}

describe('console authentication: HTTP Basic counts as a login attempt', () => {
  it('five wrong passwords by Basic lock the address out: the right one then gets 429, not 200', async () => {
    const app = consoleApp();
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ url: '/api/me', headers: { authorization: basic(`guess ${i}`) } })).statusCode).toBe(401);
    }
    const locked = await app.inject({ url: '/api/me', headers: { authorization: basic(PASSWORD) } });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe('60');
    expect(locked.json()).toMatchObject({ error: 'too_many_attempts' });
    // The form login shares the lockout.
    const form = await app.inject({ method: 'POST', url: '/api/login', payload: { user: USER, password: PASSWORD } });
    expect(form.statusCode).toBe(429);
    await app.close();
  });

  it('the right credentials by Basic still work below the limit, and clear the failures', async () => {
    const app = consoleApp();
    for (let i = 0; i < 4; i++) await app.inject({ url: '/api/me', headers: { authorization: basic('nope') } });
    const ok = await app.inject({ url: '/api/me', headers: { authorization: basic(PASSWORD) } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ user: USER });
    for (let i = 0; i < 4; i++) await app.inject({ url: '/api/me', headers: { authorization: basic('nope') } });
    expect((await app.inject({ url: '/api/me', headers: { authorization: basic(PASSWORD) } })).statusCode).toBe(200);
    await app.close();
  });
});

describe('console authentication: the lockout behind a reverse proxy', () => {
  const fromProxy = (client: string, password: string) => ({ url: '/api/me', remoteAddress: '10.0.0.5', headers: { authorization: basic(password), 'x-forwarded-for': client } });

  it('with the proxy trusted, counts by the client it names: one client locked out, another still logs in', async () => {
    const app = consoleApp(undefined, ['10.0.0.0/24']);
    for (let i = 0; i < 5; i++) expect((await app.inject(fromProxy('198.51.100.7', `guess ${i}`))).statusCode).toBe(401);
    expect((await app.inject(fromProxy('198.51.100.7', PASSWORD))).statusCode).toBe(429);
    expect((await app.inject(fromProxy('203.0.113.9', PASSWORD))).statusCode).toBe(200);
    await app.close();
  });

  it('without it, ignores X-Forwarded-For: a forged header does not get round the lockout', async () => {
    const app = consoleApp();
    for (let i = 0; i < 5; i++) expect((await app.inject(fromProxy(`198.51.100.${i}`, `guess ${i}`))).statusCode).toBe(401);
    expect((await app.inject(fromProxy('203.0.113.9', PASSWORD))).statusCode).toBe(429);
    await app.close();
  });
});

describe('console authentication: a malformed session cookie', () => {
  it('is refused with 401, not a 503', async () => {
    const app = consoleApp();
    const mac = 'é'.padEnd(43, 'A'); // the length of a real MAC in characters, not in bytes
    const res = await app.inject({ url: '/api/me', headers: { cookie: `cg_session=${USER}.${Date.now() + 60_000}.${mac}` } });
    expect(res.statusCode).toBe(401);
    await app.close();
  });
});

describe('console authentication: logout', () => {
  it('ends the session itself: the cookie taken before the logout no longer opens the API', async () => {
    const app = consoleApp();
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { user: USER, password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const session = String(login.headers['set-cookie']).split(';')[0];
    expect((await app.inject({ url: '/api/me', headers: { cookie: session } })).statusCode).toBe(200);
    const out = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: session } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/^cg_session=; .*Max-Age=0/);
    // A copy of the cookie (another tab, a stolen one) is refused now, not only when it expires hours later.
    const after = await app.inject({ url: '/api/me', headers: { cookie: session } });
    expect(after.statusCode).toBe(401);
    // A new login works.
    const again = await app.inject({ method: 'POST', url: '/api/login', payload: { user: USER, password: PASSWORD } });
    expect((await app.inject({ url: '/api/me', headers: { cookie: String(again.headers['set-cookie']).split(';')[0] } })).statusCode).toBe(200);
    await app.close();
  });
});

describe('console logs', () => {
  it('a failed login does not write what was typed as the user name (often the password, typed in the wrong field)', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const app = consoleApp(pino({ level: 'info' }, sink));
    const typed = 'Tr0ub4dor&3-typed-in-the-user-field';
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { user: typed, password: 'x' } });
    expect(res.statusCode).toBe(401);
    const failed = lines.filter((l) => l.includes('failed console login'));
    expect(failed).toHaveLength(1); // still logged, with the address
    expect(lines.join('')).not.toContain(typed);
    await app.close();
  });
});

describe('console connections', () => {
  it('are not held for ever by a request trickled in: requests have a time limit (Fastify sets none)', async () => {
    const app = consoleApp();
    const s = app.server;
    expect(CONSOLE_TIMEOUTS.requestMs).toBeGreaterThan(0);
    expect(s.requestTimeout).toBe(CONSOLE_TIMEOUTS.requestMs); // head and body
    expect(s.headersTimeout).toBe(CONSOLE_TIMEOUTS.requestMs);
    await app.close();
  });
});

describe('console: the Host check (DNS rebinding)', () => {
  it('refuses a foreign or missing Host with 421 before authentication, on every route but /healthz', async () => {
    const app = consoleApp();
    for (const url of ['/api/me', '/api/login', '/', '/login', '/nowhere']) {
      const r = await app.inject({ url, headers: { host: 'rebind.attacker.example:8088', authorization: basic(PASSWORD) } });
      expect(r.statusCode, url).toBe(421);
      expect(r.json()).toEqual({ error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_CONSOLE_ALLOWED_HOSTS)' });
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
    expect((await app.inject({ url: '/healthz', headers: { host: '10.1.2.3:8088' } })).statusCode).toBe(200);
    for (const host of ['127.0.0.1:8088', 'localhost:8088', '[::1]:8088']) {
      expect((await app.inject({ url: '/api/me', headers: { host, authorization: basic(PASSWORD) } })).statusCode, host).toBe(200);
    }
    await app.close();
  });
});

describe('console: the Host check on a listening server', () => {
  it('refuses a request in absolute form whose target names another host, though its Host header is an allowed one', async () => {
    const app = consoleApp();
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    const status = (target: string) =>
      new Promise<number>((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        let data = '';
        s.on('data', (b) => (data += String(b)));
        s.on('error', reject);
        s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1])));
        s.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${port}\r\nAuthorization: ${basic(PASSWORD)}\r\nConnection: close\r\n\r\n`);
      });
    // Fastify routes `http://evil.example/api/me` by its path; RFC 9112 makes evil.example the request's authority.
    expect(await status('http://rebind.attacker.example/api/me')).toBe(421);
    expect(await status(`http://localhost:${port}/api/me`)).toBe(200);
    expect(await status('/api/me')).toBe(200);
    await app.close();
  });
});

describe('console: errors Fastify answers before the hooks run', () => {
  const SECURITY = {
    'content-security-policy': expect.stringContaining("default-src 'self'"),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };

  it('a URL that does not decode (/%zz) gets 400, the JSON error shape and the security headers', async () => {
    const app = consoleApp();
    for (const url of ['/%zz', '/api/numbers/%zz', '/%zz?x=1']) {
      const r = await app.inject({ url, headers: { authorization: basic(PASSWORD) } });
      expect(r.statusCode, url).toBe(400);
      expect(r.headers, url).toMatchObject({ ...SECURITY, 'content-type': 'application/json; charset=utf-8' });
      expect(r.json(), url).toEqual({ error: 'bad_request', message: expect.stringMatching(/^not a valid URL: '.*' is not a valid url component$/) });
    }
    await app.close();
  });

  it('a path parameter over the router limit gets 414 the same way, and a foreign Host still gets 421 first', async () => {
    const app = consoleApp();
    const long = await app.inject({ url: `/api/numbers/${'1'.repeat(200)}`, headers: { authorization: basic(PASSWORD) } });
    expect(long.statusCode).toBe(414);
    expect(long.headers).toMatchObject(SECURITY);
    expect(long.json()).toMatchObject({ error: 'uri_too_long' });
    const foreign = await app.inject({ url: '/%zz', headers: { host: 'rebind.attacker.example:8088' } });
    expect(foreign.statusCode).toBe(421);
    expect(foreign.headers).toMatchObject(SECURITY);
    expect(foreign.json()).toEqual({ error: 'misdirected_request', message: 'this server does not answer for the Host given (see CALLGUARD_CONSOLE_ALLOWED_HOSTS)' });
    await app.close();
  });

  it('what Node\'s parser refuses (not HTTP) gets 400 with the security headers, then the connection is closed', async () => {
    const app = consoleApp();
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let data = '';
      s.on('data', (b) => (data += String(b)));
      s.on('error', reject);
      s.on('close', () => resolve(data));
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\nbad header line\r\n\r\n');
    });
    await app.close();
    const [head, body] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    for (const line of ['x-content-type-options: nosniff', 'x-frame-options: DENY', 'referrer-policy: no-referrer', 'cache-control: no-store', 'connection: close']) {
      expect(head.split('\r\n'), line).toContain(line);
    }
    expect(head).toMatch(/\r\ncontent-security-policy: default-src 'self'/);
    expect(JSON.parse(body)).toEqual({ error: 'bad_request', message: 'the request is not valid HTTP' });
  });
});

describe('console: static pages', () => {
  const page = (body: string, isPublic: boolean) => ({ body: Buffer.from(body), contentType: 'text/html; charset=utf-8', public: isPublic, etag: `"${body}"` });

  it('serve the public ones (the login page) to anyone, and the others only after login', async () => {
    const app = consoleApp(undefined, undefined, new Map([['/login', page('login', true)], ['/', page('console', false)]]));
    expect((await app.inject({ url: '/login' })).statusCode).toBe(200);
    const anonymous = await app.inject({ url: '/' });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe('/login');
    const loggedIn = await app.inject({ url: '/', headers: { authorization: basic(PASSWORD) } });
    expect(loggedIn.statusCode).toBe(200);
    expect(loggedIn.body).toBe('console');
    await app.close();
  });
});

describe('console: writes take JSON only', () => {
  it('a text/plain body (what a cross-site form can send) is refused with 415', async () => {
    const app = consoleApp();
    const r = await app.inject({
      method: 'POST',
      url: '/api/flags/f-1/review',
      headers: { authorization: basic(PASSWORD), 'content-type': 'text/plain' },
      payload: '{"decision":"CONFIRMED"}',
    });
    expect(r.statusCode).toBe(415);
    await app.close();
  });
});
