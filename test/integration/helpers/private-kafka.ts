/**
 * A private, throw-away Kafka broker for tests that stop and restart the
 * broker: the same 4.x jars the stack fetched (`.stack/cache/kafka-<v>/libs`),
 * KRaft, one node, on free loopback ports and a temporary data folder, so the
 * shared broker of the stack is never disturbed. Stopping and starting keeps
 * the ports and the data (a real broker restart).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { newKafkaClusterId } from '../../../services/stack/kafka-cluster-id.ts';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_LOG4J2_YAML, kafkaServerProperties } from '../../../services/stack/kafka.ts';
import { VERSIONS } from '../../../services/stack/config.ts';
import { kafkaMetadata } from '../../../services/stack/probes.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

/** A broker this test process started and owns. */
export interface PrivateKafka {
  /** Bootstrap servers (`127.0.0.1:<port>`). */
  readonly brokers: string[];
  /** The broker's data and logs folder. */
  readonly dir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Starts it again on the same ports and data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (SIGTERM: controlled shutdown; SIGKILL: a crash) and waits for the process to exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it if running and deletes its folder. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
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
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (proc) return;
    const log = createWriteStream(join(dir, 'kafka.log'), { flags: 'a' });
    const p = spawn('java', java('kafka.Kafka', [props]), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.pipe(log);
    p.stderr!.pipe(log);
    proc = p;
    exited = new Promise<void>((r) =>
      p.once('exit', () => {
        if (proc === p) proc = null;
        r();
      }),
    );
    await waitFor(
      async () => {
        if (proc !== p) throw new Error(`the private broker exited during start-up; see ${join(dir, 'kafka.log')}`);
        return (await kafkaMetadata(brokers, 2_000)).ok;
      },
      { what: `the private Kafka broker on ${brokers[0]}`, timeoutMs: 90_000, intervalMs: 250 },
    );
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const p = proc;
    if (!p) return;
    const done = exited;
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(t);
  };

  await start();
  return {
    brokers,
    dir,
    get running() {
      return proc !== null;
    },
    start,
    stop,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
