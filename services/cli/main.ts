/**
 * The `callguard` CLI: wiring only. Each subcommand is declared by its
 * service's `cli.ts` (options and help), which loads the heavy modules lazily
 * inside its action so that `replay` never loads a Kafka client.
 */
import { Command } from 'commander';
import { register as stack } from '../stack/cli.ts';
import { register as replay } from '../replay/cli.ts';
import { register as simulate } from '../simulator/cli.ts';
import { register as detect } from '../detector/cli.ts';
import { register as enforce } from '../enforcer/cli.ts';
import { register as investigate } from '../investigator/cli.ts';
import { register as demo } from '../demo/cli.ts';

const program = new Command('callguard')
  .description('Finds nuisance phone calls in probe call records, in event time.')
  .showHelpAfterError();

for (const add of [demo, stack, replay, simulate, detect, enforce, investigate]) add(program);

await program.parseAsync(process.argv);
