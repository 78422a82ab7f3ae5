import { describe, expect, it } from 'vitest';
import { MAX_TIME_MS, MIN_TIME_MS, parseCallEvent, parseComplaint, parseConsent, parseReviewDecision, type Result } from './validate.ts';

const T = Date.UTC(2026, 0, 5, 10, 0, 0);

const call = (over: Record<string, unknown> = {}) => ({
  eventId: 'e1',
  probeId: 'p1',
  caller: '13812345678',
  callee: '0086 139 0000 0001',
  startTime: T,
  answerTime: T + 5000,
  endTime: T + 65_000,
  outcome: 'ANSWERED',
  releaseCause: 16,
  accessProvider: 'cmcc',
  ...over,
});

function error<T>(r: Result<T>): string {
  if (r.ok) throw new Error('expected a failure, got ' + JSON.stringify(r.value));
  return r.error;
}

describe('parseCallEvent', () => {
  it('returns a normalised copy of a valid event', () => {
    const input = call();
    const r = parseCallEvent(input);
    expect(r).toEqual({
      ok: true,
      value: { ...input, caller: '+8613812345678', callee: '+8613900000001' },
    });
    expect(r.ok && r.value).not.toBe(input);
  });

  it('accepts null or absent nullable fields and drops unknown fields', () => {
    const input: Record<string, unknown> = call({ outcome: 'NO_ANSWER', answerTime: null, releaseCause: null, extra: 1 });
    delete input.accessProvider;
    const r = parseCallEvent(input);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.accessProvider).toBeNull();
      expect(r.value.releaseCause).toBeNull();
      expect(r.value.answerTime).toBeNull();
      expect('extra' in r.value).toBe(false);
    }
    const noAnswer: Record<string, unknown> = call({ outcome: 'REJECTED' });
    delete noAnswer.answerTime;
    expect(parseCallEvent(noAnswer).ok).toBe(true);
  });

  it.each([
    [null, 'record: expected an object, got null'],
    [[1], 'record: expected an object, got an array'],
    ['{}', 'record: expected an object, got "{}"'],
    [call({ eventId: undefined }), 'eventId: required'],
    [call({ eventId: '' }), 'eventId: must not be empty'],
    [call({ eventId: 42 }), 'eventId: expected a string, got 42'],
    [call({ probeId: null }), 'probeId: required'],
    [call({ caller: 'abc' }), 'caller: not a phone number "abc" (unexpected character "a")'],
    [call({ callee: '12' }), 'callee: not a phone number "12" (too short)'],
    [call({ callee: 13812345678 }), 'callee: expected a string, got 13812345678'],
    [call({ startTime: '2026-01-05' }), 'startTime: expected an integer (ms since the Unix epoch), got "2026-01-05"'],
    [call({ startTime: T + 0.5 }), 'startTime: expected an integer'],
    [call({ startTime: Math.floor(T / 1000) }), 'startTime: 1767607200 is outside the years 2000–2099'],
    [call({ endTime: undefined }), 'endTime: required'],
    [call({ endTime: T - 1 }), `endTime: ${T - 1} is before startTime ${T}`],
    [call({ endTime: Date.UTC(2099, 0, 1) }), `endTime: ${Date.UTC(2099, 0, 1)} is more than 24 h after startTime ${T} (no call lasts that long: a clock error)`],
    [call({ endTime: T + 86_400_001 }), 'is more than 24 h after startTime'],
    [call({ outcome: 'answered' }), 'outcome: expected one of ANSWERED, REJECTED, BUSY, NO_ANSWER, CANCELLED, FAILED, got "answered"'],
    [call({ answerTime: null }), 'answerTime: required when outcome is ANSWERED'],
    [call({ answerTime: T - 1 }), 'answerTime: ' + (T - 1) + ' is outside [startTime'],
    [call({ answerTime: T + 65_001 }), 'is outside [startTime'],
    [call({ outcome: 'REJECTED' }), 'answerTime: must be null when outcome is REJECTED'],
    [call({ releaseCause: '603' }), 'releaseCause: expected an integer or null, got "603"'],
    [call({ accessProvider: 7 }), 'accessProvider: expected a string or null, got 7'],
  ])('rejects %j', (input, message) => {
    expect(error(parseCallEvent(input))).toContain(message);
  });

  it('accepts a call of exactly 24 h, start to release', () => {
    expect(parseCallEvent(call({ endTime: T + 86_400_000 })).ok).toBe(true);
  });

  it('accepts the edges of the time range and answerTime at either end', () => {
    expect(parseCallEvent(call({ startTime: MIN_TIME_MS, answerTime: MIN_TIME_MS, endTime: MIN_TIME_MS })).ok).toBe(true);
    expect(parseCallEvent(call({ startTime: MAX_TIME_MS - 1, answerTime: MAX_TIME_MS - 1, endTime: MAX_TIME_MS - 1 })).ok).toBe(true);
    expect(parseCallEvent(call({ endTime: MAX_TIME_MS })).ok).toBe(false);
    expect(parseCallEvent(call({ startTime: MIN_TIME_MS - 1 })).ok).toBe(false);
    expect(parseCallEvent(call({ answerTime: T + 65_000 })).ok).toBe(true);
    expect(parseCallEvent(call({ answerTime: T })).ok).toBe(true);
  });

  it('shortens long values in messages', () => {
    expect(error(parseCallEvent(call({ caller: 'x'.repeat(500) })))).toContain('"' + 'x'.repeat(40) + '…"');
  });
});

