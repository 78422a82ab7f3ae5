import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdServiceStarts, POLICY_RC_D, POLICY_RC_D_TEXT, serviceUnitsIn } from './provision.ts';

const dir = mkdtempSync(join(tmpdir(), 'cg-provision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('no service started by the packages apt-get installs (policy-rc.d)', () => {
  it('is the file invoke-rc.d reads', () => {
    expect(POLICY_RC_D).toBe('/usr/sbin/policy-rc.d');
  });

  it('writes an executable policy refusing every action (exit 101) for the install, and removes it after', () => {
    const file = join(dir, 'policy-a');
    const said: string[] = [];
    const release = holdServiceStarts(file, (m) => said.push(m));
    expect(statSync(file).mode & 0o111).not.toBe(0);
    // invoke-rc.d runs it as `policy-rc.d <service> <action>`: 101 = action forbidden, so the postinst does not start the server.
    expect(spawnSync(file, ['redis-server', 'start']).status).toBe(101);
    release();
    expect(existsSync(file)).toBe(false);
    expect(said).toEqual([]);
  });

  it("leaves the machine's own policy as it is, and in place after", () => {
    const file = join(dir, 'policy-b');
    writeFileSync(file, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    const release = holdServiceStarts(file, () => {});
    expect(readFileSync(file, 'utf8')).toBe('#!/bin/sh\nexit 101\n');
    release();
    expect(readFileSync(file, 'utf8')).toBe('#!/bin/sh\nexit 101\n');
  });

  it('takes over the one a killed run left behind, and removes it', () => {
    const file = join(dir, 'policy-c');
    writeFileSync(file, POLICY_RC_D_TEXT, { mode: 0o755 });
    const release = holdServiceStarts(file, () => {});
    expect(readFileSync(file, 'utf8')).toBe(POLICY_RC_D_TEXT);
    release();
    expect(existsSync(file)).toBe(false);
  });

  it('says so, and goes on, when it cannot write the policy', () => {
    const file = join(dir, 'no-such-dir', 'policy-rc.d');
    const said: string[] = [];
    const release = holdServiceStarts(file, (m) => said.push(m));
    release();
    expect(said).toEqual([`cannot write ${file} (ENOENT): the packages installed now may start their services`]);
  });
});

describe('the systemd units of an installed package', () => {
  it("are its <name>.service files, templates left out (dpkg -L of Debian 12's redis-server and clickhouse-server)", () => {
    const redis = ['/.', '/etc', '/etc/redis', '/lib/systemd', '/lib/systemd/system', '/lib/systemd/system/redis-server.service', '/lib/systemd/system/redis-server@.service', '/usr/bin/redis-server'];
    expect(serviceUnitsIn(redis.join('\n'))).toEqual(['redis-server.service']);
    const clickhouse = ['/etc/init.d/clickhouse-server', '/lib/systemd/system/clickhouse-server.service', '/usr/sbin/clickhouse-server', ''];
    expect(serviceUnitsIn(clickhouse.join('\n'))).toEqual(['clickhouse-server.service']);
    expect(serviceUnitsIn('/usr/lib/systemd/system/x.service\n/usr/lib/systemd/system/x.socket\n/usr/lib/systemd/user/y.service')).toEqual(['x.service']);
    expect(serviceUnitsIn('/usr/bin/mvn\n')).toEqual([]);
  });
});
