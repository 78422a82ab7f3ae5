/**
 * SWARM_BOMBING through the whole engine: many numbers flooding one victim,
 * each under CALL_BOMBING's threshold, against the look-alikes that must not
 * be labelled (a busy shop whose customers retry, a hotline people redial,
 * a family ringing a relative who does not pick up).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/index.ts';
import { createEngine, InboundSwarms } from './index.ts';
import { DAY, HOUR, MIN, SEC, T0, Traffic, atLeast, flagsOf, mobile, play, rng, stranger, withRule } from './testing/calls.ts';

const engine = () => createEngine(defaultConfig(), { now: () => 0 });
const VICTIM = mobile(777, '136');

/** `numbers` callers each ringing `callee` `each` times within 40 minutes, interleaved; the callee never engages. */
function swarm(tr: Traffic, callers: string[], callee: string, each: number, start = T0): void {
  const random = rng(11);
  for (let k = 0; k < each; k++) {
    callers.forEach((c, i) => {
      const at = start + k * 12 * MIN + i * 20 * SEC + Math.floor(random() * 10 * SEC);
      if (random() < 0.5) tr.rejected(at, c, callee);
      else tr.noAnswer(at, c, callee);
    });
  }
}

/** Each of `callers` tries the victim twice (unanswered, then rejected), one caller after another, two minutes apart; none calls again. */
function twoTriesInTurn(callers: string[], start = T0): Traffic {
  const tr = new Traffic();
  callers.forEach((c, i) => {
    tr.noAnswer(start + i * 2 * MIN, c, VICTIM);
    tr.rejected(start + i * 2 * MIN + 30 * SEC, c, VICTIM);
  });
  return tr;
}

