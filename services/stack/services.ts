/** The stack's four services, built from one configuration. */
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { SERVICE_NAMES, type ServiceName, type StackService } from './service.ts';
import { redisService } from './redis.ts';
import { clickhouseService } from './clickhouse.ts';
import { kafkaService } from './kafka.ts';
import { registryService } from './registry.ts';

/** All services in start order, or only `names` when given (unknown names are an error). */
export function stackServices(cfg: StackConfig, names: string[] = []): StackService[] {
  const unknown = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`unknown service(s) ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
  const all = [redisService(cfg), clickhouseService(cfg), kafkaService(cfg), registryService(cfg)];
  return names.length === 0 ? all : all.filter((s) => names.includes(s.name));
}

/** Where the pid file of a service lives. */
export function pidFileOf(cfg: StackConfig, name: ServiceName): string {
  return join(cfg.stateDir, 'run', `${name}.pid`);
}

/** Where the log of a service goes. */
export function logFileOf(cfg: StackConfig, name: ServiceName): string {
  return join(cfg.stateDir, 'logs', `${name}.log`);
}
