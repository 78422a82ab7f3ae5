/**
 * Event time at the engine's public API: window boundaries, allowed
 * lateness, out-of-order delivery and duplicates.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, atLeast, flagsOf, maxSeverity, mobile, play, rulesIn, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const CALLER = mobile(1, '138');
const VICTIM = stranger(1);

describe('allowed lateness', () => {
  it('accepts an event exactly at the watermark and counts one a millisecond older as late', () => {
    const e = engine();
    const tr = new Traffic();
    tr.noAnswer(T0 + 10 * MIN, CALLER, stranger(1));
    // Both delivered after the first: max − 120 s is the watermark itself.
    tr.noAnswer(T0 + 8 * MIN, CALLER, stranger(2), { delayMs: 3 * MIN });
    tr.noAnswer(T0 + 8 * MIN - 1, CALLER, stranger(3), { delayMs: 3 * MIN + 1 });
    const { results } = play(e, tr.inputs());
    expect(results).toEqual(['accepted', 'accepted', 'late']);
    expect(e.stats()).toMatchObject({ calls: 2, late: 1, duplicates: 0, watermark: T0 + 8 * MIN });
  });

  it('never lets late events count: call bombing delivered too late is routed, not detected', () => {
    const e = engine();
    const tr = new Traffic();
    tr.noAnswer(T0 + 2 * HOUR, CALLER, stranger(9));
    for (let i = 0; i < 12; i++) tr.noAnswer(T0 + i * 2 * MIN, CALLER, VICTIM, { delayMs: 3 * HOUR });
    const { results, flags } = play(e, tr.inputs());
    expect(results.filter((r) => r === 'late')).toHaveLength(12);
    expect(e.stats().late).toBe(12);
    expect(flags).toEqual([]);
  });

  it('accepts a complaint behind the watermark while it is inside its 30-day window, and counts an older one as late', () => {
    const e = engine();
    const tr = new Traffic();
    const reported = mobile(5, '138');
    tr.noAnswer(T0 + 40 * DAY, CALLER, stranger(1)); // watermark: T0 + 40 days − 2 min
    // Delivered after that call: reported 30 days before the watermark, and a millisecond earlier.
    tr.complaint(T0 + 10 * DAY - 2 * MIN, stranger(2), reported, { delayMs: 31 * DAY });
    tr.complaint(T0 + 10 * DAY - 2 * MIN - 1, stranger(3), reported, { delayMs: 31 * DAY + 1 });
    const { results } = play(e, tr.inputs());
    expect(results).toEqual(['accepted', 'accepted', 'late']);
    expect(e.stats()).toMatchObject({ calls: 1, complaints: 1, late: 1 });
  });

  it('moves the watermark with advanceTo (an idle partition does not freeze time)', () => {
    const e = engine();
    expect(e.stats().watermark).toBeNull();
    e.advanceTo(T0 + HOUR);
    expect(e.stats().watermark).toBe(T0 + HOUR - 120_000);
    const tr = new Traffic();
    tr.noAnswer(T0, CALLER, VICTIM);
    expect(play(e, tr.inputs()).results).toEqual(['late']);
    // advanceTo never moves time backwards.
    e.advanceTo(T0);
    expect(e.stats().watermark).toBe(T0 + HOUR - 120_000);
  });
});

describe('out-of-order delivery within the allowed lateness', () => {
  it('accepts every event and detects call bombing as in order', () => {
    const inOrder = new Traffic();
    const shuffled = new Traffic();
    for (let i = 0; i < 12; i++) {
      inOrder.noAnswer(T0 + i * 150 * SEC, CALLER, VICTIM);
      // Every other attempt arrives 100 s late, after the next one.
      shuffled.noAnswer(T0 + i * 150 * SEC, CALLER, VICTIM, { delayMs: i % 2 === 0 ? 100 * SEC : 0 });
    }
    const a = play(engine(), inOrder.inputs());
    const e = engine();
    const b = play(e, shuffled.inputs());
    expect(b.results.every((r) => r === 'accepted')).toBe(true);
    expect(e.stats().late).toBe(0);
    expect(withRule(a.flags, 'CALL_BOMBING')).not.toEqual([]);
    expect(rulesIn(b.flags)).toEqual(rulesIn(a.flags));
    expect(maxSeverity(b.flags)).toBe(maxSeverity(a.flags));
  });

  it('does not count attempts made before a rejection as repeats after it, when the rejection arrives first', () => {
    // Three unanswered tries, then the callee rejects, then one polite redial:
    // in event time that is a single attempt after the rejection.
    const build = (delayMs: number) => {
      const tr = new Traffic();
      tr.noAnswer(T0, CALLER, VICTIM, { ringMs: 15 * SEC, delayMs });
      tr.noAnswer(T0 + 20 * SEC, CALLER, VICTIM, { ringMs: 15 * SEC, delayMs });
      tr.noAnswer(T0 + 40 * SEC, CALLER, VICTIM, { ringMs: 15 * SEC, delayMs });
      tr.rejected(T0 + 60 * SEC, CALLER, VICTIM);
      tr.answered(T0 + 5 * MIN, CALLER, VICTIM, 45);
      return tr.inputs();
    };
    expect(play(engine(), build(0)).flags).toEqual([]);
    const e = engine();
    const late = play(e, build(90 * SEC));
    expect(late.results.every((r) => r === 'accepted')).toBe(true);
    expect(late.flags).toEqual([]);
  });

  it('counts repeats after a rejection that arrives late, once it has arrived', () => {
    const tr = new Traffic();
    tr.rejected(T0, CALLER, VICTIM, { delayMs: 30 * SEC });
    for (let i = 1; i <= 4; i++) tr.noAnswer(T0 + i * 5 * MIN, CALLER, VICTIM);
    const { flags } = play(engine(), tr.inputs());
    expect(withRule(atLeast(flags, 'LABEL'), 'REJECTION_REPEAT')).not.toEqual([]);
  });
});

describe('an event delivered late across a window edge', () => {
  /** Five strangers rung in the half hour before an hour edge; the sixth just before the edge, delivered `delayMs` late, after the caller's next call (to an acquaintance, just past the edge). */
  const sixthStranger = (delayMs: number) => {
    const x = mobile(5, '138');
    const edge = T0 + 2 * HOUR;
    const tr = new Traffic();
    for (let i = 0; i < 5; i++) tr.noAnswer(edge - 30 * MIN + i * 5 * MIN, x, stranger(100 + i));
    tr.noAnswer(edge - 5 * SEC, x, stranger(200), { delayMs });
    tr.answered(edge + 10 * SEC, x, mobile(42), 60);
    const e = engine();
    const { flags, results } = play(e, tr.inputs());
    expect(results.every((r) => r === 'accepted')).toBe(true);
    return flagsOf(flags, x).map((f) => `${f.severity} ${f.detectedAt - edge} ${f.reasons.map((r) => r.rule).join(',')} calls1h=${f.evidence.calls1h}`);
  };

  it('is judged on the window it falls in, as when delivered in order (not on nothing)', () => {
    const inOrder = sixthStranger(0);
    expect(inOrder).toEqual(['LABEL -5000 LOW_ANSWER_FANOUT calls1h=6']);
    expect(sixthStranger(30 * SEC)).toEqual(inOrder);
  });

  /**
   * Five strangers ring a victim four times each in the 40 minutes before an
   * hour edge; a sixth rings it twice, the second time just before the edge
   * (the swarm's sixth repeater and its 22nd attempt), delivered `delayMs`
   * late, after another stranger's second attempt just past the edge.
   */
  const sixthRepeater = (delayMs: number) => {
    const victim = mobile(777, '136');
    const x = stranger(50, '171');
    const edge = T0 + 2 * HOUR;
    const tr = new Traffic();
    for (let k = 0; k < 4; k++) for (let i = 0; i < 5; i++) tr.noAnswer(edge - 40 * MIN + k * 9 * MIN + i * MIN, stranger(i, '171'), victim);
    tr.noAnswer(edge - 20 * MIN, stranger(60, '171'), victim);
    tr.noAnswer(edge - 10 * MIN, x, victim);
    tr.rejected(edge - 5 * SEC, x, victim, { delayMs });
    tr.noAnswer(edge + 10 * SEC, stranger(60, '171'), victim);
    const { flags, results } = play(engine(), tr.inputs());
    expect(results.every((r) => r === 'accepted')).toBe(true);
    return flagsOf(flags, x).map((f) => `${f.severity} ${f.detectedAt - edge} ${f.reasons.map((r) => `${r.rule}=${r.value}`).join(',')}`);
  };

  /**
   * Five numbers of one block and provider each ring eight strangers, unanswered,
   * in the evening before midnight UTC (a campaign); a sixth of the block rings
   * its second stranger 5 s before midnight (which makes it a quiet member the
   * rule scores), delivered `delayMs` late, after a member's call just past
   * midnight.
   */
  const lateCampaignMember = (delayMs: number) => {
    const block = [200, 203, 204, 208, 211].map((k) => `+8613712345${k}`);
    const x = '+8613712345215';
    const midnight = T0 - 2 * HOUR + DAY;
    const tr = new Traffic();
    let n = 0;
    for (let k = 0; k < 8; k++) block.forEach((m, i) => tr.noAnswer(midnight - 6 * HOUR + k * 40 * MIN + i * 3 * MIN, m, stranger(n++, '155'), { provider: 'carrier-x' }));
    tr.noAnswer(midnight - 3 * HOUR, x, stranger(n++, '155'), { provider: 'carrier-x' });
    tr.noAnswer(midnight - 5 * SEC, x, stranger(n++, '155'), { provider: 'carrier-x', delayMs });
    tr.noAnswer(midnight + 10 * SEC, block[0], stranger(n++, '155'), { provider: 'carrier-x' });
    const { flags, results } = play(engine(), tr.inputs());
    expect(results.every((r) => r === 'accepted')).toBe(true);
    return flagsOf(flags, x).map((f) => `${f.severity} ${f.detectedAt - midnight} ${f.reasons.map((r) => `${r.rule}=${r.value}`).join(',')} members=${f.evidence.campaignMembers}`);
  };

  it('judges a campaign member\'s call on its group\'s day, as when delivered in order', () => {
    const inOrder = lateCampaignMember(0);
    expect(inOrder).toEqual(['LABEL -5000 CAMPAIGN=6 members=6']);
    expect(lateCampaignMember(30 * SEC)).toEqual(inOrder);
  });

  /**
   * The block of `lateCampaignMember` rings strangers in the evening; the
   * sixth number's call 5 s before midnight UTC arrives `delayMs` late, after
   * its first call of the new day, and it calls once more; in the late
   * morning three members and a seventh number ring strangers again. The
   * seventh's flag carries the group's members.
   */
  const lateCallAcrossMidnight = (delayMs: number) => {
    const block = [200, 203, 204, 208, 211].map((k) => `+8613712345${k}`);
    const x = '+8613712345215';
    const y = '+8613712345213';
    const midnight = T0 - 2 * HOUR + DAY;
    const tr = new Traffic();
    let n = 0;
    const ring = (at: number, from: string, o: { delayMs?: number } = {}) => tr.noAnswer(at, from, stranger(n++, '155'), { provider: 'carrier-x', ...o });
    for (let k = 0; k < 8; k++) block.forEach((m, i) => ring(midnight - 6 * HOUR + k * 40 * MIN + i * 3 * MIN, m));
    ring(midnight - 5 * SEC, x, { delayMs });
    ring(midnight + 10 * SEC, x);
    ring(midnight + 2 * MIN, x);
    for (let k = 0; k < 4; k++) block.slice(0, 3).forEach((m, i) => ring(midnight + 10 * HOUR + k * 10 * MIN + i * MIN, m));
    for (let k = 0; k < 4; k++) ring(midnight + 11 * HOUR + k * 3 * MIN, y);
    const { flags, results } = play(engine(), tr.inputs());
    expect(results.every((r) => r === 'accepted')).toBe(true);
    return flagsOf(flags, y).map((f) => `${f.severity} ${f.reasons.map((r) => `${r.rule}=${r.value}`).join(',')} members=${f.evidence.campaignMembers}`);
  };

  it('does not count a member into its group again for its call of the day before, delivered late', () => {
    const inOrder = lateCallAcrossMidnight(0);
    expect(inOrder).toEqual(['LABEL CAMPAIGN=5 members=5']);
    expect(lateCallAcrossMidnight(30 * SEC)).toEqual(inOrder); // was members=7: the late member joined today three times
  });

  it('counts a swarm attempt in the window it falls in and judges it on that window, as when delivered in order', () => {
    const inOrder = sixthRepeater(0);
    expect(inOrder).toEqual(['LABEL -5000 SWARM_BOMBING=6']);
    expect(sixthRepeater(30 * SEC)).toEqual(inOrder);
  });
});

