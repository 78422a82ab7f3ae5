import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/index.ts';
import { emptySignals, wilsonUpper, type Signals } from '../signals.ts';
import { verdict } from '../verdict.ts';
import { lowAnswerFanout } from './low-answer-fanout.ts';
import { ringOnce } from './ring-once.ts';

const cfg = defaultConfig();
const c = cfg.rules;
const MAX = c.lowAnswerFanout.maxAnswerRate;
const LOOKS_Z = c.lowAnswerFanout.z;
const PER_HOUR = c.lowAnswerFanout.strangersPerHour;
const sig = (o: Partial<Signals>): Signals => ({ ...emptySignals(), ...o });

/** `n` distinct strangers in the last hour (and day), each called once, `engaged` of them answered. */
const hour = (n: number, engaged: number, callbacks = 0) =>
  sig({
    newStrangers1h: n,
    strangerCalls1h: n,
    strangerAnswered1h: engaged,
    callbacks1h: callbacks,
    newStrangers24h: n,
    strangerCalls24h: n,
    strangerAnswered24h: engaged,
    callbacks24h: callbacks,
  });

describe('LOW_ANSWER_FANOUT', () => {
  it('does not look at fewer distinct strangers than the thresholds, however few answer', () => {
    expect(lowAnswerFanout(hour(c.lowAnswerFanout.strangersPerHour - 1, 0), c)).toBeNull();
    expect(lowAnswerFanout(sig({ newStrangers24h: c.lowAnswerFanout.strangersPerDay - 1, strangerCalls24h: 24 }), c)).toBeNull();
  });

  it('fires at exactly the hourly fan-out with nobody answering: LABEL on its own, with the contract fields', () => {
    const r = lowAnswerFanout(hour(PER_HOUR, 0), c);
    expect(r).toMatchObject({ rule: 'LOW_ANSWER_FANOUT', window: '1h', value: 0, threshold: MAX });
    expect(r!.points).toBeCloseTo(50 + 25 * (1 - wilsonUpper(0, PER_HOUR, LOOKS_Z) / MAX), 6);
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('fires on the daily fan-out alone, reporting the 24h window', () => {
    const r = lowAnswerFanout(
      sig({ newStrangers1h: 3, strangerCalls1h: 3, newStrangers24h: 25, strangerCalls24h: 25, strangerAnswered24h: 5 }),
      c,
    );
    expect(r).toMatchObject({ window: '24h', value: 0.2, threshold: MAX });
  });

  it('fires on the day at exactly its fan-out (strangersPerDay), not one below', () => {
    const per = c.lowAnswerFanout.strangersPerDay;
    const day = (n: number) => sig({ newStrangers1h: 2, strangerCalls1h: 2, newStrangers24h: n, strangerCalls24h: n });
    expect(lowAnswerFanout(day(per), c)).toMatchObject({ window: '24h', value: 0 });
    expect(lowAnswerFanout(day(per - 1), c)).toBeNull();
  });

  it('judges the upper confidence bound (99 %: a number is judged again at every call), so a small sample never looks low by chance', () => {
    for (const n of [Math.max(12, PER_HOUR), 100]) {
      // k engaged of n is the most that still fires; k + 1 is under the maximum too, but not clearly.
      let k = 0;
      while (wilsonUpper(k + 1, n, LOOKS_Z) <= MAX) k++;
      expect((k + 1) / n).toBeLessThan(MAX);
      expect(lowAnswerFanout(hour(n, k), c), `${k}/${n}`).not.toBeNull();
      expect(lowAnswerFanout(hour(n, k + 1), c), `${k + 1}/${n}`).toBeNull();
    }
  });

  it('points fall towards 50 as the bound nears the maximum (still LABEL when it fires)', () => {
    let k = 0;
    while (wilsonUpper(k + 1, 100, LOOKS_Z) <= MAX) k++;
    const weak = lowAnswerFanout(hour(100, k), c)!;
    const strong = lowAnswerFanout(hour(100, 5), c)!;
    expect(weak.points).toBeLessThan(strong.points);
    expect(weak.points).toBeGreaterThanOrEqual(50);
  });

  it('leaves a courier alone: many strangers, most of them answer', () => {
    const courier = sig({ newStrangers1h: 10, strangerCalls1h: 10, strangerAnswered1h: 8, newStrangers24h: 80, strangerCalls24h: 80, strangerAnswered24h: 64 });
    expect(lowAnswerFanout(courier, c)).toBeNull();
  });

  it('judges a number in its first hour alike by the hour and by the day: a clinic\'s patients who talk are engagement in both', () => {
    // 30 patients in a clinic's first hour, 10 answered and 8 of them talked past acquaintanceTalkSec: their
    // callbacks cannot have come yet. The day is that hour; judged without the conversations, 10 of 30 fired by day.
    const firstHour = sig({ ...hour(30, 10), strangerTalked1h: 8, strangerTalked24h: 8 });
    expect(lowAnswerFanout(firstHour, c)).toBeNull();
    // The same hour without the conversations (pitches hung up on after a few seconds' talk) still fires.
    expect(lowAnswerFanout(hour(30, 10), c)).not.toBeNull();
  });

  it('judges a day of several hours (at least twice the hour\'s strangers) on its own count, without the hour\'s conversations again', () => {
    const s = sig({
      ...{ newStrangers1h: 10, strangerCalls1h: 10, strangerAnswered1h: 3, strangerTalked1h: 3 },
      ...{ newStrangers24h: 20, strangerCalls24h: 20, strangerAnswered24h: 6, strangerTalked24h: 3 },
    });
    // 6 of 20 engaged over the day (the hour, 6 of 10 counting its conversations twice, is not low).
    expect(lowAnswerFanout(s, c)).toMatchObject({ window: '24h', value: 0.3 });
    // One stranger fewer and the day is mostly its last hour: the hour's 3 conversations count in it too (9 of 19), not low.
    expect(lowAnswerFanout({ ...s, newStrangers24h: 19, strangerCalls24h: 19 }, c)).toBeNull();
  });

  it('counts callbacks as engagement, like answers', () => {
    expect(lowAnswerFanout(hour(30, 3), c)).not.toBeNull();
    expect(lowAnswerFanout(hour(30, 3, 15), c)).toBeNull();
  });

  it('a telemarketer (~15% answered) is a LABEL on its own', () => {
    const r = lowAnswerFanout(hour(30, 4.5), c);
    expect(verdict([r!], cfg.severity).severity).toBe('LABEL');
  });

  it('prefers the hourly window when both qualify', () => {
    const r = lowAnswerFanout(sig({ newStrangers1h: PER_HOUR, strangerCalls1h: PER_HOUR, newStrangers24h: 200, strangerCalls24h: 200, strangerAnswered24h: 80 }), c);
    expect(r?.window).toBe('1h');
  });

  it('adds up to 10 points for fan-out, reached at 3× the threshold, and stays a single-signal LABEL', () => {
    const at = lowAnswerFanout(hour(1200, 0), c)!;
    const triple = lowAnswerFanout(hour(3 * PER_HOUR, 0), c)!;
    const base = lowAnswerFanout(hour(PER_HOUR, 0), c)!;
    const lowness = (n: number) => 25 * (1 - wilsonUpper(0, n, LOOKS_Z) / MAX);
    expect(triple.points - base.points).toBeCloseTo(10 + lowness(3 * PER_HOUR) - lowness(PER_HOUR), 6);
    expect(at.points).toBeLessThanOrEqual(85);
    expect(verdict([at], cfg.severity).severity).toBe('LABEL');
  });

  it('judges the rate per callee: retrying the customers who missed a call does not dilute it', () => {
    // 30 customers, 60 calls (each unanswered one retried), 20 of the 30 engaged: a courier, not a marketer.
    const courier = sig({ newStrangers1h: 30, strangerCalls1h: 60, strangerAnswered1h: 20, newStrangers24h: 30, strangerCalls24h: 60, strangerAnswered24h: 20 });
    expect(lowAnswerFanout(courier, c)).toBeNull();
    // 30 strangers, 3 engaged, however many calls: 10 %.
    const marketer = sig({ newStrangers1h: 30, strangerCalls1h: 90, strangerAnswered1h: 3, newStrangers24h: 30, strangerCalls24h: 90, strangerAnswered24h: 3 });
    expect(lowAnswerFanout(marketer, c)?.value).toBe(0.1);
  });

  it('is vetoed by a day of engaged callees: one bad hour of a clinic is not marketing', () => {
    const badHour = { newStrangers1h: 12, strangerCalls1h: 12, strangerAnswered1h: 1 };
    expect(lowAnswerFanout(sig({ ...badHour, newStrangers24h: 12, strangerCalls24h: 12, strangerAnswered24h: 1 }), c)).not.toBeNull();
    expect(lowAnswerFanout(sig({ ...badHour, newStrangers24h: 150, strangerCalls24h: 180, strangerAnswered24h: 90 }), c)).toBeNull();
  });

  it('judges a day spread over several hours by the single-test 95 % bound, a burst by the 99 % one', () => {
    // 20 strangers, 6 engaged (30 %): clearly low at 95 %, not at 99 %.
    expect(wilsonUpper(6, 20)).toBeLessThanOrEqual(MAX);
    expect(wilsonUpper(6, 20, LOOKS_Z)).toBeGreaterThan(MAX);
    const day = { newStrangers24h: 20, strangerCalls24h: 20, strangerAnswered24h: 6 };
    expect(lowAnswerFanout(sig({ ...day, newStrangers1h: 3, strangerCalls1h: 3 }), c)?.window).toBe('24h');
    expect(lowAnswerFanout(sig({ ...day, newStrangers1h: 12, strangerCalls1h: 12, strangerAnswered1h: 4 }), c)).toBeNull();
  });

  it('never reports a rate above its threshold', () => {
    let fired = 0;
    for (let engaged = 0; engaged <= 200; engaged++) {
      const r = lowAnswerFanout(hour(200, engaged), c);
      if (!r) continue;
      fired++;
      expect(Math.abs(r.value - engaged / 200)).toBeLessThanOrEqual(0.05 + 1e-9); // the rate, to one decimal
      expect(r.value).toBeLessThanOrEqual(r.threshold);
    }
    // It fires for the low rates and stays silent for the rest (rates near and above the maximum).
    expect(fired).toBeGreaterThan(50);
    expect(fired).toBeLessThan(Math.ceil(MAX * 200));
  });

  it('reads its thresholds from the config', () => {
    const custom = { ...c, lowAnswerFanout: { ...c.lowAnswerFanout, strangersPerHour: 5, strangersPerDay: 10, maxAnswerRate: 0.2 } };
    expect(lowAnswerFanout(hour(50, 2), custom)?.threshold).toBe(0.2);
    expect(lowAnswerFanout(hour(50, 8), custom)).toBeNull();
    expect(lowAnswerFanout(hour(30, 0), custom)).not.toBeNull();
    expect(lowAnswerFanout(sig({ newStrangers1h: 4, strangerCalls1h: 40, newStrangers24h: 4, strangerCalls24h: 40 }), custom)).toBeNull();
  });

  it('does not judge the rate low when the engagement count is at the counters\' ceiling (a lower bound only)', () => {
    // 131,070 strangers over the day, 55,000 engaged as read (yesterday's callbacks stopped at 65,535): 0.42 would read as low.
    const day = { newStrangers24h: 131_070, strangerCalls24h: 131_070, strangerAnswered24h: 5_000, callbacks24h: 50_000 };
    expect(lowAnswerFanout(sig(day), c)).not.toBeNull();
    expect(lowAnswerFanout(sig({ ...day, engagement24hSaturated: true }), c)).toBeNull();
  });

  it('still judges a rate whose distinct strangers are at the ceiling (the rate is then an upper bound)', () => {
    expect(lowAnswerFanout(sig({ newStrangers24h: 65_535, strangerCalls24h: 65_535, strangerAnswered24h: 1_000 }), c)).toMatchObject({ rule: 'LOW_ANSWER_FANOUT' });
  });

  it('leaves alone a day whose strangers plainly pick up, however short the talks (a rider\'s "I\'m downstairs")', () => {
    // 30 customers over the day, 6 stayed past the short-call cut: engagement 0.2, a LABEL on engagement alone.
    const day = { newStrangers1h: 4, strangerCalls1h: 4, newStrangers24h: 30, strangerCalls24h: 38, strangerAnswered24h: 6 };
    expect(lowAnswerFanout(sig(day), c)).toMatchObject({ rule: 'LOW_ANSWER_FANOUT', window: '24h' });
    // 26 of the 30 picked up: the 95 % lower bound (0.72) is above the maximum, the answer rate is not low.
    expect(1 - wilsonUpper(4, 30)).toBeGreaterThan(MAX);
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 26 }), c)).toBeNull();
    // 16 of 30 (0.53) is neither plainly above the maximum (lower bound 0.38) nor plausibly a public that mostly
    // answers (upper bound 0.68 ≤ 0.75): judged on engagement as before.
    expect(1 - wilsonUpper(14, 30)).toBeLessThanOrEqual(MAX);
    expect(wilsonUpper(16, 30)).toBeLessThanOrEqual(c.lowAnswerFanout.mostlyAnswered);
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 16 }), c)).not.toBeNull();
    // 20 of 30 (0.67) is not plainly above the maximum (lower bound 0.52), but the public may well mostly answer
    // (upper bound 0.79): the answer rate is not shown to be low.
    expect(1 - wilsonUpper(10, 30)).toBeLessThanOrEqual(MAX);
    expect(wilsonUpper(20, 30)).toBeGreaterThan(c.lowAnswerFanout.mostlyAnswered);
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 20 }), c)).toBeNull();
    // Unless most of the day's calls go unanswered: 26 of 30 strangers picked up at some try, but 29 of 60 calls
    // answered (redialling until they pick up) is a public that answers under half the calls, not a rider's customers.
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 26, calls24h: 60, answered24h: 29 }), c)).not.toBeNull();
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 26, calls24h: 60, answered24h: 30 }), c)).toBeNull();
    // A pick-up count at the counters' ceiling is a lower bound: the share is unknown, never plainly high.
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 26, strangerPickedUp24hSaturated: true }), c)).not.toBeNull();
  });

  it('judges a first hour whose strangers plainly do not mostly pick up, and leaves alone one that may be a rider\'s', () => {
    // Six strangers, none stayed on the line: the hour's engagement bound is low. Two of six picked up for seconds:
    // the share's upper bound (0.70) rules out a public that mostly answers, so the rate is low.
    expect(wilsonUpper(2, PER_HOUR)).toBeLessThanOrEqual(c.lowAnswerFanout.mostlyAnswered);
    expect(lowAnswerFanout(sig({ ...hour(PER_HOUR, 0), strangerPickedUp24h: 2 }), c)).toMatchObject({ window: '1h' });
    // Four of six (upper bound 0.88): a rider's first customers saying "coming down" look the same, and nothing yet
    // shows the answer rate low; a telemarketer so answered waits for more strangers (or for complaints).
    expect(wilsonUpper(4, PER_HOUR)).toBeGreaterThan(c.lowAnswerFanout.mostlyAnswered);
    expect(lowAnswerFanout(sig({ ...hour(PER_HOUR, 0), strangerPickedUp24h: 4 }), c)).toBeNull();
    // Three of six (0.5, upper bound 0.81) is not above the maximum at all: nothing shows a public that mostly
    // answers, and the hour is judged.
    expect(wilsonUpper(3, PER_HOUR)).toBeGreaterThan(c.lowAnswerFanout.mostlyAnswered);
    expect(lowAnswerFanout(sig({ ...hour(PER_HOUR, 0), strangerPickedUp24h: 3 }), c)).toMatchObject({ window: '1h' });
    // Four of six picked up, in ten calls of which four answered (the other two redialled twice each): under half
    // the calls answered, judged.
    expect(lowAnswerFanout(sig({ ...hour(PER_HOUR, 0), calls24h: 10, answered24h: 4, strangerPickedUp24h: 4 }), c)).toMatchObject({ window: '1h' });
    // With mostlyAnswered at 1 (off), four of six is judged again, as before the setting.
    const off = { ...c, lowAnswerFanout: { ...c.lowAnswerFanout, mostlyAnswered: 1 } };
    expect(lowAnswerFanout(sig({ ...hour(PER_HOUR, 0), strangerPickedUp24h: 4 }), off)).toMatchObject({ window: '1h' });
  });

  it('leaves alone a day whose strangers who picked up stayed on the line (a survey, a clinic), not a pitch hung up on', () => {
    // 60 strangers over the day, 24 engaged (0.40), this hour's 6 with nobody engaged: a LABEL on engagement alone.
    const day = { newStrangers1h: 6, strangerCalls1h: 6, newStrangers24h: 60, strangerCalls24h: 60, strangerAnswered24h: 24, strangerPickedUp24h: 24 };
    expect(lowAnswerFanout(sig(day), c)).toMatchObject({ rule: 'LOW_ANSWER_FANOUT' });
    // 23 of the 24 who picked up talked 30 s or more: the share's 95 % lower bound (0.82) is above listenedThrough (0.8).
    expect(1 - wilsonUpper(1, 24, 1.645)).toBeGreaterThanOrEqual(c.lowAnswerFanout.listenedThrough);
    expect(lowAnswerFanout(sig({ ...day, strangerTalked24h: 23 }), c)).toBeNull();
    // 20 of 24 (0.83) is not shown to be above it (lower bound 0.67): a pitch some listened to.
    expect(lowAnswerFanout(sig({ ...day, strangerTalked24h: 20 }), c)).not.toBeNull();
    // A pitch most hang up on within seconds: 60 picked up, 45 of them under the short-call cut, the 15 who stayed
    // past it all talking. The share is over those who picked up (15 of 60), not over the 15 engaged.
    const pitch = { ...day, strangerAnswered24h: 15, strangerTalked24h: 15, strangerPickedUp24h: 60, newStrangers24h: 200, strangerCalls24h: 200 };
    expect(lowAnswerFanout(sig(pitch), c)).not.toBeNull();
    // A pick-up count at the counters' ceiling is no share.
    expect(lowAnswerFanout(sig({ ...day, strangerTalked24h: 24, strangerPickedUp24hSaturated: true }), c)).not.toBeNull();
    // listenedThrough 1 turns it off.
    const off = { ...c, lowAnswerFanout: { ...c.lowAnswerFanout, listenedThrough: 1 } };
    expect(lowAnswerFanout(sig({ ...day, strangerTalked24h: 24 }), off)).not.toBeNull();
  });

  it('needs listenedMin strangers who picked up before it reads their talks', () => {
    const lenient = { ...c, lowAnswerFanout: { ...c.lowAnswerFanout, listenedThrough: 0.6 } };
    const day = { newStrangers1h: 6, strangerCalls1h: 6, newStrangers24h: 60, strangerCalls24h: 60, strangerAnswered24h: 9, strangerTalked24h: 9 };
    // Nine of nine talked (lower bound 0.76 ≥ 0.6), but nine are under listenedMin (10).
    expect(1 - wilsonUpper(0, 9, 1.645)).toBeGreaterThanOrEqual(0.6);
    expect(lowAnswerFanout(sig({ ...day, strangerPickedUp24h: 9 }), lenient)).not.toBeNull();
    expect(lowAnswerFanout(sig({ ...day, strangerAnswered24h: 10, strangerTalked24h: 10, strangerPickedUp24h: 10 }), lenient)).toBeNull();
  });

  it('steps aside on a window mostly rung once: calls cancelled within a ring gave nobody the chance to answer', () => {
    const { perHour, minShare } = c.ringOnce;
    const lure = (ringOnce: number, calls: number) => sig({ ...hour(PER_HOUR, 0), calls1h: calls, ringOnce1h: ringOnce, calls24h: calls, ringOnce24h: ringOnce });
    const judged = lure(perHour, perHour);
    expect(ringOnce(judged, c)).toMatchObject({ window: '1h' });
    expect(lowAnswerFanout(judged, c)).toBeNull();
    // One call of the first six failed: the fan-out's six strangers come before RING_ONCE's count. It still steps
    // aside (else the lure would be labelled as telemarketing for good); the next lure reaches RING_ONCE's count.
    const early = lure(perHour - 1, perHour);
    expect(ringOnce(early, c)).toBeNull();
    expect(lowAnswerFanout(early, c)).toBeNull();
    // A share under the minimum: the calls that rang out show the rate.
    const calls = Math.ceil(perHour / minShare) + 1;
    const minority = lure(perHour, calls);
    expect(ringOnce(minority, c)).toBeNull();
    expect(lowAnswerFanout(minority, c)).toMatchObject({ window: '1h', value: 0 });
    // A call count at the counters' ceiling gives no share: the fan-out judges.
    expect(lowAnswerFanout({ ...judged, calls1hSaturated: true }, c)).toMatchObject({ window: '1h' });
    // Only the window judged counts: an hour of unanswered pitches that rang out, after a day of lures, is judged.
    const pitches = { ...hour(PER_HOUR, 0), calls1h: PER_HOUR, ringOnce1h: 0, newStrangers24h: 30, strangerCalls24h: 30, calls24h: 30, ringOnce24h: 20 };
    expect(ringOnce(pitches, c)).toMatchObject({ window: '24h' });
    expect(lowAnswerFanout(pitches, c)).toMatchObject({ window: '1h', value: 0 });
    // A day judged by the fan-out, mostly rung once: RING_ONCE's.
    const day = sig({ newStrangers1h: 2, strangerCalls1h: 2, calls1h: 2, ringOnce1h: 2, newStrangers24h: 30, strangerCalls24h: 30, calls24h: 30 });
    expect(lowAnswerFanout(day, c)).toMatchObject({ window: '24h' });
    expect(lowAnswerFanout({ ...day, ringOnce24h: 15 }, c)).toBeNull();
  });
});
