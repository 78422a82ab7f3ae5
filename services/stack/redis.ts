/** Redis from Debian's redis-server, on loopback, data under .stack/redis. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import type { StackService } from './service.ts';
import { ensureDebPackages } from './provision.ts';
import { redisProbe } from './probes.ts';

/** The Redis service of the stack. */
export function redisService(cfg: StackConfig): StackService {
  const { host, port, url, local } = cfg.redis;
  return {
    name: 'redis',
    endpoint: url,
    envVar: 'CALLGUARD_REDIS_URL',
    local,
    ports: [port],
    startTimeoutSec: 20,
    provision: (c) => ensureDebPackages(c, ['redis-server']),
    async launch(c) {
      const dir = join(c.stateDir, 'redis');
      mkdirSync(dir, { recursive: true });
      return {
        command: 'redis-server',
        args: [
          '--bind', host === 'localhost' ? '127.0.0.1' : host,
          '--port', String(port),
          '--dir', dir,
          '--daemonize', 'no',
          '--protected-mode', 'yes',
          '--save', '60 1',
          '--appendonly', 'no',
          '--logfile', '',
        ],
        cwd: dir,
        logFile: join(c.stateDir, 'logs', 'redis.log'),
      };
    },
    probe: () => redisProbe(url),
  };
}
