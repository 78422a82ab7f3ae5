/**
 * A private, throw-away Kafka broker for tests that stop and restart the
 * broker: the same 4.x jars the stack fetched (`.stack/cache/kafka-<v>/libs`),
 * KRaft, one node, on free loopback ports and a temporary data folder, so the
 * shared broker of the stack is never disturbed. Stopping and starting keeps
 * the ports and the data (a real broker restart).
 */
import { execFile } from 'node:child_process';
import { newKafkaClusterId } from '../../../services/stack/kafka-cluster-id.ts';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_LOG4J2_YAML, kafkaServerProperties } from '../../../services/stack/kafka.ts';
import { VERSIONS } from '../../../services/stack/config.ts';
import { kafkaMetadata } from '../../../services/stack/probes.ts';
import { freePort } from '../../../services/stack/ports.ts';
import { ownedProcess, startPrivateServer, type PrivateServer } from './owned-process.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

/** A broker this test process started and owns. */
export interface PrivateKafka extends PrivateServer {
  /** Bootstrap servers (`127.0.0.1:<port>`). */
  readonly brokers: string[];
}

/**
 * Formats and starts a private broker; fails (never skips) when the stack's
 * Kafka jars are not there (`callguard stack up` fetches them).
 */
export async function startPrivateKafka(opts: { heapMb?: number } = {}): Promise<PrivateKafka> {
  const libs = join(process.env.CALLGUARD_STACK_DIR ?? join(ROOT, '.stack'), 'cache', `kafka-${VERSIONS.kafka}`, 'libs');
  if (!existsSync(join(libs, '.complete'))) throw new Error(`no Kafka jars in ${libs}: run \`node bin/callguard.mjs stack up\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'callguard-private-kafka-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const props = join(dir, 'server.properties');
  writeFileSync(props, kafkaServerProperties('127.0.0.1', port, controllerPort, join(dir, 'data')));
  writeFileSync(join(dir, 'log4j2.yaml'), KAFKA_LOG4J2_YAML);
  const java = (mainClass: string, args: string[]) => [
    `-Xms128m`,
    `-Xmx${opts.heapMb ?? 512}m`,
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.yaml')}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
  const clusterId = newKafkaClusterId();
  await run('java', java('kafka.tools.StorageTool', ['format', '--ignore-formatted', '-t', clusterId, '-c', props]), { cwd: dir });

  const brokers = [`127.0.0.1:${port}`];
  const server = ownedProcess({
    command: 'java',
    args: java('kafka.Kafka', [props]),
    cwd: dir,
    logFile: join(dir, 'kafka.log'),
    ready: async () => (await kafkaMetadata(brokers, 2_000)).ok,
    what: `the private Kafka broker on ${brokers[0]}`,
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  return Object.assign(await startPrivateServer(dir, server), { brokers });
}