describe('callbacks delivered out of order', () => {
  /**
   * Y calls X; just before an hour edge X calls Y back, but that callback is
   * delivered after Y's next call (already in the new hour); then X rings a
   * stranger eight times, which is flagged with X's calls of the last hour
   * as evidence.
   */
  const evidenceCalls1h = (delayMs: number) => {
    const x = mobile(31, '138');
    const y = mobile(32, '138');
    const edge = T0 + 2 * HOUR;
    const tr = new Traffic();
    tr.noAnswer(T0 + 10 * MIN, y, x);
    tr.noAnswer(edge + 30 * SEC, y, stranger(50));
    tr.answered(edge - 10 * SEC, x, y, 45, { delayMs });
    for (let i = 0; i < 8; i++) tr.noAnswer(edge + (1 + 2 * i) * MIN, x, stranger(51));
    const e = engine();
    const played = play(e, tr.inputs());
    expect(e.stats().late).toBe(0);
    return withRule(flagsOf(played.flags, x), 'CALL_BOMBING')[0].evidence.calls1h;
  };

  it('count in the caller’s own windows, as when delivered in order', () => {
    // 8 attempts this hour + the callback 15 minutes into the hour, weighing 3/4: 8.75.
    expect([evidenceCalls1h(0), evidenceCalls1h(60 * SEC)]).toEqual([9, 9]);
  });
});

