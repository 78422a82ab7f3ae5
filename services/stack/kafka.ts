/**
 * Apache Kafka 4.x, KRaft, one JVM that is broker and controller, from
 * Maven Central jars: a generated pom of packaging `pom` depending on
 * kafka_2.13 plus the log4j2 jars the release tarball adds, resolved with
 * `mvn dependency:copy-dependencies` into .stack/cache/kafka-<version>/libs.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { brokenJars } from './artifacts.ts';
import { kafkaClusterIdToUse } from './kafka-cluster-id.ts';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { VERSIONS } from './config.ts';
import type { StackService } from './service.ts';
import { runMaven, runLogged, ensureJavaAndMaven, mavenRepoLabel } from './provision.ts';
import { progress, StackError } from './log.ts';
import { kafkaMetadata, kafkaRoundTrip } from './probes.ts';

/** The pom whose runtime classpath is a runnable broker. */
export function kafkaPom(kafkaVersion: string, log4jVersion: string): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by callguard stack up: the runtime classpath of a Kafka broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>callguard.stack</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${kafkaVersion}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', kafkaVersion)}
${dep('org.apache.logging.log4j', 'log4j-slf4j-impl', log4jVersion)}
${dep('org.apache.logging.log4j', 'log4j-1.2-api', log4jVersion)}
${dep('org.apache.logging.log4j', 'log4j-core', log4jVersion)}
  </dependencies>
</project>
`;
}

/** server.properties of the single-node KRaft broker+controller. */
export function kafkaServerProperties(host: string, port: number, controllerPort: number, dataDir: string): string {
  return `# Written by callguard stack up; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controllerPort}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=268435456
`;
}

/** log4j2 config: INFO to stdout (the service log), chatty loggers at WARN. */
export const KAFKA_LOG4J2_YAML = `Configuration:
  name: callguard-kafka
  Appenders:
    Console:
      name: STDOUT
      target: SYSTEM_OUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.log
        level: WARN
      - name: org.apache.kafka.storage
        level: WARN
      - name: state.change.logger
        level: WARN
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.coordinator
        level: WARN
      - name: org.apache.kafka.raft
        level: WARN
`;

/** The Kafka service of the stack. */
export function kafkaService(cfg: StackConfig): StackService {
  const { host, port, controllerPort, brokers, local } = cfg.kafka;
  const bindHost = host === 'localhost' ? '127.0.0.1' : host;
  const home = join(cfg.cacheDir, `kafka-${VERSIONS.kafka}`);
  const libs = join(home, 'libs');
  const marker = join(libs, '.complete');
  const dir = join(cfg.stateDir, 'kafka');
  const java = (c: StackConfig, mainClass: string, args: string[]) => [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    `-Dcallguard.stack=${c.stateDir}`,
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.yaml')}`,
    `-Dkafka.logs.dir=${join(c.stateDir, 'logs')}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
  return {
    name: 'kafka',
    endpoint: brokers.join(','),
    envVar: 'CALLGUARD_KAFKA_BROKERS',
    local,
    ports: [port, controllerPort],
    startTimeoutSec: 90,
    // test/integration/helpers/private-kafka.ts starts private brokers from this checkout's jars,
    // also when the shared broker is another checkout's.
    provisionWhenReused: true,
    async provision(c) {
      if (existsSync(marker)) return;
      await ensureJavaAndMaven(c);
      progress(`fetching Kafka ${VERSIONS.kafka} jars from Maven Central (mvn, cached in ${mavenRepoLabel(c)})`);
      mkdirSync(home, { recursive: true });
      writeFileSync(join(home, 'pom.xml'), kafkaPom(VERSIONS.kafka, VERSIONS.log4j));
      // No marker: whatever an interrupted run left in libs/ goes. copy-dependencies keeps a jar already
      // there when it is newer than the repository's copy, which a jar cut short by that run is.
      const fetchJars = async (): Promise<string[]> => {
        rmSync(libs, { recursive: true, force: true });
        await runMaven(c, 'mvn copy-dependencies (Kafka)', ['org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`], home);
        return brokenJars(libs);
      };
      let broken = await fetchJars();
      if (broken.length > 0) {
        progress(`Kafka jars not complete zips after the copy: ${broken.join(', ')}; copying them again`);
        broken = await fetchJars();
      }
      if (broken.length > 0) {
        rmSync(libs, { recursive: true, force: true });
        throw new StackError(
          `Kafka jars fetched by mvn are not complete zips: ${broken.join(', ')}. Their copies in the Maven repository (${mavenRepoLabel(c)}) ` +
            `are damaged: delete those files there and run \`callguard stack up\` again.`,
        );
      }
      writeFileSync(marker, `${VERSIONS.kafka}\n`);
    },
    async launch(c) {
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      const props = join(dir, 'server.properties');
      writeFileSync(props, kafkaServerProperties(bindHost, port, controllerPort, dataDir));
      writeFileSync(join(dir, 'log4j2.yaml'), KAFKA_LOG4J2_YAML);
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        const idFile = join(dir, 'cluster.id');
        const kept = existsSync(idFile) ? readFileSync(idFile, 'utf8') : undefined;
        const { id: clusterId, fresh } = kafkaClusterIdToUse(kept);
        if (fresh) {
          if (kept !== undefined) progress(`replacing the unusable Kafka cluster id ${JSON.stringify(kept.trim())} kept in ${idFile}`);
          writeFileSync(idFile, `${clusterId}\n`);
        }
        progress(`formatting Kafka storage (cluster id ${clusterId})`);
        await runLogged('kafka-storage format', 'java', java(c, 'kafka.tools.StorageTool', ['format', '--ignore-formatted', '-t', clusterId, '-c', props]), c, 'kafka-format.log', dir);
      }
      return { command: 'java', args: java(c, 'kafka.Kafka', [props]), cwd: dir, logFile: join(c.stateDir, 'logs', 'kafka.log') };
    },
    quickProbe: () => kafkaMetadata(brokers),
    probe: () => kafkaRoundTrip(brokers),
  };
}
