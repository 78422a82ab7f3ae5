import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { FlagEvent, ReviewDecision } from '../../shared/contracts/records.ts';
import { createRecordHandler, type HandlerOptions } from './handler.ts';
import type { Allowlist } from './allowlist.ts';
import { DEFAULT_MACHINE_OPTIONS, emptyState, type NumberState } from './machine.ts';
import type { EnforcementStore } from './store.ts';
import { viewOf } from './view.ts';
import { blockRecommended } from './testing/flags.ts';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 10, 28, 12);
const NUMBER = '+8613800138000';
const MAX_FUTURE = 300_000;
const OPTIONS: HandlerOptions = { ...DEFAULT_MACHINE_OPTIONS, maxFutureMs: MAX_FUTURE };

function flag(over: Partial<FlagEvent> = {}): FlagEvent {
  return blockRecommended(NOW, { number: NUMBER, ...over });
}

function review(over: Partial<ReviewDecision> = {}): ReviewDecision {
  return { number: NUMBER, flagId: 'f-block', decision: 'CONFIRMED', reviewer: 'inv-1', note: null, decidedAt: NOW - H, ...over };
}

/**
 * A registry that "decodes" a Confluent-framed value whose 4-byte schema id
 * indexes the records handed to `frame`, and an in-memory store with a
 * settable processing clock: the handler is pure code over these two.
 */
function harness(options: HandlerOptions = OPTIONS, allowlist?: Allowlist, hooks: { beforeWrite?: () => void } = {}) {
  const records: unknown[] = [];
  const registry = { decode: async (v: Buffer) => structuredClone(records[v.readInt32BE(1)]) } as unknown as SchemaRegistry;
  const states = new Map<string, NumberState>();
  const clock = { now: NOW };
  let writes = 0;
  const store: EnforcementStore = {
    async state(n) {
      return states.get(n) ?? emptyState(n);
    },
    async update(n, step) {
      const t = step(states.get(n) ?? emptyState(n), clock.now);
      hooks.beforeWrite?.();
      if (t.changed) {
        states.set(n, t.state);
        writes++;
      }
      return t;
    },
    async lookup(n) {
      const s = states.get(n);
      return s ? viewOf(s, clock.now) : null;
    },
    async lookupJson(n) {
      const s = states.get(n);
      return s ? JSON.stringify(viewOf(s, clock.now)) : null;
    },
    dueNumbers: async () => [],
    dropDue: async () => false,
  };
  const handle = createRecordHandler(registry, store, options, allowlist);
  const frame = (record: unknown): Buffer => {
    const b = Buffer.alloc(6);
    b.writeInt32BE(records.push(record) - 1, 1);
    return b;
  };
  return {
    clock,
    writes: () => writes,
    view: () => viewOf(states.get(NUMBER) ?? emptyState(NUMBER), clock.now),
    state: () => states.get(NUMBER) ?? emptyState(NUMBER),
    flag: (f: FlagEvent) => handle('flag', frame(f)),
    review: (r: ReviewDecision) => handle('review', frame(r)),
  };
}