describe('parseComplaint', () => {
  const c = (over: Record<string, unknown> = {}) => ({
    reportId: 'r1',
    reporter: '13900000001',
    reported: '+86 138 1234 5678',
    reportTime: T,
    category: 'MARKETING',
    channel: '12321',
    ...over,
  });
  it('normalises both numbers', () => {
    expect(parseComplaint(c())).toEqual({
      ok: true,
      value: { ...c(), reporter: '+8613900000001', reported: '+8613812345678' },
    });
    expect(parseComplaint(c({ channel: undefined }))).toMatchObject({ ok: true, value: { channel: null } });
  });
  it.each([
    [c({ reportId: null }), 'reportId: required'],
    [c({ reporter: '' }), 'reporter: not a phone number "" (empty)'],
    [c({ reported: '88886666' }), 'reported: not a phone number "88886666" (local number without area code)'],
    [c({ reportTime: -1 }), 'reportTime: -1 is outside'],
    [c({ category: 'SPAM' }), 'category: expected one of MARKETING, HARASSMENT, FRAUD, OTHER, got "SPAM"'],
    [c({ channel: {} }), 'channel: expected a string or null, got an object'],
  ])('rejects %j', (input, message) => {
    expect(error(parseComplaint(input))).toContain(message);
  });
});

describe('parseConsent', () => {
  it('accepts an open and a revoked consent', () => {
    expect(parseConsent({ caller: '95588', callee: '13812345678', grantedAt: T })).toEqual({
      ok: true,
      value: { caller: '+8695588', callee: '+8613812345678', grantedAt: T, revokedAt: null },
    });
    expect(parseConsent({ caller: '95588', callee: '13812345678', grantedAt: T, revokedAt: T })).toMatchObject({ ok: true });
  });
  it.each([
    [{ caller: '95588', callee: '13812345678' }, 'grantedAt: required'],
    [{ caller: '95588', callee: '13812345678', grantedAt: T, revokedAt: T - 1 }, `revokedAt: ${T - 1} is before grantedAt ${T}`],
    [{ caller: '95588', callee: 'x', grantedAt: T }, 'callee: not a phone number "x"'],
    [{ callee: '13812345678', grantedAt: T }, 'caller: required'],
  ])('rejects %j', (input, message) => {
    expect(error(parseConsent(input))).toContain(message);
  });
});

describe('parseReviewDecision', () => {
  const d = (over: Record<string, unknown> = {}) => ({
    number: '13812345678',
    flagId: 'f-1',
    decision: 'CONFIRMED',
    reviewer: 'alice',
    note: null,
    decidedAt: T,
    ...over,
  });
  it('normalises the number', () => {
    expect(parseReviewDecision(d())).toEqual({ ok: true, value: { ...d(), number: '+8613812345678' } });
    expect(parseReviewDecision(d({ flagId: undefined, note: undefined }))).toMatchObject({ ok: true, value: { flagId: null, note: null } });
  });
  it.each([
    [d({ decision: 'MAYBE' }), 'decision: expected one of CONFIRMED, DISMISSED, got "MAYBE"'],
    [d({ reviewer: '' }), 'reviewer: must not be empty'],
    [d({ flagId: '' }), 'flagId: must not be empty (use null)'],
    [d({ decidedAt: 1.5 }), 'decidedAt: expected an integer'],
    [d({ number: '+86' }), 'number: not a phone number "+86" (too short)'],
  ])('rejects %j', (input, message) => {
    expect(error(parseReviewDecision(input))).toContain(message);
  });
});
