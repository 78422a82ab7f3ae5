import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { engineConfigSchema, type EngineConfig } from './schema.ts';

export { engineConfigSchema, type EngineConfig } from './schema.ts';

export type ConfigResult = { ok: true; config: EngineConfig } | { ok: false; errors: string[] };

/**
 * Loads the engine config: defaults, then the file (JSON or YAML), then
 * `CALLGUARD_ENGINE_CONFIG` (inline JSON, for containers). Every error is
 * reported at once, each naming its path.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): ConfigResult {
  const errors: string[] = [];
  let fromFile: unknown = {};
  if (opts.file) {
    try {
      fromFile = parseYaml(readFileSync(opts.file, 'utf8')) ?? {};
    } catch (e) {
      errors.push(`${opts.file}: ${(e as Error).message}`);
    }
  }
  let fromEnv: unknown = {};
  const inline = opts.env?.CALLGUARD_ENGINE_CONFIG;
  if (inline) {
    try {
      fromEnv = JSON.parse(inline);
    } catch (e) {
      errors.push(`CALLGUARD_ENGINE_CONFIG: ${(e as Error).message}`);
    }
  }
  if (errors.length) return { ok: false, errors };
  const merged = deepMerge(fromFile, fromEnv);
  const parsed = engineConfigSchema.safeParse(merged);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  return { ok: true, config: parsed.data };
}

/** The documented defaults. */
export function defaultConfig(): EngineConfig {
  return engineConfigSchema.parse({});
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b === undefined || (isObject(b) && Object.keys(b).length === 0) ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