describe('record times ahead of processing time (CALLGUARD_ENFORCER_MAX_FUTURE_MS)', () => {
  it('a ReviewDecision decided more than maxFutureMs ahead is bad input (DLQ) and changes nothing; one at the limit is applied', async () => {
    const h = harness();
    expect(await h.flag(flag())).toMatchObject({ ok: true, outcome: 'pending' });
    const writes = h.writes();
    const future = await h.review(review({ decidedAt: NOW + MAX_FUTURE + 1 }));
    expect(future.ok).toBe(false);
    if (!future.ok) expect(future.error).toMatch(/ReviewDecision decidedAt .* is 300001 ms ahead of processing time/);
    expect(h.writes()).toBe(writes);
    expect(h.view()).toMatchObject({ status: 'PENDING_VERIFICATION', blocked: false });
    expect(await h.review(review({ decidedAt: NOW + MAX_FUTURE }))).toMatchObject({ ok: true, outcome: 'blocked' });
    expect(h.view()).toMatchObject({ status: 'BLOCKED', blocked: true, expiresAt: NOW + MAX_FUTURE + DEFAULT_MACHINE_OPTIONS.blockTtlMs });
  });

  it('a CONFIRMED dated a day ahead neither blocks nor outranks the real DISMISSED that follows it', async () => {
    const h = harness();
    await h.flag(flag());
    expect((await h.review(review({ decidedAt: NOW + DAY, reviewer: 'inv-skewed' }))).ok).toBe(false);
    expect(await h.review(review({ decision: 'DISMISSED', decidedAt: NOW, reviewer: 'inv-2' }))).toMatchObject({ ok: true, outcome: 'dismissed' });
    expect(h.view()).toMatchObject({ status: 'DISMISSED', blocked: false, label: null });
  });

  it('a FlagEvent detected, or whose evidence ends, more than maxFutureMs ahead is bad input; within it the flag labels', async () => {
    const h = harness();
    const label = (over: Partial<FlagEvent>) => flag({ flagId: 'f-label', severity: 'LABEL', score: 70, ...over });
    const detected = await h.flag(label({ detectedAt: 4_000_000_000_000, emittedAt: 4_000_000_000_000 }));
    expect(detected.ok).toBe(false);
    if (!detected.ok) expect(detected.error).toMatch(/^FlagEvent detectedAt 2096-/);
    const ends = await h.flag(label({ windowEnd: NOW + H, detectedAt: NOW }));
    expect(ends.ok).toBe(false);
    if (!ends.ok) expect(ends.error).toMatch(/^FlagEvent windowEnd .* is 3600000 ms ahead/);
    expect(h.writes()).toBe(0);
    expect(h.view().status).toBe('CLEAR');
    expect(await h.flag(label({ windowEnd: NOW + MAX_FUTURE, detectedAt: NOW + MAX_FUTURE }))).toMatchObject({ ok: true, outcome: 'labeled' });
    expect(h.view()).toMatchObject({ status: 'LABELED', expiresAt: NOW + MAX_FUTURE + DEFAULT_MACHINE_OPTIONS.labelTtlMs });
  });

  it('measures against the processing clock, and follows the setting', async () => {
    const h = harness({ ...OPTIONS, maxFutureMs: 0 });
    expect((await h.review(review({ decidedAt: NOW + 1 }))).ok).toBe(false);
    h.clock.now = NOW + 1; // the same record, processed a millisecond later
    expect((await h.review(review({ decidedAt: NOW + 1 }))).ok).toBe(true);
  });
});

describe('allowlisted numbers (the enforcer\'s copy of <prefix>:allowlist)', () => {
  const allowed = new Set<string>();
  const allowlist: Allowlist = { has: (n) => allowed.has(n) };
  const label = (over: Partial<FlagEvent> = {}) => flag({ flagId: 'f-label', severity: 'LABEL', score: 70, ...over });

  it('a flag for an allowlisted number labels, holds and blocks nothing, and writes nothing (outcome allowlisted)', async () => {
    allowed.clear();
    allowed.add(NUMBER);
    const h = harness(OPTIONS, allowlist);
    expect(await h.flag(flag())).toEqual({ ok: true, number: NUMBER, outcome: 'allowlisted' });
    expect(await h.flag(label())).toEqual({ ok: true, number: NUMBER, outcome: 'allowlisted' });
    expect(h.writes()).toBe(0);
    expect(h.view()).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
    // Off the allowlist again, the number's flags are acted on.
    allowed.clear();
    expect(await h.flag(label({ flagId: 'f-later' }))).toMatchObject({ ok: true, outcome: 'labeled' });
  });

  it('a flag for a number allowlisted since it was labelled removes the label the poller has not removed yet', async () => {
    allowed.clear();
    const h = harness(OPTIONS, allowlist);
    expect(await h.flag(flag())).toMatchObject({ outcome: 'pending' });
    allowed.add(NUMBER);
    expect(await h.flag(label())).toMatchObject({ ok: true, outcome: 'allowlisted' });
    expect(h.view()).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
  });

  it('a review for an allowlisted number is recorded as ever, but a CONFIRMED blocks nothing', async () => {
    allowed.clear();
    const h = harness(OPTIONS, allowlist);
    await h.flag(flag());
    allowed.add(NUMBER);
    expect(await h.review(review())).toMatchObject({ ok: true, outcome: 'allowlisted' });
    expect(h.view()).toMatchObject({ status: 'CLEAR', blocked: false, label: null });
    expect(h.state().reviews).toMatchObject([{ flagId: 'f-block', decision: 'CONFIRMED' }]);
    // A dismissal has nothing to remove: recorded with its own outcome (its protection kept for the detector).
    expect(await h.review(review({ decision: 'DISMISSED', decidedAt: NOW - H / 2, reviewer: 'inv-2' }))).toMatchObject({ ok: true, outcome: 'dismissed' });
    expect(h.state().dismissal).toMatchObject({ flagId: 'f-block', reviewer: 'inv-2' });
  });

  it('a number allowlisted while its flag was being written (the poller read the state before the write) is unlabelled after it', async () => {
    allowed.clear();
    const h = harness(OPTIONS, allowlist, { beforeWrite: () => allowed.add(NUMBER) });
    expect(await h.flag(flag())).toMatchObject({ ok: true, outcome: 'allowlisted' });
    expect(h.view()).toMatchObject({ status: 'CLEAR', label: null, blocked: false });
    expect(h.state().seen).toMatchObject([{ flagId: 'f-block' }]);
  });
});
