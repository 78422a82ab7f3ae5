/**
 * ClickHouse from Debian's clickhouse-server (18.16 on Debian 12), run with
 * its own config: loopback only, data under .stack/clickhouse, UTC, HTTP
 * port from CALLGUARD_CLICKHOUSE_URL, native port from
 * CALLGUARD_CLICKHOUSE_NATIVE_PORT (default 9000), no interserver port.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import type { StackService } from './service.ts';
import type { LaunchSpec } from './process.ts';
import { ensureDebPackages } from './provision.ts';
import { clickhouseProbe } from './probes.ts';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The server config file for the stack's ClickHouse. */
export function clickhouseConfigXml(dataDir: string, logDir: string, httpPort: number, nativePort: number): string {
  const d = xmlEscape(dataDir.endsWith('/') ? dataDir : `${dataDir}/`);
  const l = xmlEscape(logDir);
  return `<?xml version="1.0"?>
<!-- Written by callguard stack up; edits are overwritten. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>${l}/clickhouse-server.log</log>
    <errorlog>${l}/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${nativePort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${d}</path>
  <tmp_path>${d}tmp/</tmp_path>
  <user_files_path>${d}user_files/</user_files_path>
  <format_schema_path>${d}format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

/** Users file: `default` without password, reachable from loopback only. */
export const CLICKHOUSE_USERS_XML = `<?xml version="1.0"?>
<!-- Written by callguard stack up; edits are overwritten. -->
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

function serverBinary(): string {
  for (const p of ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse']) if (existsSync(p)) return p;
  return 'clickhouse-server';
}

/** Where a ClickHouse server runs: its folder (config files; data under `data/`), its log folder and its two ports. */
export interface ClickhouseServerPlace {
  dir: string;
  logDir: string;
  httpPort: number;
  nativePort: number;
}

/**
 * Writes a ClickHouse server's config.xml and users.xml into `place.dir` (data under `dir/data`, server logs
 * in `place.logDir`) and says how to start it: Debian's `clickhouse-server` (18.16) or the single
 * `clickhouse` binary of newer releases (`clickhouse server`). The stack's server, and the private servers of
 * tests that stop and restart ClickHouse (test/integration/helpers/private-clickhouse.ts), are started so.
 */
export function clickhouseServerLaunch(place: ClickhouseServerPlace, logFile = join(place.logDir, 'clickhouse.out.log')): LaunchSpec {
  const dataDir = join(place.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(place.logDir, { recursive: true });
  const configFile = join(place.dir, 'config.xml');
  writeFileSync(configFile, clickhouseConfigXml(dataDir, place.logDir, place.httpPort, place.nativePort));
  writeFileSync(join(place.dir, 'users.xml'), CLICKHOUSE_USERS_XML);
  const bin = serverBinary();
  const args = bin.endsWith('/clickhouse') ? ['server', `--config-file=${configFile}`] : [`--config-file=${configFile}`];
  return { command: bin, args, cwd: place.dir, logFile, errorLog: join(place.logDir, 'clickhouse-server.err.log') };
}

/** The ClickHouse service of the stack. */
export function clickhouseService(cfg: StackConfig): StackService {
  const { port, nativePort, url, local } = cfg.clickhouse;
  return {
    name: 'clickhouse',
    endpoint: url,
    envVar: 'CALLGUARD_CLICKHOUSE_URL',
    local,
    ports: [port, nativePort],
    startTimeoutSec: 60,
    provision: (c) => ensureDebPackages(c, ['clickhouse-server', 'clickhouse-client']),
    async launch(c) {
      return clickhouseServerLaunch({ dir: join(c.stateDir, 'clickhouse'), logDir: join(c.stateDir, 'logs'), httpPort: port, nativePort });
    },
    probe: () => clickhouseProbe(url),
  };
}
