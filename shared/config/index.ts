import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { engineConfigSchema, type EngineConfig } from './schema.ts';

export { engineConfigSchema, type EngineConfig } from './schema.ts';

export type ConfigResult = { ok: true; config: EngineConfig } | { ok: false; errors: string[] };

/**
 * Loads the engine config: defaults, then the file (JSON or YAML), then
 * `CALLGUARD_ENGINE_CONFIG` (inline JSON, for containers). Every error is
 * reported at once, each naming its path and, when a source set it, which
 * source (` (in FILE)` / ` (in CALLGUARD_ENGINE_CONFIG)`). A source that does
 * not parse is reported and the other one is still validated, so a broken
 * variable does not hide the file's errors until the next run.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): ConfigResult {
  const errors: string[] = [];
  const sources: Source[] = [];
  if (opts.file) {
    try {
      sources.push({ name: opts.file, value: parseYaml(readFileSync(opts.file, 'utf8')) ?? {} });
    } catch (e) {
      errors.push(`${opts.file}: ${(e as Error).message}`);
    }
  }
  const inline = opts.env?.CALLGUARD_ENGINE_CONFIG;
  if (inline) {
    try {
      sources.push({ name: 'CALLGUARD_ENGINE_CONFIG', value: JSON.parse(inline) });
    } catch (e) {
      errors.push(`CALLGUARD_ENGINE_CONFIG: ${(e as Error).message}`);
    }
  }
  const merged = sources.reduce<unknown>((acc, src) => deepMerge(acc, src.value), {});
  const parsed = engineConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const keys = i.code === 'unrecognized_keys' ? i.keys : [];
      const from = sourceOf(sources, keys.length ? [...i.path, keys[0]] : i.path);
      errors.push(`${i.path.join('.') || '(root)'}: ${i.message}${from ? ` (in ${from})` : ''}`);
    }
  }
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, config: parsed.data };
}

/** One config source as parsed: the file or the environment variable. */
interface Source {
  name: string;
  value: unknown;
}

/**
 * The source that set `path` (the later one wins, as in the merge), or that
 * set the nearest enclosing object (a cross-field check on a default value
 * names the object given); undefined when the path holds only defaults.
 */
function sourceOf(sources: readonly Source[], path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    for (let s = sources.length - 1; s >= 0; s--) {
      if (has(sources[s].value, path.slice(0, n))) return sources[s].name;
    }
  }
  // A root that is not an object (`[1]`, a YAML scalar) replaces everything before it in the merge.
  for (let s = sources.length - 1; s >= 0; s--) if (!isObject(sources[s].value)) return sources[s].name;
  return undefined;
}

function has(v: unknown, path: readonly PropertyKey[]): boolean {
  let cur = v;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, k)) return false;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return true;
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
