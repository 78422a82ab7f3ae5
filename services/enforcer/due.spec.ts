import { describe, expect, it } from 'vitest';
import type { ReviewDecision } from '../../shared/contracts/records.ts';
import { applyDue, createDuePoller, dueAt, type DueEntry, type DuePollerOptions } from './due.ts';
import { applyFlag, applyReview, DEFAULT_MACHINE_OPTIONS, emptyState, type NumberState } from './machine.ts';
import { writeArgs, type EnforcementStore } from './store.ts';
import type { LookupView } from './view.ts';
import { blockRecommended } from './testing/flags.ts';
import { enforcerKeys } from '../../shared/contracts/redis-keys.ts';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 10, 28, 9);
const N = '+8613800138000';
const OPTS = DEFAULT_MACHINE_OPTIONS;
const BLOCK_END = T0 + OPTS.blockTtlMs;

const oldFlag = blockRecommended(T0, { flagId: 'f-old', number: N });
/** A BLOCK_RECOMMENDED flag on fresh evidence that comes on day 29 of the block. */
const newFlag = blockRecommended(T0 + 29 * DAY, { flagId: 'f-new', number: N });

function confirm(flagId: string, decidedAt: number): ReviewDecision {
  return { number: N, flagId, decision: 'CONFIRMED', reviewer: 'inv-1', note: null, decidedAt };
}

/** Blocked on f-old at T0 (until day 30); f-new held back since day 29. */
function blockedWithHeldFlag(): NumberState {
  let s = applyFlag(emptyState(N), oldFlag, T0).state;
  s = applyReview(s, confirm('f-old', T0), T0).state;
  const t = applyFlag(s, newFlag, T0 + 29 * DAY);
  expect(t.state).toMatchObject({ status: 'BLOCKED', expiresAt: BLOCK_END });
  return t.state;
}

describe('dueAt (pure)', () => {
  it('is the expiry of a block that held back a flag still within its label TTL', () => {
    expect(dueAt(blockedWithHeldFlag(), OPTS)).toBe(BLOCK_END);
  });

  it('is null when nothing would stand at the expiry: no held flag, a held flag aged out first, a block for good, a plain label', () => {
    let blocked = applyReview(applyFlag(emptyState(N), oldFlag, T0).state, confirm('f-old', T0), T0).state;
    expect(dueAt(blocked, OPTS)).toBeNull();
    // Held back on day 1: its label TTL (7 days) ends long before the block's 30 days.
    const early = blockRecommended(T0 + DAY, { flagId: 'f-early', number: N });
    expect(dueAt(applyFlag(blocked, early, T0 + DAY).state, OPTS)).toBeNull();
    // A block for good (blockTtlMs 0) never expires.
    const forGood = { ...OPTS, blockTtlMs: 0 };
    blocked = applyReview(applyFlag(emptyState(N), oldFlag, T0, forGood).state, confirm('f-old', T0), T0, forGood).state;
    expect(dueAt(applyFlag(blocked, newFlag, T0 + 29 * DAY, forGood).state, forGood)).toBeNull();
    // A pending verification alone just ages out (the key expiry shows that).
    expect(dueAt(applyFlag(emptyState(N), oldFlag, T0).state, OPTS)).toBeNull();
  });

  it('applyDue at the expiry lets the held flag stand; applied again it changes nothing (several pollers)', () => {
    const s = blockedWithHeldFlag();
    expect(applyDue(s, BLOCK_END - 1, OPTS).changed).toBe(false); // not expired yet
    const t = applyDue(s, BLOCK_END + 1_000, OPTS);
    expect(t).toMatchObject({ changed: true, outcome: 'pending', state: { status: 'PENDING_VERIFICATION', active: { flagId: 'f-new' }, updatedAt: BLOCK_END + 1_000 } });
    expect(dueAt(t.state, OPTS)).toBeNull();
    expect(applyDue(t.state, BLOCK_END + 2_000, OPTS).changed).toBe(false);
  });

  it('the store writes the due score with the state, and keeps the state until the held flag ends', () => {
    const s = blockedWithHeldFlag();
    const now = T0 + 29 * DAY;
    // A short retention, so the state's TTL shows the extension (with the label TTL as retention it is longer anyway).
    const args = writeArgs(s, now, { keys: enforcerKeys('p'), protectTtlMs: OPTS.protectTtlMs, minRetentionMs: DAY }, OPTS);
    expect(args[4]).toBe(String(BLOCK_END));
    expect(args[5]).toBe(N);
    const heldUntil = Math.max(newFlag.windowEnd, newFlag.detectedAt) + OPTS.labelTtlMs;
    expect(Number(args[1])).toBe(heldUntil - now);
    const plain = writeArgs(applyFlag(emptyState(N), oldFlag, T0).state, T0, { keys: enforcerKeys('p'), protectTtlMs: OPTS.protectTtlMs, minRetentionMs: OPTS.labelTtlMs }, OPTS);
    expect(plain[4]).toBe('');
  });

  it('a block for good (blockTtlMs 0) keeps its state for good too: state TTL and label expire-at are 0', () => {
    const forGood = { ...OPTS, blockTtlMs: 0 };
    let s = applyFlag(emptyState(N), oldFlag, T0, forGood).state;
    s = applyReview(s, { number: N, flagId: 'f-old', decision: 'CONFIRMED', reviewer: 'inv', note: null, decidedAt: T0 }, T0, forGood).state;
    const args = writeArgs(s, T0, { keys: enforcerKeys('p'), protectTtlMs: OPTS.protectTtlMs, minRetentionMs: OPTS.labelTtlMs }, forGood);
    // A state that expired under a permanent label would let a later LABEL flag overwrite the block.
    expect(args[1]).toBe('0');
    expect(args[3]).toBe('0');
  });

  it('a dismissal writes its dismissed: record and protects the number until decidedAt + protectTtlMs', () => {
    const decidedAt = T0 + H;
    let s = applyFlag(emptyState(N), oldFlag, T0).state;
    s = applyReview(s, { number: N, flagId: 'f-old', decision: 'DISMISSED', reviewer: 'inv', note: null, decidedAt }, decidedAt, OPTS).state;
    const args = writeArgs(s, decidedAt, { keys: enforcerKeys('p'), protectTtlMs: OPTS.protectTtlMs, minRetentionMs: OPTS.labelTtlMs }, OPTS);
    const protectUntil = String(decidedAt + OPTS.protectTtlMs);
    expect(JSON.parse(args[2])).toMatchObject({ status: 'DISMISSED' });
    expect(args[3]).toBe(protectUntil);
    expect(args.slice(6)).toEqual([
      'windowEnd', String(oldFlag.windowEnd),
      'flagId', 'f-old',
      'severity', oldFlag.severity,
      'windowStart', String(oldFlag.windowStart),
      'reviewer', 'inv',
      'decidedAt', String(decidedAt),
      protectUntil,
    ]);
  });
});

