/**
 * `callguard replay`: options only; the replay module is loaded when the
 * command runs.
 */
import type { Command } from 'commander';
import type { ReplayOptions } from './replay.ts';

/** The options as commander parses them: --calls may be missing (checked in the action). */
type ReplayCliOptions = Partial<ReplayOptions>;

/** Declares the `replay` subcommand. */
export function register(program: Command): void {
  program
    .command('replay')
    .description('Run the detection engine over JSON Lines files (no services needed): flags to stdout, summary to stderr')
    .option('--calls <file>', 'call events, JSON Lines, in event-time order (give or take the allowed lateness) (required); any file may be a pipe: <(zcat calls.jsonl.gz), /dev/stdin')
    .option('--complaints <file>', 'complaint reports, JSON Lines, in event-time order')
    .option('--consents <file>', 'consent records, JSON Lines (fed first)')
    .option('--allowlist <file>', 'one number per line; allowlisted numbers are never flagged')
    .option('--config <file>', 'engine config (YAML or JSON); without it the documented defaults apply')
    .option('--quiet', 'no progress indicator on stderr')
    // Bad usage exits 2 like every other bad-input case (docs/replay.md): commander's own errors (unknown option,
    // option without its value, extra argument) would exit 1, the code of a failure while running. Help exits 0.
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2))
    .action(async (opts: ReplayCliOptions, command: Command) => {
      // Checked here rather than with requiredOption so that a usage error exits 2 like every other bad-input case.
      if (!opts.calls) command.error('error: required option --calls <file> not specified', { exitCode: 2 });
      const { runReplay } = await import('./replay.ts');
      const { exitCode } = await runReplay({ ...opts, calls: opts.calls }, { stdout: process.stdout, stderr: process.stderr, env: process.env });
      process.exitCode = exitCode;
    });
}
