import type { Command } from 'commander';

/** Placeholder until the subcommand is built: says so and exits non-zero. */
export function register(program: Command): void {
  program
    .command('enforce')
    .description('Enforcement consumer: caller-ID labels and block list, lookup API')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('callguard enforce: not implemented yet\n');
      process.exitCode = 2;
    });
}
