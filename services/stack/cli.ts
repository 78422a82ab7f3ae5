import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('stack')
    .description('Provision and run the local Kafka, schema registry, Redis and ClickHouse (up|down|status)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard stack: not implemented yet\n');
      process.exitCode = 2;
    });
}
