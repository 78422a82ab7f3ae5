import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('detect')
    .description('Streaming detector service: Kafka in, flags and ClickHouse aggregates out')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard detect: not implemented yet\n');
      process.exitCode = 2;
    });
}
