import type { Command } from 'commander';
import type { InvestigatorCliOptions } from './config.ts';

interface SeedCliOptions {
  calls: string;
  complaints?: string;
  flags: string;
  database?: string;
  shiftToNow?: boolean;
  progress: boolean;
}

/** Declares `callguard investigate` (the console) and `callguard investigate seed`; modules load only when run. */
export function register(program: Command): void {
  const investigate = program
    .command('investigate')
    .description("Investigators' HTTP API and web console (login from CALLGUARD_CONSOLE_USER / CALLGUARD_CONSOLE_PASSWORD)")
    .option('--host <addr>', 'listen address (env CALLGUARD_CONSOLE_HOST, default 127.0.0.1)')
    .option('--port <n>', 'port (env CALLGUARD_CONSOLE_PORT, default 8088)')
    .option('--allowed-hosts <names>', 'Host names the console answers for, comma-separated, * = any (env CALLGUARD_CONSOLE_ALLOWED_HOSTS; default on loopback: localhost, 127.0.0.1, [::1])')
    .option('--database <name>', 'ClickHouse database (env CALLGUARD_CLICKHOUSE_DATABASE, default callguard)')
    .option('--reviews-topic <t>', 'topic of ReviewDecisions (env CALLGUARD_TOPIC_REVIEWS, default callguard.reviews.v1)')
    .option('--key-prefix <p>', 'Redis key prefix (env CALLGUARD_CONSOLE_KEY_PREFIX, else the shared CALLGUARD_REDIS_PREFIX, default callguard)')
    .addHelpText(
      'after',
      '\nSee docs/investigator.md for every environment variable.\n' +
        'Stopping: SIGTERM/SIGINT stop it gracefully (no new requests, those in progress finished, connections closed)\n' +
        'within CALLGUARD_CONSOLE_STOP_SECONDS (seconds, default 30); past it, it logs what did not close and exits 1.\n' +
        'A second SIGTERM/SIGINT exits at once without closing (130 SIGINT, 143 SIGTERM).',
    )
    .action(async (opts: InvestigatorCliOptions) => {
      const { runInvestigate } = await import('./main.ts');
      process.exitCode = await runInvestigate(opts);
    });

  investigate
    .command('seed')
    .description('Fill a ClickHouse database from `callguard simulate` files and `callguard replay` flags (demos, measurements)')
    .requiredOption('--calls <file>', 'calls.jsonl from callguard simulate')
    .requiredOption('--flags <file>', 'flags (JSON Lines) from callguard replay')
    .option('--complaints <file>', 'complaints.jsonl from callguard simulate')
    .option('--shift-to-now', 'move every event time so that the data ends now')
    .option('--no-progress', 'no progress lines')
    .addHelpText('after', '\nThe target database is --database (an option of `investigate`, before or after `seed`), else CALLGUARD_CLICKHOUSE_DATABASE, else callguard.')
    .action(async (_opts: SeedCliOptions, command: Command) => {
      // --database is declared on `investigate`; commander hands it to the parent wherever it appears.
      const opts = command.optsWithGlobals<SeedCliOptions>();
      const { seedDatabase } = await import('./seed/seed.ts');
      const { clickHouseDatabaseFromEnv } = await import('../../shared/clickhouse/index.ts');
      const r = await seedDatabase({ ...opts, database: opts.database ?? clickHouseDatabaseFromEnv(), quiet: !opts.progress });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
