/** Login, logout and "who am I" of the console. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readCookie, SESSION_COOKIE, type Auth } from './auth.ts';

interface LoginBody {
  user: string;
  password: string;
}

/** The 429 of an address locked out after too many failed logins (form or HTTP Basic). */
export function lockedOut(reply: FastifyReply, waitMs: number): FastifyReply {
  const s = Math.ceil(waitMs / 1000);
  return reply.code(429).header('retry-after', String(s)).send({ error: 'too_many_attempts', message: `too many failed logins; try again in ${s} s` });
}

/** Registers POST /api/login, POST /api/logout and GET /api/me. */
export function registerAuthRoutes(app: FastifyInstance, auth: Auth): void {
  app.post<{ Body: LoginBody }>(
    '/api/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['user', 'password'],
          additionalProperties: false,
          properties: { user: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    async (req, reply) => {
      // Checked first, answered after: a locked-out address gets 429 whatever it sent, so it learns nothing.
      const ok = auth.checkCredentials(req.body.user, req.body.password);
      const wait = await auth.attempt(req.ip, ok);
      if (wait > 0) return lockedOut(reply, wait);
      if (!ok) {
        // Not the user name typed: a password typed into the user field would be written to the log.
        req.log.warn({ ip: req.ip }, 'failed console login');
        return reply.code(401).send({ error: 'invalid_credentials', message: 'wrong user name or password' });
      }
      const { token, expiresAt } = auth.issue(req.body.user);
      return reply.header('set-cookie', auth.cookie(token, expiresAt)).send({ user: req.body.user, expiresAt });
    },
  );

  // The token itself is revoked, not only the browser's copy: a copy taken before the logout no longer opens a
  // session, on any console instance sharing the Redis (revocations.ts).
  app.post('/api/logout', async (req, reply) => {
    await auth.revoke(readCookie(req.headers.cookie, SESSION_COOKIE));
    return reply.header('set-cookie', auth.clearCookie()).send({ ok: true });
  });

  app.get('/api/me', async (req) => ({ user: req.user }));
}
