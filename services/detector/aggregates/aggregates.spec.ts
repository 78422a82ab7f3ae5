import { describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../shared/contracts/records.ts';
import { NumberMinuteAggregate } from './number-minute.ts';
import { ProviderHourAggregate } from './provider-hour.ts';
import { PartitionAggregates } from './partition.ts';

const T = Date.UTC(2025, 2, 2, 10, 0, 0);
const A = '+8613800000001';

function call(over: Partial<CallEvent> = {}): CallEvent {
  return {
    eventId: 'e',
    probeId: 'p',
    caller: A,
    callee: '+8613900000001',
    startTime: T,
    answerTime: null,
    endTime: T + 5_000,
    outcome: 'NO_ANSWER',
    releaseCause: null,
    accessProvider: 'CMCC',
    ...over,
  };
}

describe('NumberMinuteAggregate', () => {
  it('counts calls, outcomes, distinct callees and talk per caller minute, version = highest offset', () => {
    const agg = new NumberMinuteAggregate('calls/0');
    agg.addCall(call({ outcome: 'ANSWERED', answerTime: T + 2_000, endTime: T + 32_500 }), 10);
    agg.addCall(call({ startTime: T + 59_999, outcome: 'REJECTED', endTime: T + 60_500 }), 11);
    agg.addCall(call({ startTime: T + 30_000, callee: '+8613900000002' }), 12);
    agg.addCall(call({ startTime: T + 60_000 }), 13); // next minute
    const rows = agg.takeChanged().sort((a, b) => a.minute - b.minute);
    expect(rows).toEqual([
      { number: A, minute: T / 1000, src: 'calls/0', calls: 3, answered: 1, rejected: 1, distinct_callees: 2, talk_seconds: 30.5, complaints: 0, version: 12 },
      { number: A, minute: T / 1000 + 60, src: 'calls/0', calls: 1, answered: 0, rejected: 0, distinct_callees: 1, talk_seconds: 0, complaints: 0, version: 13 },
    ]);
    expect(agg.takeChanged()).toEqual([]);
  });

  it('rows are cumulative: a later change re-emits the whole row', () => {
    const agg = new NumberMinuteAggregate('s');
    agg.addCall(call(), 1);
    agg.takeChanged();
    agg.addCall(call({ callee: '+8613900000009' }), 2);
    expect(agg.takeChanged()).toMatchObject([{ calls: 2, distinct_callees: 2, version: 2 }]);
  });

  it('the same events in the same order give the same rows however the takes fall (replay is idempotent)', () => {
    const events = Array.from({ length: 200 }, (_, i) =>
      call({ startTime: T + i * 1_700, callee: `+86139000000${i % 7}`, outcome: i % 3 === 0 ? 'ANSWERED' : 'BUSY', answerTime: i % 3 === 0 ? T + i * 1_700 : null, endTime: T + i * 1_700 + 12_345 }),
    );
    const once = new NumberMinuteAggregate('s');
    events.forEach((e, i) => once.addCall(e, i));
    const a = new Map(once.takeChanged().map((r) => [r.minute, r]));
    const chunked = new NumberMinuteAggregate('s');
    const b = new Map<number, unknown>();
    events.forEach((e, i) => {
      chunked.addCall(e, i);
      if (i % 13 === 0) for (const r of chunked.takeChanged()) b.set(r.minute, r);
    });
    for (const r of chunked.takeChanged()) b.set(r.minute, r);
    expect(b).toEqual(a);
  });

  it('complaints count against the reported number', () => {
    const agg = new NumberMinuteAggregate('complaints/0');
    agg.addComplaint(A, T + 5, 3);
    agg.addComplaint(A, T + 6, 4);
    expect(agg.takeChanged()).toMatchObject([{ number: A, complaints: 2, calls: 0, version: 4, src: 'complaints/0' }]);
  });

  it('evicts only closed minutes whose change was taken', () => {
    const agg = new NumberMinuteAggregate('s');
    agg.addCall(call(), 1);
    agg.addCall(call({ startTime: T + 60_000 }), 2);
    expect(agg.evict(T + 59_999)).toBe(0); // minute not closed
    expect(agg.evict(T + 60_000)).toBe(0); // not taken yet
    agg.takeChanged();
    expect(agg.evict(T + 60_000)).toBe(1);
    expect(agg.size).toBe(1);
  });

  it('never re-creates a closed minute: an event for it is not counted (a new cell would replace the fuller row)', () => {
    const agg = new NumberMinuteAggregate('s');
    agg.addCall(call(), 1);
    agg.addCall(call({ callee: '+8613900000002' }), 2);
    agg.takeChanged();
    expect(agg.evict(T + 60_000)).toBe(1);
    // The horizon moved back (the allowed lateness was raised): a call of the closed minute still arrives.
    agg.evict(T + 30_000);
    agg.addCall(call({ startTime: T + 1_000, callee: '+8613900000003' }), 3);
    agg.addComplaint(A, T + 2_000, 4);
    expect(agg.takeChanged()).toEqual([]);
    expect(agg.size).toBe(0);
    expect(agg.closedDropped).toBe(2);
    // The closed horizon survives a snapshot.
    const copy = new NumberMinuteAggregate('s');
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    copy.addCall(call({ startTime: T + 5_000 }), 5);
    expect(copy.takeChanged()).toEqual([]);
    copy.addCall(call({ startTime: T + 60_000 }), 6);
    expect(copy.takeChanged()).toMatchObject([{ minute: T / 1000 + 60, calls: 1, version: 6 }]);
  });

  it('drops a closed minute whole when every cell was taken, else only its taken cells', () => {
    const agg = new NumberMinuteAggregate('s');
    for (const [i, n] of ['+8613800000001', '+8613800000002', '+8613800000003'].entries()) agg.addCall(call({ caller: n }), i + 1);
    agg.takeChanged();
    agg.addCall(call({ caller: '+8613800000002', callee: '+8613900000009' }), 4); // changed again, not taken
    expect(agg.evict(T + 60_000)).toBe(2);
    expect(agg.size).toBe(1);
    expect(agg.takeChanged()).toMatchObject([{ number: '+8613800000002', calls: 2, distinct_callees: 2, version: 4 }]);
    expect(agg.evict(T + 60_000)).toBe(1);
    expect(agg.size).toBe(0);
  });

  it('a changed cell left in a closed minute survives a snapshot, and is still taken once', () => {
    const agg = new NumberMinuteAggregate('s');
    agg.addCall(call({ caller: '+8613800000001' }), 1);
    agg.addCall(call({ caller: '+8613800000002' }), 2);
    agg.takeChanged();
    agg.addCall(call({ caller: '+8613800000002', outcome: 'REJECTED' }), 3);
    expect(agg.evict(T + 60_000)).toBe(1); // the minute is closed; the changed cell stays
    const copy = new NumberMinuteAggregate('s');
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    expect(copy.size).toBe(1);
    expect(copy.closedDropped).toBe(0);
    expect(copy.takeChanged()).toEqual([{ number: '+8613800000002', minute: T / 1000, src: 's', calls: 2, answered: 0, rejected: 1, distinct_callees: 1, talk_seconds: 0, complaints: 0, version: 3 }]);
    expect(copy.evict(T + 60_000)).toBe(1);
    expect(copy.size).toBe(0);
  });

  it('a partial eviction of a minute holding 200,000 cells keeps its 150,000 changed ones', () => {
    const agg = new NumberMinuteAggregate('s');
    const n = 200_000;
    const number = (i: number) => `+86138${String(i).padStart(8, '0')}`;
    for (let i = 0; i < n; i++) agg.addCall(call({ caller: number(i) }), i);
    agg.takeChanged();
    for (let i = 0; i < n; i++) if (i % 4 !== 0) agg.addCall(call({ caller: number(i), outcome: 'REJECTED' }), n + i); // changed again, not taken
    expect(agg.evict(T + 60_000)).toBe(n / 4);
    const rows = agg.takeChanged();
    expect(rows).toHaveLength((3 * n) / 4);
    expect(rows[0]).toMatchObject({ number: number(1), calls: 2, rejected: 1, version: n + 1 });
    expect(agg.evict(T + 60_000)).toBe((3 * n) / 4);
    expect(agg.size).toBe(0);
  });

  it('cells evicted are reused without carrying anything over', () => {
    const agg = new NumberMinuteAggregate('s');
    for (let i = 0; i < 50; i++) agg.addCall(call({ caller: `+86138000000${String(i).padStart(2, '0')}`, callee: `+86139000000${i % 3}`, outcome: 'ANSWERED', answerTime: T, endTime: T + 1_000 }), i);
    agg.addCall(call({ caller: '+8613800000007', callee: '+8613900000099' }), 50); // a second callee
    agg.takeChanged();
    expect(agg.evict(T + 60_000)).toBe(50);
    for (let i = 0; i < 60; i++) agg.addComplaint(`+86137000000${String(i).padStart(2, '0')}`, T + 60_000, 100 + i);
    const rows = agg.takeChanged();
    expect(rows).toHaveLength(60);
    for (const [i, r] of rows.entries()) {
      expect(r).toEqual({ number: `+86137000000${String(i).padStart(2, '0')}`, minute: T / 1000 + 60, src: 's', calls: 0, answered: 0, rejected: 0, distinct_callees: 0, talk_seconds: 0, complaints: 1, version: 100 + i });
    }
  });

  it('finds every number of a busy minute (the index grows) and keeps rows in first-change order', () => {
    const agg = new NumberMinuteAggregate('s');
    const numbers = Array.from({ length: 5_000 }, (_, i) => `+86138${String(i * 7919).padStart(8, '0')}`);
    numbers.forEach((n, i) => agg.addCall(call({ caller: n, startTime: T + (i % 60_000) }), i));
    numbers.forEach((n, i) => agg.addCall(call({ caller: n, startTime: T + 1, callee: '+8613900000002' }), 5_000 + i));
    const rows = agg.takeChanged();
    expect(rows.map((r) => r.number)).toEqual(numbers);
    expect(rows.every((r) => r.calls === 2 && r.distinct_callees === 2)).toBe(true);
    expect(agg.size).toBe(5_000);
  });

  it('survives a snapshot round trip, pending changes included', () => {
    const agg = new NumberMinuteAggregate('s');
    agg.addCall(call(), 1);
    agg.takeChanged();
    agg.addCall(call({ callee: '+8613900000002' }), 2);
    const copy = new NumberMinuteAggregate('s');
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    expect(copy.takeChanged()).toEqual(agg.takeChanged());
    copy.addCall(call({ callee: '+8613900000003' }), 3);
    expect(copy.takeChanged()).toMatchObject([{ calls: 3, distinct_callees: 3 }]);
  });
});

describe('ProviderHourAggregate', () => {
  it('counts calls per provider hour and calls of numbers flagged at LABEL or above within 24 h', () => {
    const agg = new ProviderHourAggregate('s');
    agg.addCall(A, 'CMCC', T, 1);
    agg.noteFlag(A, 'WATCH', T);
    agg.addCall(A, 'CMCC', T + 1_000, 2);
    agg.noteFlag(A, 'LABEL', T + 1_000);
    agg.addCall(A, 'CMCC', T + 2_000, 3);
    agg.addCall('+8613800000002', 'CMCC', T + 3_000, 4);
    agg.addCall(A, null, T + 4_000, 5);
    agg.addCall(A, 'CMCC', T + 1_000 + 24 * 3_600_000 + 1, 6); // flag too old by then
    const rows = agg.takeChanged().sort((a, b) => a.hour - b.hour || a.access_provider.localeCompare(b.access_provider));
    expect(rows).toEqual([
      { access_provider: '', hour: T / 1000, src: 's', calls: 1, flagged_calls: 1, flagged_numbers: 1, version: 5 },
      { access_provider: 'CMCC', hour: T / 1000, src: 's', calls: 4, flagged_calls: 1, flagged_numbers: 1, version: 4 },
      { access_provider: 'CMCC', hour: T / 1000 + 24 * 3600, src: 's', calls: 1, flagged_calls: 0, flagged_numbers: 0, version: 6 },
    ]);
  });

  it('never re-creates an evicted hour: a call for it is not counted, neither in the dropped cell nor in a new one that would replace its row', () => {
    const agg = new ProviderHourAggregate('s');
    agg.addCall(A, 'X', T, 1);
    agg.addCall(A, 'X', T + 1_000, 2);
    agg.takeChanged();
    expect(agg.evict(T + 3_600_000)).toBe(1);
    expect(agg.size).toBe(0);
    agg.evict(T + 1_800_000); // the watermark moved back (allowed lateness raised)
    agg.addCall(A, 'X', T + 2_000, 3);
    expect(agg.size).toBe(0);
    expect(agg.takeChanged()).toEqual([]);
    expect(agg.closedDropped).toBe(1);
    agg.addCall(A, 'X', T + 3_600_000, 4); // the next hour is open
    expect(agg.takeChanged()).toEqual([{ access_provider: 'X', hour: T / 1000 + 3600, src: 's', calls: 1, flagged_calls: 0, flagged_numbers: 0, version: 4 }]);
  });

  it('a call placed before the flag (delivered after it, within the allowed lateness) is not a flagged call', () => {
    const agg = new ProviderHourAggregate('s');
    agg.addCall(A, 'X', T, 1);
    agg.noteFlag(A, 'LABEL', T + 60_000); // raised by a call at T + 60 s
    agg.addCall(A, 'X', T + 30_000, 2); // 30 s before the flag, delivered late
    agg.addCall(A, 'X', T + 60_000, 3); // at the flag's own time: after the flag in processing order
    agg.addCall(A, 'X', T + 90_000, 4);
    expect(agg.takeChanged()).toMatchObject([{ calls: 4, flagged_calls: 2, flagged_numbers: 1 }]);
  });

  it('a late call between two flags counts by the earlier one', () => {
    const agg = new ProviderHourAggregate('s');
    agg.noteFlag(A, 'LABEL', T + 10_000);
    agg.noteFlag(A, 'BLOCK_RECOMMENDED', T + 60_000);
    agg.addCall(A, 'X', T + 30_000, 1);
    const copy = new ProviderHourAggregate('s');
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    copy.addCall(A, 'X', T + 40_000, 2);
    copy.addCall(A, 'X', T + 5_000, 3); // before both
    expect(copy.takeChanged()).toMatchObject([{ calls: 3, flagged_calls: 2, flagged_numbers: 1 }]);
    // a snapshot of an older version (one flag time per number) is read too
    const old = new ProviderHourAggregate('s');
    old.importState({ cells: [], changed: [], flagged: [[A, T]] });
    old.addCall(A, 'X', T + 1, 4);
    expect(old.takeChanged()).toMatchObject([{ flagged_calls: 1 }]);
  });

  it('forgets old flags at eviction and keeps the state through a snapshot', () => {
    const agg = new ProviderHourAggregate('s', 1_000);
    agg.noteFlag(A, 'BLOCK_RECOMMENDED', T);
    agg.addCall(A, 'X', T, 1);
    const copy = new ProviderHourAggregate('s', 1_000);
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    expect(copy.takeChanged()).toEqual(agg.takeChanged());
    copy.evict(T + 2_000);
    copy.addCall(A, 'X', T + 500, 2);
    expect(copy.takeChanged()).toMatchObject([{ calls: 2, flagged_calls: 1 }]);
  });
});

describe('ProviderHourAggregate: only flags that went out make flagged calls', () => {
  const B = '+8613800000002';
  /** A LABEL flag of `number` raised at `at`, its evidence the hour before. */
  const flag = (id: string, number: string, at: number, severity: 'WATCH' | 'LABEL' | 'BLOCK_RECOMMENDED' = 'LABEL') => ({ flagId: id, number, severity, windowStart: at - 3_600_000, windowEnd: at, detectedAt: at });

  it('a flag the lane dropped as dismissed makes no flagged calls; one it kept does', () => {
    const agg = new ProviderHourAggregate('s');
    agg.noteUndecided(flag('fa', A, T));
    agg.noteUndecided(flag('fb', B, T));
    agg.addCall(A, 'X', T + 1_000, 1);
    agg.addCall(B, 'X', T + 2_000, 2);
    agg.decide('fa', false); // dismissed: never on the topic
    agg.decide('fb', true);
    agg.addCall(A, 'X', T + 3_000, 3);
    agg.addCall(B, 'X', T + 4_000, 4);
    expect(agg.takeChanged()).toEqual([{ access_provider: 'X', hour: T / 1000, src: 's', calls: 4, flagged_calls: 2, flagged_numbers: 1, version: 4 }]);
    expect(agg.undecidedFlags()).toEqual([]);
  });

  it("a call waiting for the lane's word holds back its cell's later calls, so a row is always a prefix of the cell's calls, counted as they finally are", () => {
    const agg = new ProviderHourAggregate('s');
    agg.addCall(B, 'X', T, 1);
    agg.noteUndecided(flag('fa', A, T + 1_000));
    agg.addCall(A, 'X', T + 2_000, 2); // waits for fa
    agg.addCall(B, 'X', T + 3_000, 3); // behind it
    agg.addCall(A, 'Y', T + 4_000, 4); // another cell: waits too, alone
    agg.addCall(B, 'Z', T + 5_000, 5); // a cell with nothing waiting
    const early = agg.takeChanged().sort((a, b) => a.access_provider.localeCompare(b.access_provider));
    expect(early.map((r) => [r.access_provider, r.calls, r.flagged_calls, r.version])).toEqual([
      ['X', 1, 0, 1],
      ['Z', 1, 0, 5],
    ]);
    expect(agg.waiting).toBe(3);
    agg.decide('fa', true);
    const later = agg.takeChanged().sort((a, b) => a.access_provider.localeCompare(b.access_provider));
    expect(later.map((r) => [r.access_provider, r.calls, r.flagged_calls, r.flagged_numbers, r.version])).toEqual([
      ['X', 3, 1, 1, 3],
      ['Y', 1, 1, 1, 4],
    ]);
    expect(agg.waiting).toBe(0);
  });

  it('every row written for a version is the same whenever the decisions come (a replay rewrites the same values)', () => {
    const run = (decideAfter: number) => {
      const agg = new ProviderHourAggregate('s');
      const rows = new Map<number, string>();
      const take = () => {
        for (const r of agg.takeChanged()) {
          const v = JSON.stringify(r);
          if (rows.has(r.version)) expect(rows.get(r.version)).toBe(v);
          rows.set(r.version, v);
        }
      };
      agg.noteUndecided(flag('fa', A, T));
      agg.noteUndecided(flag('fb', B, T));
      for (let i = 1; i <= 20; i++) {
        agg.addCall(i % 2 ? A : B, 'X', T + i * 1_000, i);
        if (i === 10) agg.noteUndecided(flag('fa2', A, T + i * 1_000, 'BLOCK_RECOMMENDED'));
        if (i === decideAfter) {
          agg.decide('fa', false);
          agg.decide('fb', true);
        }
        if (i === decideAfter + 3) agg.decide('fa2', true);
        if (i % 4 === 0) take();
      }
      agg.decide('fa', false);
      agg.decide('fb', true);
      agg.decide('fa2', true);
      take();
      return rows;
    };
    const a = run(2);
    const b = run(15);
    for (const [version, row] of b) if (a.has(version)) expect(row).toBe(a.get(version));
    expect([...a.values()].at(-1)).toBe([...b.values()].at(-1));
    // A's calls from the BLOCK_RECOMMENDED flag on (11, 13, …, 19) and all of B's (10 calls) are flagged.
    expect(JSON.parse([...a.values()].at(-1)!)).toMatchObject({ calls: 20, flagged_calls: 15, flagged_numbers: 2, version: 20 });
  });

  it('a call waiting for two flags is flagged when either is kept, and not when both are dismissed', () => {
    const agg = new ProviderHourAggregate('s');
    agg.noteUndecided(flag('f1', A, T));
    agg.noteUndecided(flag('f2', A, T + 1_000, 'BLOCK_RECOMMENDED'));
    agg.addCall(A, 'X', T + 2_000, 1);
    agg.decide('f1', false);
    expect(agg.takeChanged()).toEqual([]); // still waiting for f2
    agg.decide('f2', true);
    expect(agg.takeChanged()).toMatchObject([{ calls: 1, flagged_calls: 1 }]);
    const other = new ProviderHourAggregate('s');
    other.noteUndecided(flag('f1', A, T));
    other.noteUndecided(flag('f2', A, T + 1_000));
    other.addCall(A, 'X', T + 2_000, 1);
    other.decide('f2', false);
    other.decide('f1', false);
    other.decide('f1', true); // decided once: a second word changes nothing
    other.addCall(A, 'X', T + 3_000, 2);
    expect(other.takeChanged()).toMatchObject([{ calls: 2, flagged_calls: 0, flagged_numbers: 0 }]);
  });

  it('WATCH flags are not noted; a kept flag counts from the next call on, not for a call placed before it', () => {
    const agg = new ProviderHourAggregate('s');
    agg.noteUndecided(flag('w', A, T, 'WATCH'));
    agg.addCall(A, 'X', T + 1_000, 1);
    expect(agg.undecidedFlags()).toEqual([]);
    agg.noteUndecided(flag('f', A, T + 60_000));
    agg.addCall(A, 'X', T + 30_000, 2); // placed before the flag, delivered after it: counted at once, not flagged
    agg.decide('f', true);
    agg.addCall(A, 'X', T + 90_000, 3);
    expect(agg.takeChanged()).toMatchObject([{ calls: 3, flagged_calls: 1, version: 3 }]);
  });

  it('keeps undecided flags and waiting calls through a snapshot and an eviction: the same rows once the word comes', () => {
    const agg = new ProviderHourAggregate('s');
    agg.addCall(B, 'X', T, 1);
    agg.noteUndecided(flag('fa', A, T + 1_000));
    agg.addCall(A, 'X', T + 2_000, 2);
    agg.addCall(B, 'X', T + 3_000, 3);
    agg.takeChanged();
    // The hour closes (watermark two days on) while its calls wait: the cell is kept, and so is the undecided flag.
    expect(agg.evict(T + 2 * 86_400_000)).toBe(0);
    const copy = new ProviderHourAggregate('s');
    copy.importState(JSON.parse(JSON.stringify(agg.exportState())));
    expect(copy.undecidedFlags()).toEqual([flag('fa', A, T + 1_000)]);
    expect(copy.waiting).toBe(2);
    for (const x of [agg, copy]) x.decide('fa', true);
    expect(copy.takeChanged()).toEqual(agg.takeChanged());
    expect(copy.takeChanged()).toEqual([]);
    expect(agg.evict(T + 2 * 86_400_000)).toBe(1); // nothing waits and its last change was taken: now it goes
    expect(agg.size).toBe(0);
  });
});

describe('PartitionAggregates', () => {
  it('keeps calls and complaints apart by src', () => {
    const p = new PartitionAggregates({ calls: 'calls/1', complaints: 'complaints/1' });
    p.onCall(call(), 7);
    p.onComplaint({ reportId: 'r', reporter: '+8613911111111', reported: A, reportTime: T, category: 'MARKETING', channel: null }, 2);
    const { numberMinute, providerHour } = p.takeChanged();
    expect(numberMinute.map((r) => [r.src, r.calls, r.complaints, r.version])).toEqual([
      ['calls/1', 1, 0, 7],
      ['complaints/1', 0, 1, 2],
    ]);
    expect(providerHour).toHaveLength(1);
  });
});
