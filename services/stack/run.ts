/** The `stack` subcommand's actions: run, print the summary on stdout, set the exit code. */
import { loadStackConfig } from './config.ts';
import { StackError } from './log.ts';
import { withStackLock } from './lock.ts';

/** Options of `callguard stack`. */
export interface StackCommandOptions {
  json?: boolean;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** Runs `stack <action> [services...]`. */
export async function runStack(action: string, names: string[], opts: StackCommandOptions): Promise<void> {
  const cfg = loadStackConfig();
  try {
    if (action === 'up') {
      const { stackUp } = await import('./up.ts');
      const lines = await withStackLock('stack up', () => stackUp(cfg, names));
      if (opts.json) {
        process.stdout.write(JSON.stringify(lines.map((l) => ({ name: l.service.name, endpoint: l.service.endpoint, state: l.state, pid: l.pid, detail: l.probe.detail }))) + '\n');
      } else {
        process.stdout.write(`callguard stack is up (state in ${cfg.stateDir})\n`);
        for (const l of lines) {
          const how = l.state === 'started' ? `started, pid ${l.pid}` : l.state === 'running' ? `already running, pid ${l.pid}` : l.state === 'reused' ? 'already answering (not started by this checkout; left as is)' : 'remote';
          process.stdout.write(`  ${pad(l.service.name, 10)} ${pad(l.service.endpoint, 42)} ${how}\n`);
        }
        process.stdout.write(`Override with CALLGUARD_KAFKA_BROKERS, CALLGUARD_SCHEMA_REGISTRY_URL, CALLGUARD_REDIS_URL, CALLGUARD_CLICKHOUSE_URL.\n`);
      }
    } else if (action === 'down') {
      const { stackDown } = await import('./down.ts');
      const lines = await withStackLock('stack down', () => stackDown(cfg, names));
      if (opts.json) process.stdout.write(JSON.stringify(lines) + '\n');
      else for (const l of lines) process.stdout.write(`  ${pad(l.name, 10)} ${l.stopped ? `stopped (pid ${l.pid})` : 'was not running from this checkout'}\n`);
    } else if (action === 'status') {
      const { stackStatus } = await import('./status.ts');
      const lines = await stackStatus(cfg, names);
      if (opts.json) process.stdout.write(JSON.stringify(lines) + '\n');
      else
        for (const l of lines) {
          const who = l.pid ? `pid ${l.pid}` : l.owner;
          process.stdout.write(`  ${pad(l.name, 10)} ${pad(l.endpoint, 42)} ${pad(l.answering ? 'answering' : 'NOT answering', 14)} ${pad(who, 18)} ${l.detail}\n`);
        }
      if (!lines.every((l) => l.answering)) process.exitCode = 1;
    } else if (action === 'init') {
      const { bootstrapStack } = await import('./bootstrap.ts');
      const boot = await bootstrapStack(cfg);
      if (opts.json) process.stdout.write(JSON.stringify(boot) + '\n');
      else
        process.stdout.write(
          `topics: ${boot.topics.join(', ')} (${boot.topicsCreated.length} created)\n` +
            `subjects: ${Object.entries(boot.subjects).map(([s, id]) => `${s}=${id}`).join(', ')}\n` +
            `ClickHouse database ${boot.database}: ${boot.migrationsApplied.length} migration(s) applied\n`,
        );
    } else {
      throw new StackError(`unknown action ${JSON.stringify(action)}: use up, down, status or init`);
    }
  } catch (err) {
    if (err instanceof StackError) {
      process.stderr.write(`callguard stack ${action}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
