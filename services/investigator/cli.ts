import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('investigate')
    .description('Investigators’ HTTP API and web console')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard investigate: not implemented yet\n');
      process.exitCode = 2;
    });
}