describe('a complaint running ahead of the calls', () => {
  /** A telemarketer ringing 40 strangers, 90 s apart; with `ahead`, one complaint about it, three hours ahead of its calls, delivered after its third. */
  const telemarketer = (ahead: boolean) => {
    const x = mobile(5, '138');
    const tr = new Traffic();
    for (let i = 0; i < 40; i++) {
      tr.noAnswer(T0 + i * 90 * SEC, x, stranger(100 + i));
      if (ahead && i === 2) tr.complaint(T0 + 3 * HOUR, stranger(999), x, { delayMs: i * 90 * SEC + 1 - 3 * HOUR });
    }
    const e = engine();
    const { flags, results } = play(e, tr.inputs());
    expect(results.every((r) => r === 'accepted')).toBe(true);
    return flagsOf(flags, x).map((f) => `${f.severity} ${f.detectedAt - T0} ${f.reasons.map((r) => r.rule).join(',')} calls1h=${f.evidence.calls1h}`);
  };

  it('does not discard the reported number’s call counts (the calls are judged as without it)', () => {
    const without = telemarketer(false);
    expect(without).not.toEqual([]);
    expect(telemarketer(true)).toEqual(without);
  });
});

describe('duplicates', () => {
  it('counts a redelivered eventId once: seven attempts delivered twice are not call bombing', () => {
    const e = engine();
    const tr = new Traffic();
    for (let i = 0; i < 7; i++) {
      const ev = tr.noAnswer(T0 + i * 3 * MIN, CALLER, VICTIM);
      tr.redeliver(T0 + i * 3 * MIN + 30 * SEC, ev);
    }
    const { results, flags } = play(e, tr.inputs());
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(7);
    expect(e.stats()).toMatchObject({ calls: 7, duplicates: 7 });
    expect(withRule(flags, 'CALL_BOMBING')).toEqual([]);
  });

  it('an eighth distinct attempt does make it call bombing (the duplicates were the only thing missing)', () => {
    const tr = new Traffic();
    for (let i = 0; i < 8; i++) {
      const ev = tr.noAnswer(T0 + i * 3 * MIN, CALLER, VICTIM);
      tr.redeliver(T0 + i * 3 * MIN + 30 * SEC, ev);
    }
    expect(withRule(play(engine(), tr.inputs()).flags, 'CALL_BOMBING')).not.toEqual([]);
  });

  it('counts a redelivered reportId once: two reporters reporting three times each are not three reporters', () => {
    const e = engine();
    const tr = new Traffic();
    const reported = mobile(5, '138');
    for (const reporter of [stranger(1), stranger(2)]) {
      const r = tr.complaint(T0, reporter, reported);
      tr.complaint(T0 + MIN, reporter, reported, { reportId: r.reportId });
      tr.complaint(T0 + 2 * MIN, reporter, reported, { reportId: r.reportId });
    }
    const { flags } = play(e, tr.inputs());
    expect(e.stats()).toMatchObject({ complaints: 2, duplicates: 4 });
    expect(atLeast(flags, 'LABEL')).toEqual([]);
    expect(flagsOf(flags, reported).map((f) => f.reasons.find((r) => r.rule === 'COMPLAINTS')?.value)).toEqual([2]);
  });

  it('keeps eventIds and reportIds apart even when a call id looks like a prefixed report id', () => {
    const e = engine();
    const tr = new Traffic();
    tr.noAnswer(T0, CALLER, VICTIM, { eventId: 'r:r0' });
    tr.complaint(T0 + MIN, VICTIM, CALLER, { reportId: 'r0' });
    expect(play(e, tr.inputs()).results).toEqual(['accepted', 'accepted']);
    expect(e.stats().duplicates).toBe(0);
  });

  it('keeps eventIds and reportIds apart', () => {
    const e = engine();
    const tr = new Traffic();
    tr.noAnswer(T0, CALLER, VICTIM, { eventId: 'same-id' });
    tr.complaint(T0 + MIN, VICTIM, CALLER, { reportId: 'same-id' });
    expect(play(e, tr.inputs()).results).toEqual(['accepted', 'accepted']);
    expect(e.stats().duplicates).toBe(0);
  });
});

