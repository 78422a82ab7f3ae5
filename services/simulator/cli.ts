import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('Generate simulated probe traffic with known truth')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard simulate: not implemented yet\n');
      process.exitCode = 2;
    });
}
