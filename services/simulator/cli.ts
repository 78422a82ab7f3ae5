import type { Command } from 'commander';
import { DEFAULT_TOPICS } from '../../shared/contracts/records.ts';

/** Options of `callguard simulate`, as commander parses them. */
export interface SimulateOptions {
  scenario: string;
  seed: string;
  out?: string;
  hours?: string;
  scale?: string;
  kafka?: boolean;
  rate?: string;
  callsTopic: string;
  complaintsTopic: string;
  consentsTopic: string;
  progress: boolean;
}

/** Declares `callguard simulate`; the simulator itself is loaded only when it runs. */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('Generate simulated probe traffic (calls, complaints, consents) with known truth, to files or to Kafka')
    .option('--scenario <name|file>', 'default | large | adversarial | path to a scenario JSON file', 'default')
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', '1')
    .option('--out <dir>', 'write calls.jsonl, complaints.jsonl, consents.jsonl, allowlist.txt, truth.jsonl here')
    .option('--hours <h>', 'override the scored period length (hours)')
    .option('--scale <x>', 'override the count multiplier of every population')
    .option('--kafka', 'produce Avro to Kafka (CALLGUARD_KAFKA_BROKERS, CALLGUARD_SCHEMA_REGISTRY_URL) instead of files')
    .option('--rate <n>', 'with --kafka: target records per second (default: as fast as possible)')
    .option('--calls-topic <t>', `with --kafka: calls topic (env CALLGUARD_TOPIC_CALLS, default ${DEFAULT_TOPICS.calls})`, process.env.CALLGUARD_TOPIC_CALLS || DEFAULT_TOPICS.calls)
    .option('--complaints-topic <t>', `with --kafka: complaints topic (env CALLGUARD_TOPIC_COMPLAINTS, default ${DEFAULT_TOPICS.complaints})`, process.env.CALLGUARD_TOPIC_COMPLAINTS || DEFAULT_TOPICS.complaints)
    .option('--consents-topic <t>', `with --kafka: consents topic (env CALLGUARD_TOPIC_CONSENTS, default ${DEFAULT_TOPICS.consents})`, process.env.CALLGUARD_TOPIC_CONSENTS || DEFAULT_TOPICS.consents)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nExamples:\n  callguard simulate --scenario default --seed 7 --out data/\n  callguard simulate --scenario adversarial --kafka --rate 20000 --out data/',
    )
    .action(async (opts: SimulateOptions) => {
      const { simulateCommand } = await import('./command.ts');
      process.exitCode = await simulateCommand(opts);
    });
}
