import type { Command } from 'commander';
import type { EnforcerCliOptions } from './config.ts';

/** Declares `callguard enforce`; the consumer and API are loaded only when it runs. */
export function register(program: Command): void {
  program
    .command('enforce')
    .description('Enforcement consumer: caller-ID labels and block list in Redis from flags and reviews, lookup API')
    .option('--host <addr>', 'lookup API address (env CALLGUARD_ENFORCER_HOST, default 127.0.0.1)')
    .option('--port <n>', 'lookup API port (env CALLGUARD_ENFORCER_PORT, default 8089)')
    .option('--allowed-hosts <names>', 'Host names the lookup API answers for, comma-separated, * = any (env CALLGUARD_ENFORCER_ALLOWED_HOSTS; default on loopback: localhost, 127.0.0.1, [::1])')
    .option('--flags-topic <t>', 'flags topic (env CALLGUARD_TOPIC_FLAGS, default callguard.flags.v1)')
    .option('--reviews-topic <t>', 'reviews topic (env CALLGUARD_TOPIC_REVIEWS, default callguard.reviews.v1)')
    .option('--dlq-topic <t>', 'dead-letter topic (env CALLGUARD_TOPIC_DLQ, default callguard.dlq.v1)')
    .option('--group <id>', 'consumer group (env CALLGUARD_ENFORCER_GROUP, default callguard-enforcer)')
    .option('--label-ttl <d>', 'label lifetime after the end of its evidence (env CALLGUARD_ENFORCER_LABEL_TTL, default 7d)')
    .option('--block-ttl <d>', 'confirmed block lifetime after the decision, 0 = until dismissed (env CALLGUARD_ENFORCER_BLOCK_TTL, default 30d)')
    .option('--protect-ttl <d>', 'how long a dismissal protects (env CALLGUARD_ENFORCER_PROTECT_TTL, default 30d)')
    .option('--key-prefix <p>', 'Redis key prefix (env CALLGUARD_ENFORCER_KEY_PREFIX, else the shared CALLGUARD_REDIS_PREFIX, default callguard)')
    .option('--replica-max <n>', 'most labels held in the in-process lookup replica, 0 = none (env CALLGUARD_ENFORCER_REPLICA_MAX, default 2000000)')
    .addHelpText(
      'after',
      '\nRedis: CALLGUARD_REDIS_URL; Kafka: CALLGUARD_KAFKA_BROKERS; registry: CALLGUARD_SCHEMA_REGISTRY_URL. See docs/enforcer.md.\n' +
        'Stopping: SIGTERM/SIGINT stop it gracefully (records in hand done and committed, group left, Redis closed)\n' +
        'within CALLGUARD_ENFORCER_STOP_TIMEOUT (a duration, default 30s); past it, it logs what did not close and\n' +
        'exits 1. A second SIGTERM/SIGINT exits at once without closing (130 SIGINT, 143 SIGTERM).',
    )
    .action(async (opts: EnforcerCliOptions) => {
      const { runEnforce } = await import('./main.ts');
      process.exitCode = await runEnforce(opts);
    });
}
