/** What the stack knows about each of its four services. */
import type { StackConfig } from './config.ts';
import type { LaunchSpec } from './process.ts';
import type { ProbeResult } from './probes.ts';

/** Names of the stack's services, in start order. */
export const SERVICE_NAMES = ['redis', 'clickhouse', 'kafka', 'registry'] as const;
/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One service of the local stack. */
export interface StackService {
  name: ServiceName;
  /** What clients use, as printed by `up` and `status`. */
  endpoint: string;
  /** The environment variable that overrides the endpoint. */
  envVar: string;
  /** Loopback endpoint: the stack runs it. Otherwise it only checks it. */
  local: boolean;
  /** Every loopback port the service binds (checked before starting). */
  ports: number[];
  /** Seconds to wait for readiness after starting. */
  startTimeoutSec: number;
  /** Installs or downloads what the service needs; cached and idempotent. */
  provision(cfg: StackConfig): Promise<void>;
  /**
   * Provision even when the service already answers from elsewhere (another checkout's stack):
   * Kafka, whose jars in this checkout's .stack/cache the tests' private brokers run.
   */
  provisionWhenReused?: boolean;
  /** Writes the service's config files and says how to run it. */
  launch(cfg: StackConfig): Promise<LaunchSpec>;
  /** Cheap readiness check used while waiting (default: {@link probe}). */
  quickProbe?(): Promise<ProbeResult>;
  /** Full check: the service really answers. */
  probe(): Promise<ProbeResult>;
}
