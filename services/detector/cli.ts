import type { Command } from 'commander';

/** Declares `callguard detect`; the service is loaded only when it runs. */
export function register(program: Command): void {
  program
    .command('detect')
    .description('Streaming detector service: Kafka in (calls, complaints, consents), flags and ClickHouse aggregates out')
    .option('--config <file>', 'engine config (YAML or JSON); CALLGUARD_ENGINE_CONFIG and live overrides in Redis apply on top')
    .addHelpText(
      'after',
      '\nEndpoints and settings come from the environment (CALLGUARD_KAFKA_BROKERS, CALLGUARD_SCHEMA_REGISTRY_URL,\n' +
        'CALLGUARD_REDIS_URL, CALLGUARD_CLICKHOUSE_URL, CALLGUARD_TOPIC_*, CALLGUARD_DETECTOR_*); see docs/detector.md.\n' +
        'Ops endpoint: http://127.0.0.1:9464/metrics, /healthz, /readyz; Host names besides the loopback ones in\n' +
        'CALLGUARD_DETECTOR_ALLOWED_HOSTS (comma-separated, * = any; a foreign Host gets 421 except on /healthz).\n' +
        'Stopping: SIGTERM/SIGINT stop it gracefully (last flags and rows written, partitions snapshotted, offsets committed)\n' +
        'within CALLGUARD_DETECTOR_STOP_TIMEOUT_MS (milliseconds, default 30000); past it, it logs what did not finish and\n' +
        'exits 1. A second SIGTERM/SIGINT exits at once without closing (130 SIGINT, 143 SIGTERM).',
    )
    .action(async (opts: { config?: string }) => {
      const { runDetector } = await import('./main.ts');
      process.exitCode = await runDetector(opts);
    });
}
