/**
 * Live thresholds: a JSON object in Redis that overrides the engine config
 * the detector started with. It is merged over the start config and
 * validated by the same schema; a bad value is rejected with every error at
 * once, and the config in force stays. Capacities fixed at start
 * (pairCacheEntries, dedupEntries, swarmEntries) cannot change live.
 */
import { engineConfigSchema, type EngineConfig } from '../../../shared/config/index.ts';

/** Keys whose change needs a restart (they size the engine's state). */
export const RESTART_KEYS = ['pairCacheEntries', 'dedupEntries', 'swarmEntries'] as const;

/** Outcome of {@link resolveLiveConfig}. */
export type LiveConfigResult = { ok: true; config: EngineConfig } | { ok: false; errors: string[] };

/** The config in force for override `json` (null = no override) on top of `base`. */
export function resolveLiveConfig(base: EngineConfig, json: string | null): LiveConfigResult {
  if (json === null || json.trim() === '') return { ok: true, config: base };
  let override: unknown;
  try {
    override = JSON.parse(json);
  } catch (e) {
    return { ok: false, errors: [`not JSON: ${(e as Error).message}`] };
  }
  if (typeof override !== 'object' || override === null || Array.isArray(override)) return { ok: false, errors: ['(root): expected a JSON object'] };
  const parsed = engineConfigSchema.safeParse(deepMerge(base, override));
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const errors = RESTART_KEYS.filter((k) => parsed.data[k] !== base[k]).map((k) => `${k}: cannot change while running (from ${base[k]} to ${parsed.data[k]}); restart with the new value`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: parsed.data };
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