/**
 * An in-memory store that writes what the real one does (writeArgs: the state, the label view with its expiry, the
 * due score), and a settable clock. `lookup` answers as Redis would: the label key is gone after its expire-at.
 */
function harness() {
  const clock = { now: T0 };
  const states = new Map<string, NumberState>();
  const labels = new Map<string, { json: string; expireAt: number }>();
  const due = new Map<string, number>();
  let writes = 0;
  const opts = { keys: enforcerKeys('p'), protectTtlMs: OPTS.protectTtlMs, minRetentionMs: OPTS.labelTtlMs };
  const store: Pick<EnforcementStore, 'update' | 'dueNumbers' | 'dropDue'> = {
    async update(n, step) {
      const t = step(states.get(n) ?? emptyState(n), clock.now);
      if (!t.changed) return t;
      const [, , label, expireAt, score, member] = writeArgs(t.state, clock.now, opts, OPTS);
      writes++;
      states.set(n, t.state);
      if (label === '') labels.delete(n);
      else labels.set(n, { json: label, expireAt: Number(expireAt) || Infinity });
      if (score === '') due.delete(member);
      else due.set(member, Number(score));
      return t;
    },
    async dueNumbers(upTo, limit) {
      const list: DueEntry[] = [...due].filter(([, at]) => at <= upTo).map(([number, at]) => ({ number, at }));
      return list.sort((a, b) => a.at - b.at).slice(0, limit);
    },
    async dropDue(n, at) {
      if (due.get(n) !== at) return false;
      return due.delete(n);
    },
  };
  const lookup = (n: string): LookupView | null => {
    const l = labels.get(n);
    return l && l.expireAt > clock.now ? (JSON.parse(l.json) as LookupView) : null;
  };
  const log = { warn: () => {}, info: () => {} } as DuePollerOptions['log'];
  const settled: string[] = [];
  const poller = (over: { maxPerPoll?: number; allowed?: string[]; store?: typeof store; log?: DuePollerOptions['log'] } = {}) =>
    createDuePoller({
      store: over.store ?? store,
      machine: OPTS,
      intervalMs: 1_000,
      now: () => clock.now,
      log: over.log ?? log,
      maxPerPoll: over.maxPerPoll,
      allowlist: over.allowed ? { has: (n) => over.allowed!.includes(n) } : undefined,
      settled: (n) => settled.push(n),
    });
  const block = async (n: string) => {
    clock.now = T0;
    await store.update(n, (s, now) => applyFlag(s, { ...oldFlag, number: n }, now));
    await store.update(n, (s, now) => applyReview(s, { ...confirm('f-old', T0), number: n }, now));
    clock.now = T0 + 29 * DAY;
    await store.update(n, (s, now) => applyFlag(s, { ...newFlag, number: n }, now));
  };
  return { clock, states, due, store, lookup, poller, block, settled, writes: () => writes };
}

