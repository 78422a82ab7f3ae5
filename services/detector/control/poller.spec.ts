import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { defaultConfig } from '../../../shared/config/index.ts';
import type { ControlStore } from '../state/stores.ts';
import { createControl } from './poller.ts';

/** A control over a fake store whose allowlist set holds `members` (undefined: Redis cannot be asked) and no live config. */
function control() {
  const h = { members: [] as string[] | undefined };
  const store = { allowlistKey: 'p:allowlist', allowlist: async () => h.members, engineConfig: async () => null } as unknown as ControlStore;
  return { h, c: createControl(store, defaultConfig(), pino({ level: 'silent' })) };
}

describe('the detector\'s control poller: allowlist', () => {
  it('emits the members added since the last poll, normalised, each once', async () => {
    const { h, c } = control();
    h.members = ['13800000001', '+8613800000002', 'not-a-number'];
    // The first read also says the allowlist is now known (an empty one too: see the next test).
    expect(await c.poll()).toEqual([{ type: 'allow', numbers: ['+8613800000001', '+8613800000002'] }, { type: 'allowlist-read' }]);
    h.members = ['008613800000001', '+8613800000002'];
    expect(await c.poll()).toEqual([]);
  });

  it('says once that the allowlist was read, at the first poll that reads it (none while Redis cannot be read)', async () => {
    const { h, c } = control();
    h.members = undefined;
    expect(await c.poll()).toEqual([]);
    h.members = [];
    expect(await c.poll()).toEqual([{ type: 'allowlist-read' }]);
    expect(await c.poll()).toEqual([]);
  });

  it('emits the members removed since the last poll (SREM, or the key deleted)', async () => {
    const { h, c } = control();
    h.members = ['+8613800000001', '+8613800000002'];
    await c.poll();
    h.members = ['+8613800000002', '+8613800000003'];
    expect(await c.poll()).toEqual([
      { type: 'allow', numbers: ['+8613800000003'] },
      { type: 'disallow', numbers: ['+8613800000001'] },
    ]);
    h.members = [];
    expect(await c.poll()).toEqual([{ type: 'disallow', numbers: ['+8613800000002', '+8613800000003'] }]);
    // Added again: allowed again.
    h.members = ['+8613800000001'];
    expect(await c.poll()).toEqual([{ type: 'allow', numbers: ['+8613800000001'] }]);
  });

  it('removes nothing while Redis cannot be asked: the allowlist in force stays', async () => {
    const { h, c } = control();
    h.members = ['+8613800000001'];
    await c.poll();
    h.members = undefined;
    expect(await c.poll()).toEqual([]);
    h.members = ['+8613800000001'];
    expect(await c.poll()).toEqual([]);
  });
});
