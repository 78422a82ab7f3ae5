import type { Command } from 'commander';

/** Declares `callguard demo` (what `npm run demo` runs); the work is loaded only when it runs. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('End to end on this machine: stack up, simulated probe traffic to Kafka, the streaming detector, flags and a ClickHouse summary')
    .option('--hours <h>', 'simulated event time after the warm-up', '12')
    .option('--scale <x>', 'population size multiplier of the default scenario', '0.5')
    .option('--seed <n>', 'simulator seed', '7')
    .option('--timeout <s>', 'give up waiting for the detector after this many seconds', '900')
    .action(async (opts: { hours: string; scale: string; seed: string; timeout: string }) => {
      const { runDemo } = await import('./run.ts');
      process.exitCode = await runDemo({
        hours: Number(opts.hours),
        scale: Number(opts.scale),
        seed: Number(opts.seed),
        timeoutMs: Number(opts.timeout) * 1000,
      });
    });
}