describe('window boundaries', () => {
  /** Seven attempts in the first 3000 s, the eighth `lastAt` after the first. */
  const bombing = (lastAt: number) => {
    const tr = new Traffic();
    for (let i = 0; i < 7; i++) tr.noAnswer(T0 + i * 500 * SEC, CALLER, VICTIM);
    tr.noAnswer(T0 + lastAt, CALLER, VICTIM);
    return play(engine(), tr.inputs()).flags;
  };

  it('call bombing: the eighth attempt exactly one window after the first still counts', () => {
    expect(withRule(bombing(HOUR), 'CALL_BOMBING')).toHaveLength(1);
  });

  it('call bombing: one second later the window has closed', () => {
    expect(withRule(bombing(HOUR + SEC), 'CALL_BOMBING')).toEqual([]);
  });

  it('call bombing: eight attempts within an hour across a window end count (one, then runs of four at 56–59 and 61–64 min)', () => {
    const tr = new Traffic();
    const at = [0, 56, 57, 58, 59, 61, 62, 63, 64].map((m) => T0 + m * MIN);
    for (const t of at) tr.noAnswer(t, CALLER, VICTIM);
    expect(withRule(play(engine(), tr.inputs()).flags, 'CALL_BOMBING').map((f) => f.reasons.find((r) => r.rule === 'CALL_BOMBING')?.value)).toEqual([8]);
  });

  it('call bombing: a window\'s attempts long before the next window do not count with it (seven at 0–6 min, two at 110–111 min)', () => {
    const tr = new Traffic();
    for (const m of [0, 1, 2, 3, 4, 5, 6, 110, 111]) tr.noAnswer(T0 + m * MIN, CALLER, VICTIM);
    expect(withRule(play(engine(), tr.inputs()).flags, 'CALL_BOMBING')).toEqual([]);
  });

  it('call bombing: thirteen attempts within an hour across a window end are bombing, however the windows fall', () => {
    for (const offset of [0, 7, 25, 44]) {
      const tr = new Traffic();
      for (let i = 0; i < 13; i++) tr.noAnswer(T0 + offset * MIN + 50 * MIN + i * 4 * MIN, CALLER, VICTIM);
      expect(withRule(play(engine(), tr.inputs()).flags, 'CALL_BOMBING'), `offset ${offset} min`).toHaveLength(1);
    }
  });

  /** A rejection, a repeat an hour later, and a second repeat `lastAt` after the rejection. */
  const repeats = (lastAt: number) => {
    const tr = new Traffic();
    tr.rejected(T0, CALLER, VICTIM);
    tr.noAnswer(T0 + HOUR, CALLER, VICTIM);
    tr.noAnswer(T0 + lastAt, CALLER, VICTIM);
    return play(engine(), tr.inputs()).flags;
  };

  it('rejection memory: a repeat exactly 7 days after the rejection still counts', () => {
    expect(withRule(repeats(7 * DAY), 'REJECTION_REPEAT')).toHaveLength(1);
  });

  it('rejection memory: a second later the rejection is forgotten', () => {
    expect(repeats(7 * DAY + SEC)).toEqual([]);
  });

  /** Three distinct reporters, the third `lastAt` after the first. */
  const complaints = (lastAt: number) => {
    const tr = new Traffic();
    const reported = mobile(5, '138');
    tr.complaint(T0, stranger(1), reported);
    tr.complaint(T0 + DAY, stranger(2), reported);
    tr.complaint(T0 + lastAt, stranger(3), reported);
    return play(engine(), tr.inputs()).flags;
  };

  it('complaints: three reporters within 30 days are a LABEL', () => {
    expect(maxSeverity(complaints(30 * DAY - SEC))).toBe('LABEL');
  });

  it('complaints: exactly 30 days later the first complaint has aged out', () => {
    expect(maxSeverity(complaints(30 * DAY))).toBe('WATCH');
  });

  it('complaints: one delivered after a later reporter\'s (a slower channel) still makes the second reporter, judged at the later time', () => {
    const tr = new Traffic();
    const reported = mobile(5, '138');
    tr.complaint(T0 + HOUR, stranger(1), reported); // by app, at once
    tr.complaint(T0, stranger(2), reported, { delayMs: 3 * HOUR }); // by hotline, three hours on
    const flags = play(engine(), tr.inputs()).flags;
    expect(flags.map((f) => [f.severity, f.detectedAt, f.evidence.distinctReporters])).toEqual([['WATCH', T0 + HOUR, 2]]);
    // The same two reporters in order give the same flag.
    const inOrder = new Traffic();
    inOrder.complaint(T0, stranger(2), reported);
    inOrder.complaint(T0 + HOUR, stranger(1), reported);
    expect(play(engine(), inOrder.inputs()).flags.map((f) => [f.severity, f.detectedAt, f.flagId])).toEqual(flags.map((f) => [f.severity, f.detectedAt, f.flagId]));
  });

  it('complaints: one reporter about two numbers is one reporter for each, never enough', () => {
    const tr = new Traffic();
    tr.complaint(T0, stranger(1), mobile(5, '138'));
    tr.complaint(T0 + MIN, stranger(1), mobile(6, '138'));
    tr.complaint(T0 + 2 * MIN, stranger(1), mobile(5, '138'), { delayMs: HOUR });
    expect(play(engine(), tr.inputs()).flags).toEqual([]);
  });

  /** Ten cancelled attempts at strangers in ten minutes, each ringing `ringMs`. */
  const ringOnce = (ringMs: number) => {
    const tr = new Traffic();
    for (let i = 0; i < 10; i++) tr.cancelled(T0 + i * MIN, CALLER, stranger(i), ringMs);
    return play(engine(), tr.inputs()).flags;
  };

  it('ring-once: a cancelled attempt ringing exactly maxRingMs counts', () => {
    expect(withRule(ringOnce(8 * SEC), 'RING_ONCE')).not.toEqual([]);
  });

  it('ring-once: one ringing a millisecond longer does not', () => {
    expect(withRule(ringOnce(8 * SEC + 1), 'RING_ONCE')).toEqual([]);
  });
});