describe('SWARM_BOMBING in the engine', () => {
  it('labels every number of a swarm that keeps calling, though none reaches CALL_BOMBING', () => {
    const callers = Array.from({ length: 10 }, (_, i) => stranger(i, '170'));
    const tr = new Traffic();
    swarm(tr, callers, VICTIM, 4);
    const { flags } = play(engine(), tr.inputs());
    expect(withRule(flags, 'CALL_BOMBING')).toEqual([]);
    for (const c of callers) {
      const mine = withRule(atLeast(flagsOf(flags, c), 'LABEL'), 'SWARM_BOMBING');
      expect(mine.length, c).toBeGreaterThan(0);
      const reason = mine[0].reasons.find((r) => r.rule === 'SWARM_BOMBING')!;
      expect(reason.threshold).toBe(6);
      expect(reason.value).toBeGreaterThanOrEqual(6);
    }
  });

  it('labels the numbers that rang before the swarm was recognised, though they never call again', () => {
    // Twelve numbers, two tries each in turn: the 23rd try makes the victim's
    // silence clear; the numbers before it have had their say already.
    const callers = Array.from({ length: 12 }, (_, i) => stranger(i, '171'));
    const tr = twoTriesInTurn(callers);
    const { flags } = play(engine(), tr.inputs());
    const labelled = new Set(withRule(atLeast(flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled).toEqual(new Set(callers));
    // Each once: recognition judges the earlier numbers a single time.
    expect(withRule(flags, 'SWARM_BOMBING').length).toBe(callers.length);
  });

  it('labels the numbers that rang before the swarm was recognised across the hour\'s edge (one burst, two epochs of the load)', () => {
    // The same twelve numbers from 20 minutes before the hour (T0 is 02:00 UTC): ten have rung twice before 02:00,
    // and the swarm is recognised just after it, on a load that still counts their tries (the previous window's).
    const callers = Array.from({ length: 12 }, (_, i) => stranger(i, '171'));
    const tr = twoTriesInTurn(callers, T0 - 20 * MIN);
    const { flags } = play(engine(), tr.inputs());
    const labelled = new Set(withRule(atLeast(flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled).toEqual(new Set(callers));
    expect(withRule(flags, 'SWARM_BOMBING').length).toBe(callers.length);
  });

  /**
   * A rider rings the customer `unanswered` times from 20 minutes before T0 (a minute apart), then the customer takes
   * its next call for 30 s; twenty numbers start ringing the customer twice each 25 minutes later. The numbers
   * labelled SWARM_BOMBING.
   */
  const riderBeforeSwarm = (rider: string, unanswered: number): Set<string> => {
    const callers = Array.from({ length: 20 }, (_, i) => stranger(i, '171'));
    const tr = twoTriesInTurn(callers, T0 + 10 * MIN);
    for (let i = 0; i < unanswered; i++) tr.noAnswer(T0 - 20 * MIN + i * MIN, rider, VICTIM);
    tr.call(T0 - 15 * MIN, rider, VICTIM, { outcome: 'ANSWERED', talkMs: 30 * SEC });
    const labelled = new Set(withRule(atLeast(play(engine(), tr.inputs()).flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled).toEqual(new Set(callers));
    return labelled;
  };

  it('a stranger the victim talked to before the swarm fell on it is not judged with the swarm', () => {
    // Reached at the second try: the rider repeated at the callee within the window, but was taken up, not refused.
    expect(riderBeforeSwarm(stranger(900, '152'), 1).has(stranger(900, '152'))).toBe(false);
  });

  it('a stranger that joined the swarm and was then talked to leaves it: not judged with the swarm', () => {
    // Its second unanswered try joins the customer's list; the customer takes its third call.
    expect(riderBeforeSwarm(stranger(901, '152'), 2).has(stranger(901, '152'))).toBe(false);
  });

  it('five numbers are not yet a swarm; two tries each from ten numbers are too few to judge', () => {
    const five = new Traffic();
    swarm(five, Array.from({ length: 5 }, (_, i) => stranger(i, '170')), VICTIM, 4);
    expect(withRule(play(engine(), five.inputs()).flags, 'SWARM_BOMBING')).toEqual([]);
    const twice = new Traffic();
    swarm(twice, Array.from({ length: 10 }, (_, i) => stranger(i, '170')), VICTIM, 2);
    // 20 tries without an answer: the 99 % bound on the victim's engagement is still above 0.2.
    expect(withRule(play(engine(), twice.inputs()).flags, 'SWARM_BOMBING')).toEqual([]);
  });

  it('a busy shop whose customers retry until it answers (a third of the tries): no label', () => {
    const shop = mobile(888, '135');
    const random = rng(3);
    const tr = new Traffic();
    const customers = Array.from({ length: 40 }, (_, i) => stranger(100 + i, '151'));
    customers.forEach((c, i) => {
      let at = T0 + i * 75 * SEC;
      for (let attempt = 0; attempt < 4; attempt++) {
        if (random() < 0.35) {
          tr.answered(at, c, shop, 40 + Math.floor(random() * 60));
          break;
        }
        tr.noAnswer(at, c, shop);
        at += (1 + Math.floor(random() * 5)) * MIN;
      }
    });
    const { flags } = play(engine(), tr.inputs());
    expect(withRule(flags, 'SWARM_BOMBING')).toEqual([]);
    expect(atLeast(flags, 'LABEL')).toEqual([]);
  });

  it('a busy shop that answers most customers at the first try, while the unlucky ones retry in vain: no label', () => {
    // Its engagement shows in the first tries: those customers never become
    // repeaters, so counting only the repeaters' attempts (none answered
    // here) made the shop look like a bombing victim.
    const shop = mobile(887, '135');
    const tr = new Traffic();
    for (let i = 0; i < 40; i++) {
      const c = stranger(600 + i, '151');
      const at = T0 + i * 80 * SEC;
      if (i % 4 !== 0) {
        tr.answered(at, c, shop, 60);
        continue;
      }
      for (let k = 0; k < 3; k++) tr.noAnswer(at + k * 4 * MIN, c, shop);
    }
    const { flags } = play(engine(), tr.inputs());
    expect(withRule(flags, 'SWARM_BOMBING')).toEqual([]);
    expect(atLeast(flags, 'LABEL')).toEqual([]);
  });

  it('a victim who answers nobody is still a swarm\'s victim when other strangers\' calls also come in unanswered', () => {
    const callers = Array.from({ length: 10 }, (_, i) => stranger(i, '170'));
    const tr = new Traffic();
    swarm(tr, callers, VICTIM, 4);
    for (let i = 0; i < 10; i++) tr.noAnswer(T0 + i * 3 * MIN + 7 * SEC, stranger(700 + i, '152'), VICTIM);
    const labelled = new Set(withRule(atLeast(play(engine(), tr.inputs()).flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled).toEqual(new Set(callers));
  });

  it('a victim who picks up three of the flood\'s calls for a few seconds ("who is this?") is still its victim', () => {
    const callers = Array.from({ length: 10 }, (_, i) => stranger(i, '172'));
    const tr = new Traffic();
    swarm(tr, callers, VICTIM, 6);
    // Three more tries, answered for 12 s each: engaged by the short-call cut, no conversation.
    for (let k = 0; k < 3; k++) tr.answered(T0 + 5 * MIN + k * 9 * MIN, callers[k], VICTIM, 12);
    const labelled = new Set(withRule(atLeast(play(engine(), tr.inputs()).flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled.size).toBeGreaterThanOrEqual(8);
  });

  it('a small shop that had a busy hour days ago is still a victim when a flood comes', () => {
    const shop = mobile(891, '135');
    const tr = new Traffic();
    // Six days earlier: customers retry, three get through on their second try for a minute each.
    for (let i = 0; i < 6; i++) {
      const c = stranger(960 + i, '155');
      const at = T0 - 6 * 86_400_000 + i * 4 * MIN;
      tr.noAnswer(at, c, shop);
      if (i % 2 === 0) tr.answered(at + 2 * MIN, c, shop, 60);
      else tr.noAnswer(at + 2 * MIN, c, shop);
    }
    const callers = Array.from({ length: 10 }, (_, i) => stranger(i, '173'));
    swarm(tr, callers, shop, 6);
    const labelled = new Set(withRule(atLeast(play(engine(), tr.inputs()).flags, 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled).toEqual(new Set(callers));
  });

  it('people redialling a busy 95 hotline are a queue, not a swarm', () => {
    const callers = Array.from({ length: 30 }, (_, i) => stranger(200 + i, '152'));
    const tr = new Traffic();
    swarm(tr, callers, '+8695588', 4);
    expect(withRule(play(engine(), tr.inputs()).flags, 'SWARM_BOMBING')).toEqual([]);
  });

  it('a family ringing a relative who does not pick up: acquaintances never count', () => {
    const relative = mobile(999, '137');
    const family = Array.from({ length: 10 }, (_, i) => mobile(300 + i * 37, '139'));
    const tr = new Traffic();
    // Earlier: the relative called each of them (contact known both ways).
    family.forEach((f, i) => tr.answered(T0 - 3 * 86_400_000 + i * MIN, relative, f, 120));
    swarm(tr, family, relative, 4);
    expect(withRule(play(engine(), tr.inputs()).flags, 'SWARM_BOMBING')).toEqual([]);
  });

  it('sees a swarm spread over partitions when their engines share the swarm table', () => {
    const callers = Array.from({ length: 10 }, (_, i) => stranger(i, '170'));
    const tr = new Traffic();
    swarm(tr, callers, VICTIM, 4);
    const inputs = tr.inputs();
    const shared = new InboundSwarms(defaultConfig().swarmEntries);
    const engines = [0, 1].map(() => createEngine(defaultConfig(), { now: () => 0, swarms: shared }));
    const alone = [0, 1].map(() => createEngine(defaultConfig(), { now: () => 0 }));
    const part = (number: string) => callers.indexOf(number) % 2;
    const sharedFlags = [];
    const aloneFlags = [];
    for (const input of inputs) {
      if (input.kind !== 'call') continue;
      const p = part(input.event.caller);
      engines[p].onCall(input.event);
      alone[p].onCall(input.event);
    }
    for (const e of engines) sharedFlags.push(...e.drainFlags());
    for (const e of alone) aloneFlags.push(...e.drainFlags());
    // Each partition alone sees 5 numbers: not a swarm. Shared, every number is labelled.
    expect(withRule(aloneFlags, 'SWARM_BOMBING')).toEqual([]);
    expect(new Set(withRule(sharedFlags, 'SWARM_BOMBING').map((f) => f.number))).toEqual(new Set(callers));
  });

  it('hands the numbers that rang before recognition to their own partition\'s engine, which judges them at its next call', () => {
    // Eleven numbers, two tries each in turn, none calls again, split over
    // two engines sharing the table: the last try (the 22nd) makes the
    // victim's silence clear, on the engine of the even numbers, which does
    // not track the odd ones.
    const callers = Array.from({ length: 11 }, (_, i) => stranger(i, '171'));
    const tr = twoTriesInTurn(callers);
    const swarmCalls = tr.calls();
    const shared = new InboundSwarms(defaultConfig().swarmEntries);
    const [even, odd] = [0, 1].map(() => createEngine(defaultConfig(), { now: () => 0, swarms: shared }));
    for (const e of swarmCalls) (callers.indexOf(e.caller) % 2 === 0 ? even : odd).onCall(e);
    const labelled = (e: typeof even) => new Set(withRule(atLeast(e.drainFlags(), 'LABEL'), 'SWARM_BOMBING').map((f) => f.number));
    expect(labelled(even)).toEqual(new Set(callers.filter((_, i) => i % 2 === 0)));
    // The odd numbers wait for their engine's next call, whoever makes it.
    expect(labelled(odd)).toEqual(new Set());
    odd.onCall(tr.noAnswer(T0 + 30 * MIN, mobile(4242), mobile(4343)));
    expect(labelled(odd)).toEqual(new Set(callers.filter((_, i) => i % 2 === 1)));
    // Each once: a hand-over is taken a single time.
    odd.onCall(tr.noAnswer(T0 + 31 * MIN, mobile(4242), mobile(4344)));
    expect(labelled(odd)).toEqual(new Set());
  });
});

describe('a busy line\'s rejection is "not now" (REJECTION_REPEAT)', () => {
  const SHOP = mobile(888, '135');
  const CUSTOMER = stranger(500, '154');

  /**
   * The shop's lunch hour from T0 (customers retry until answered; it engages
   * in `answered` of those retries), then `caller` is rejected by `callee` at
   * `at` and tries three times more, unanswered. The caller's flags.
   */
  function refusedAfterLunch(answered: number, caller: string, callee: string, at: number) {
    const tr = new Traffic();
    for (let i = 0; i < answered; i++) {
      const c = stranger(400 + i, '153');
      tr.noAnswer(T0 + i * 2 * MIN, c, SHOP);
      tr.answered(T0 + i * 2 * MIN + MIN, c, SHOP, 60);
    }
    tr.rejected(at, caller, callee);
    for (let k = 1; k <= 3; k++) tr.noAnswer(at + k * 3 * MIN, caller, callee);
    return flagsOf(play(engine(), tr.inputs()).flags, caller);
  }

  it('a customer the shop rejected, retrying three times while it talks to others: no label', () => {
    expect(withRule(refusedAfterLunch(6, CUSTOMER, SHOP, T0 + 15 * MIN), 'REJECTION_REPEAT')).toEqual([]);
  });

  it('the same three retries at a person who takes no strangers\' calls: LABEL, as before', () => {
    // Someone else's busy shop changes nothing.
    const flags = refusedAfterLunch(6, CUSTOMER, mobile(889, '135'), T0 + 15 * MIN);
    expect(withRule(atLeast(flags, 'LABEL'), 'REJECTION_REPEAT').length).toBeGreaterThan(0);
  });

  it('a shop busy yesterday rejects a customer at the start of today\'s peak: still "not now"', () => {
    expect(withRule(refusedAfterLunch(6, CUSTOMER, SHOP, T0 + 86_400_000), 'REJECTION_REPEAT')).toEqual([]);
  });

  /** A lunch hour of the shop from `at`: six customers, each answered at its second try. */
  function lunch(tr: Traffic, at: number, first = 400): void {
    for (let i = 0; i < 6; i++) {
      const c = stranger(first + i, '153');
      tr.noAnswer(at + i * 2 * MIN, c, SHOP);
      tr.answered(at + i * 2 * MIN + MIN, c, SHOP, 60);
    }
  }
  const refusals = (tr: Traffic) => withRule(atLeast(flagsOf(play(engine(), tr.inputs()).flags, CUSTOMER), 'LABEL'), 'REJECTION_REPEAT');
  const { busyLineRefusals } = defaultConfig().rules.rejectionRepeat;

  it('a caller the busy shop keeps rejecting is refused from its busyLineRefusals-th rejection again: LABEL', () => {
    /** Rejected after the lunch hour, then `again` more times three minutes apart, after `unanswered` retries ringing out. */
    const rejectedAgain = (again: number, unanswered = 0) => {
      const tr = new Traffic();
      lunch(tr, T0);
      const at = T0 + 15 * MIN;
      tr.rejected(at, CUSTOMER, SHOP);
      for (let k = 1; k <= unanswered; k++) tr.noAnswer(at + k * MIN, CUSTOMER, SHOP);
      for (let k = 1; k <= again; k++) tr.rejected(at + (unanswered + 3 * k) * MIN, CUSTOMER, SHOP);
      return tr;
    };
    expect(refusals(rejectedAgain(busyLineRefusals - 1))).toEqual([]);
    const label = refusals(rejectedAgain(busyLineRefusals));
    expect(label.length).toBeGreaterThan(0);
    // The evidence agrees with itself: the day's repeats are the run's.
    expect(label[0].evidence).toMatchObject({ rejectionRepeats: busyLineRefusals, rejectionRepeatsMax: busyLineRefusals });
    // Retries that ring out are a customer's, at a busy line: they do not count.
    expect(refusals(rejectedAgain(busyLineRefusals - 1, 10))).toEqual([]);
  });

  it('a busy line\'s refusal runs a day from its first rejection: a customer rejected once a day at lunch is not refused', () => {
    const tr = new Traffic();
    for (let d = 0; d < 6; d++) {
      lunch(tr, T0 + d * DAY, 400 + 10 * d);
      tr.rejected(T0 + d * DAY + 15 * MIN, CUSTOMER, SHOP);
      tr.noAnswer(T0 + d * DAY + 20 * MIN, CUSTOMER, SHOP);
    }
    expect(refusals(tr)).toEqual([]);
  });

  it('a refusal that began before the line was busy counts attempts, one at the busy line counts its rejections: never mixed', () => {
    // Rejected before lunch and two retries ringing out (WATCH at an ordinary line); then the shop is busy and
    // rejects the customer once more: a new refusal, the busy line's, with no rejection again yet.
    const tr = new Traffic();
    tr.rejected(T0 - 2 * HOUR, CUSTOMER, SHOP);
    tr.noAnswer(T0 - 2 * HOUR + 5 * MIN, CUSTOMER, SHOP);
    tr.noAnswer(T0 - 2 * HOUR + 10 * MIN, CUSTOMER, SHOP);
    lunch(tr, T0);
    tr.rejected(T0 + 20 * MIN, CUSTOMER, SHOP);
    expect(refusals(tr)).toEqual([]);
  });

  it('a rejection is judged by what the line was when it was made: "not now" stays so after the busy memory lapses', () => {
    const { memoryMs } = defaultConfig().rules.rejectionRepeat;
    const tr = new Traffic();
    lunch(tr, T0);
    // Busy by memory when it rejects; the retries come after that memory lapsed.
    const at = T0 + memoryMs - 4 * HOUR;
    tr.rejected(at, CUSTOMER, SHOP);
    for (let k = 1; k <= 3; k++) tr.noAnswer(T0 + memoryMs + k * HOUR, CUSTOMER, SHOP);
    expect(refusals(tr)).toEqual([]);
  });

  it('pretext calls the victim answers do not buy a harasser a week of "not now"', () => {
    // The harasser is rejected twice; three accomplices' pretext calls are answered for 20 s within the hour while
    // it rings again, so the victim counts as a busy line. It then rings on over the day, refused every time.
    const harasser = mobile(890, '136');
    const victim = mobile(891, '135');
    const tr = new Traffic();
    tr.rejected(T0, harasser, victim);
    tr.rejected(T0 + 8 * MIN, harasser, victim);
    for (let i = 0; i < 3; i++) tr.answered(T0 + (10 + 3 * i) * MIN, stranger(600 + i, '153'), victim, 20);
    tr.noAnswer(T0 + 25 * MIN, harasser, victim);
    for (let k = 1; k <= 8; k++) tr.rejected(T0 + k * HOUR, harasser, victim);
    const flags = flagsOf(play(engine(), tr.inputs()).flags, harasser);
    expect(withRule(atLeast(flags, 'LABEL'), 'REJECTION_REPEAT').length).toBeGreaterThan(0);
  });

  it('a shop that engaged in only two retries is not yet busy: the refusal counts', () => {
    const flags = refusedAfterLunch(2, CUSTOMER, SHOP, T0 + 15 * MIN);
    expect(withRule(atLeast(flags, 'LABEL'), 'REJECTION_REPEAT').length).toBeGreaterThan(0);
  });
});
