/** The detection engine: pure, no I/O, no clock of its own. */
import type { EngineConfig } from '../config/schema.ts';
import type { Engine } from './api.ts';
import { DetectionEngine, type EngineOptions } from './engine.ts';

export type { Engine, EngineStats, Accepted } from './api.ts';
export { DetectionEngine, type EngineOptions } from './engine.ts';

/** Creates an engine with the given (validated) config. */
export function createEngine(config: EngineConfig, opts: EngineOptions = {}): Engine & DetectionEngine {
  return new DetectionEngine(config, opts);
}