describe('the due poller', () => {
  it('after a block expires, the lookup answers the held BLOCK_RECOMMENDED within a poll (CLEAR before it)', async () => {
    const h = harness();
    await h.block(N);
    expect(h.lookup(N)).toMatchObject({ status: 'BLOCKED', flagId: 'f-old' });
    expect(h.due.get(N)).toBe(BLOCK_END);
    const p = h.poller();
    expect(await p.poll()).toBe(0); // not due yet
    h.clock.now = BLOCK_END + 500;
    expect(h.lookup(N)).toBeNull(); // the label key expired with the block: CLEAR until the poll
    expect(await p.poll()).toBe(1);
    expect(h.lookup(N)).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'f-new', blocked: false, label: 'SUSPECTED_NUISANCE' });
    expect(h.due.has(N)).toBe(false);
    expect(h.settled).toEqual([N]);
    expect(await p.poll()).toBe(0);
  });

  it('two pollers on the same set settle a number once; bounded work per poll', async () => {
    const h = harness();
    const numbers = ['+8613800138001', '+8613800138002', '+8613800138003'];
    for (const n of numbers) await h.block(n);
    h.clock.now = BLOCK_END + 1;
    const before = h.writes();
    const [a, b] = [h.poller({ maxPerPoll: 2 }), h.poller({ maxPerPoll: 2 })];
    const first = await Promise.all([a.poll(), b.poll()]);
    // In-memory updates are serial here; the real store's compare-and-set serialises them across instances.
    expect(first.reduce((x, y) => x + y, 0)).toBe(2);
    expect(h.due.size).toBe(1);
    expect(await a.poll()).toBe(1);
    expect(h.writes() - before).toBe(3);
    for (const n of numbers) expect(h.lookup(n)).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'f-new' });
  });

  it('a store that fails: warned once for the outage, nothing settled, the numbers settled once it answers again, and the recovery said once', async () => {
    const h = harness();
    const numbers = ['+8613800138011', '+8613800138012'];
    for (const n of numbers) await h.block(n);
    h.clock.now = BLOCK_END + 1;
    const down = { on: true };
    const store = { ...h.store, update: (n: string, f: Parameters<typeof h.store.update>[1]) => (down.on ? Promise.reject(new Error('connection refused')) : h.store.update(n, f)) };
    const said: string[] = [];
    const log = { warn: (_o: object, msg: string) => void said.push(`warn: ${msg}`), info: (_o: object, msg: string) => void said.push(`info: ${msg}`) } as DuePollerOptions['log'];
    const p = h.poller({ store, log });
    expect(await p.poll()).toBe(0);
    expect(await p.poll()).toBe(0);
    expect(said).toEqual(['warn: settling due numbers failed; tried again on the next poll']);
    for (const n of numbers) expect(h.due.get(n)).toBe(BLOCK_END);
    down.on = false;
    expect(await p.poll()).toBe(2);
    expect(said).toEqual(['warn: settling due numbers failed; tried again on the next poll', 'info: settling due numbers works again']);
    for (const n of numbers) expect(h.lookup(n)).toMatchObject({ status: 'PENDING_VERIFICATION', flagId: 'f-new' });
    expect(await p.poll()).toBe(0);
    expect(said).toHaveLength(2);
  });

  it('a member whose state is gone is dropped; one rescored meanwhile is not; an allowlisted number is not labelled again', async () => {
    const h = harness();
    h.due.set('+8613800138009', T0); // its state expired for good
    await h.block(N);
    h.clock.now = BLOCK_END + 1;
    h.due.set('+8613800138008', BLOCK_END + 10 * DAY); // not due yet
    expect(await h.poller({ allowed: [N] }).poll()).toBe(1);
    expect(h.due.has('+8613800138009')).toBe(false);
    expect(h.due.get('+8613800138008')).toBe(BLOCK_END + 10 * DAY);
    expect(h.lookup(N)).toBeNull();
    expect(h.states.get(N)).toMatchObject({ status: 'CLEAR', active: null });
    expect(h.due.has(N)).toBe(false);
    expect(await h.store.dropDue('+8613800138008', BLOCK_END)).toBe(false);
  });
});
