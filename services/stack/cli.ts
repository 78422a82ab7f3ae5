import type { Command } from 'commander';

/** Registers `callguard stack up|down|status [services...]`; the work is loaded lazily. */
export function register(program: Command): void {
  program
    .command('stack')
    .description('Provision and run the local Kafka, schema registry, Redis and ClickHouse (up|down|status|init)')
    .argument('<action>', 'up: provision, start, wait, create topics/schemas/tables | down: stop what up started | status: probe each | init: only create topics, schemas, tables')
    .argument('[services...]', 'only these of redis, clickhouse, kafka, registry (default: all)')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nState, logs and downloads live in .stack/ (CALLGUARD_STACK_DIR). Endpoints: CALLGUARD_KAFKA_BROKERS, ' +
        'CALLGUARD_SCHEMA_REGISTRY_URL, CALLGUARD_REDIS_URL, CALLGUARD_CLICKHOUSE_URL. See docs/stack.md.',
    )
    .action(async (action: string, services: string[], opts: { json?: boolean }) => {
      const { runStack } = await import('./run.ts');
      await runStack(action, services, opts);
    });
}
