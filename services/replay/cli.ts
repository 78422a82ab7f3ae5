import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('replay')
    .description('Run the detection engine over JSON Lines files (no services needed)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard replay: not implemented yet\n');
      process.exitCode = 2;
    });
}
