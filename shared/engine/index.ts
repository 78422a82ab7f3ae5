/** The detection engine: pure, no I/O, no clock of its own. */
import type { EngineConfig } from '../config/schema.ts';
import type { Engine } from './api.ts';
import { DetectionEngine, type EngineOptions } from './engine.ts';
import type { EngineSnapshot } from './snapshot.ts';

export type { Engine, EngineStats, Accepted } from './api.ts';
export { DetectionEngine, type EngineOptions } from './engine.ts';
export { type EngineSnapshot, SNAPSHOT_VERSION } from './snapshot.ts';
export { CampaignGroups } from './state/campaigns.ts';
export { InboundSwarms } from './state/inbound-swarms.ts';
export { MAX_GRANTS as MAX_CONSENT_GRANTS } from './state/consents.ts';

/** Creates an engine with the given (validated) config. */
export function createEngine(config: EngineConfig, opts: EngineOptions = {}): Engine & DetectionEngine {
  return new DetectionEngine(config, opts);
}

/** Creates an engine and loads a snapshot taken from an engine with the same config sizes. */
export function restoreEngine(config: EngineConfig, snapshot: EngineSnapshot, opts: EngineOptions = {}): Engine & DetectionEngine {
  const engine = new DetectionEngine(config, opts);
  engine.restore(snapshot);
  return engine;
}
