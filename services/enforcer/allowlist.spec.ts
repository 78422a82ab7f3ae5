import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import { createAllowlistPoller } from './allowlist.ts';
import { applyFlag, emptyState, type NumberState } from './machine.ts';
import type { EnforcementStore } from './store.ts';
import { viewOf } from './view.ts';
import { blockRecommended } from './testing/flags.ts';

const NOW = Date.UTC(2026, 10, 28, 12);
const A = '+8613800138001';
const B = '+8613800138002';
const KEY = 'cg:allowlist';

function flag(number: string, over: Partial<FlagEvent> = {}): FlagEvent {
  return blockRecommended(NOW, { flagId: `f-${number}`, number, ...over });
}

/** A fake allowlist set (members as written, any form), an in-memory store, a logger that records. */
function harness() {
  const members: string[] = [];
  const read = { fail: false, calls: 0 };
  const states = new Map<string, NumberState>();
  const store = { fail: false, updates: 0 };
  const logs: Array<[string, string]> = [];
  const unlabelled: string[] = [];
  const update: EnforcementStore['update'] = async (n, step) => {
    store.updates++;
    if (store.fail) throw new Error('Connection is closed.');
    const t = step(states.get(n) ?? emptyState(n), NOW);
    if (t.changed) states.set(n, t.state);
    return t;
  };
  const poller = createAllowlistPoller({
    read: async () => {
      read.calls++;
      if (read.fail) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return [...members];
    },
    key: KEY,
    store: { update },
    intervalMs: 1_000,
    log: { warn: (_o: unknown, msg?: string) => logs.push(['warn', msg ?? '']), info: (_o: unknown, msg?: string) => logs.push(['info', msg ?? '']) } as never,
    unlabelled: (n) => unlabelled.push(n),
  });
  const label = async (n: string) => update(n, (s, now) => applyFlag(s, flag(n), now));
  const view = (n: string) => viewOf(states.get(n) ?? emptyState(n), NOW);
  return { members, read, store, states, logs, unlabelled, poller, label, view };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the enforcer\'s allowlist poller', () => {
  it('normalises members; a number newly allowlisted is unlabelled once (history kept); bad members are logged once', async () => {
    const h = harness();
    await h.label(A);
    expect(h.view(A).status).toBe('PENDING_VERIFICATION');
    h.members.push('138 0013 8001', 'not-a-number', B); // A in national form; B never flagged
    await h.poller.poll();
    expect(h.poller.has(A)).toBe(true);
    expect(h.poller.has(B)).toBe(true);
    expect(h.poller.size()).toBe(2);
    expect(h.view(A)).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
    expect(h.states.get(A)?.seen).toMatchObject([{ flagId: `f-${A}` }]);
    expect(h.unlabelled).toEqual([A]);
    const updates = h.store.updates;
    await h.poller.poll();
    expect(h.store.updates).toBe(updates); // once per newly allowlisted number
    expect(h.unlabelled).toEqual([A]);
    expect(h.logs.filter(([, m]) => /not a phone number/.test(m))).toHaveLength(1);
  });

  it('a number taken off the allowlist is no longer allowlisted; added again, it is unlabelled again', async () => {
    const h = harness();
    h.members.push(A);
    await h.poller.poll();
    h.members.length = 0;
    await h.poller.poll();
    expect(h.poller.has(A)).toBe(false);
    await h.label(A);
    h.members.push(A);
    await h.poller.poll();
    expect(h.view(A).status).toBe('CLEAR');
    expect(h.unlabelled).toEqual([A]);
  });

  it('while Redis cannot be read the last allowlist stays in force, logged once per outage', async () => {
    const h = harness();
    h.members.push(A);
    await h.poller.poll();
    h.read.fail = true;
    await h.poller.poll();
    await h.poller.poll();
    expect(h.poller.has(A)).toBe(true);
    expect(h.logs.filter(([l]) => l === 'warn')).toHaveLength(1);
    expect(h.logs[0][1]).toMatch(/allowlist read failed; the last allowlist read stays in force/);
    h.read.fail = false;
    await h.poller.poll();
    expect(h.logs.at(-1)).toEqual(['info', 'allowlist read again']);
    h.read.fail = true;
    await h.poller.poll();
    expect(h.logs.filter(([l]) => l === 'warn')).toHaveLength(2);
  });

  it('a number whose update failed is unlabelled on a later poll, though already in force for the handler', async () => {
    const h = harness();
    await h.label(A);
    h.members.push(A);
    h.store.fail = true;
    await h.poller.poll();
    expect(h.poller.has(A)).toBe(true);
    expect(h.view(A).status).toBe('PENDING_VERIFICATION');
    expect(h.logs.filter(([l]) => l === 'warn')).toHaveLength(1);
    h.store.fail = false;
    await h.poller.poll();
    expect(h.view(A).status).toBe('CLEAR');
    expect(h.unlabelled).toEqual([A]);
  });

  it('polls every period once started, and not after stop', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.poller.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(h.read.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.read.calls).toBe(2);
    await h.poller.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.read.calls).toBe(2);
  });
});
