/**
 * Settings read alike by several services (README, "Configuration"): the
 * form of a boolean variable, and the Redis key prefix that the detector,
 * the enforcer and the console share — they read and write the same keys
 * (`<prefix>:dismissed:<number>`, `<prefix>:allowlist`, the enforcer's
 * labels; shared/contracts/redis-keys.ts, shared/contracts/allowlist.ts).
 */
import { z } from 'zod';

/** The values a boolean variable may take. */
export const ENV_BOOLEAN_VALUES = ['true', 'false', '1', '0'] as const;

/**
 * A boolean variable: `true`/`1` or `false`/`0`. Anything else is a
 * configuration error, never a silent false (`yes`, `on`, `TRUE` included).
 */
export const envBoolean = z.enum(ENV_BOOLEAN_VALUES).transform((v) => v === 'true' || v === '1');

/**
 * Reads a boolean variable for a loader that collects problems: unset or
 * empty gives `fallback`; a value {@link envBoolean} refuses adds a problem
 * naming the variable and gives `fallback`.
 */
export function envBooleanFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean, problems: string[]): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const r = envBoolean.safeParse(text);
  if (r.success) return r.data;
  problems.push(`${name}: ${JSON.stringify(text)} is not one of ${ENV_BOOLEAN_VALUES.join(', ')}`);
  return fallback;
}

/** The variable every service reads its Redis key prefix from. */
export const REDIS_PREFIX_VARIABLE = 'CALLGUARD_REDIS_PREFIX';
/** The Redis key prefix when none is set. */
export const DEFAULT_REDIS_PREFIX = 'callguard';
/** What a Redis key prefix may hold. */
export const REDIS_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]+$/;

/**
 * A service's Redis key prefix and what set it, in this order: its
 * command-line option, its own variable (an override, e.g.
 * `CALLGUARD_ENFORCER_KEY_PREFIX`), the shared `CALLGUARD_REDIS_PREFIX`,
 * the default `callguard`. Empty values count as unset. A value that is not
 * a valid prefix adds a problem naming where it came from.
 */
export function redisPrefixFrom(
  env: NodeJS.ProcessEnv,
  own: { cli?: string; cliOption?: string; variable: string },
  problems: string[],
): { prefix: string; setBy: string } {
  const [prefix, setBy] =
    own.cli !== undefined
      ? [own.cli, `${own.cliOption ?? '--key-prefix'} / ${own.variable}`]
      : env[own.variable]
        ? [env[own.variable]!, own.variable]
        : env[REDIS_PREFIX_VARIABLE]
          ? [env[REDIS_PREFIX_VARIABLE], REDIS_PREFIX_VARIABLE]
          : [DEFAULT_REDIS_PREFIX, 'default'];
  if (!REDIS_PREFIX_PATTERN.test(prefix)) problems.push(`key prefix (${setBy}): ${JSON.stringify(prefix)} may hold only letters, digits and _ : . -`);
  return { prefix, setBy };
}
