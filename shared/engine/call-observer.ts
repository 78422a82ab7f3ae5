/**
 * The per-call counting of the engine: one call event updates the caller's
 * windowed counters and the pair caller→callee (contact, engagement,
 * refusals, call bombing, sequential dialling). Returns what the engine
 * needs next as bits (`OBSERVED_*`); campaign tracking and rule evaluation
 * stay with the engine (engine.ts).
 */
import type { CallEvent } from '../contracts/records.ts';
import type { EngineContext } from './context.ts';
import { inHours } from './local-time.ts';
import { busyLine, isQueue, observeEngagedFirstTry, observeSwarm } from './swarm-observer.ts';
import { CONSENTING as CONSENTING_, LINE_KIND as LINE_KIND_, MARKETING as MARKETING_, SHARED_BOMBING } from './number-kind.ts';
import { NUM8 as NUM8_, NUM16 as NUM16_, NUM32 as NUM32_, NumberState, type U8Field, type U32Field } from './state/number-state.ts';
import { H1 as H1_, H24 as H24_, M, STRANGER_PICKED_UP_24H as STRANGER_PICKED_UP_24H_ } from './state/metrics.ts';
import {
  PAIR_ANSWERED as PAIR_ANSWERED_,
  PAIR_ATTEMPTED as PAIR_ATTEMPTED_,
  PAIR_CALLED_BACK as PAIR_CALLED_BACK_,
  PAIR_ENGAGED as PAIR_ENGAGED_,
  PAIR_TAKEN_CUR as PAIR_TAKEN_CUR_,
  PAIR_TAKEN_PREV as PAIR_TAKEN_PREV_,
  PAIR_REJECTED_AS_STRANGER as PAIR_REJECTED_AS_STRANGER_,
  PAIR_REJECTED_BUSY as PAIR_REJECTED_BUSY_,
  PAIR8 as PAIR8_,
  PAIR16 as PAIR16_,
  PAIR32 as PAIR32_,
  type PairCache,
} from './state/pair-cache.ts';

/** The callee was a stranger to the caller (no contact, no consent). */
export const OBSERVED_STRANGER = 1;
/** The call is evidence worth judging now (marketing line, sequential, repeat after refusal, bombing). */
export const OBSERVED_INTERESTING = 2;
/** Answered and talked past the short-call cut. */
export const OBSERVED_ENGAGED = 4;
/** A stranger not called in the last 24 h (counted in the day's new strangers: per-callee rates). */
export const OBSERVED_NEW_STRANGER = 8;
/** The stranger's first engaged answer (counted once per callee: per-callee rates). */
export const OBSERVED_FIRST_ENGAGED = 16;
/** Answered, however briefly (with OBSERVED_NEW_STRANGER: the day's first call to a stranger was picked up). */
export const OBSERVED_ANSWERED = 32;

// Imported bindings are read through getters after transpilation: copy the
// hot ones into module constants.
const H1 = H1_;
const H24 = H24_;
const CALLS = M.CALLS;
const ANSWERED = M.ANSWERED;
const REJECTED = M.REJECTED;
const STRANGER_CALLS = M.STRANGER_CALLS;
const STRANGER_ANSWERED = M.STRANGER_ANSWERED;
const NEW_CALLEES = M.NEW_CALLEES;
const NEW_STRANGERS = M.NEW_STRANGERS;
const SHORT_TALK = M.SHORT_TALK;
const RING_ONCE = M.RING_ONCE;
const SEQUENTIAL = M.SEQUENTIAL;
const QUIET_STRANGER = M.QUIET_STRANGER;
const NO_CONSENT = M.NO_CONSENT;
const REJECTION_REPEATS = M.REJECTION_REPEATS;
const CALLBACKS = M.CALLBACKS;
const STRANGER_TALKED = M.STRANGER_TALKED;
const STRANGER_PICKED_UP_24H = STRANGER_PICKED_UP_24H_;
const PAIR_ANSWERED = PAIR_ANSWERED_;
const PAIR_REJECTED_AS_STRANGER = PAIR_REJECTED_AS_STRANGER_;
const PAIR_REJECTED_BUSY = PAIR_REJECTED_BUSY_;
const PAIR_CALLED_BACK = PAIR_CALLED_BACK_;
const PAIR_ENGAGED = PAIR_ENGAGED_;
const PAIR_ATTEMPTED = PAIR_ATTEMPTED_;
const PAIR_TAKEN_CUR = PAIR_TAKEN_CUR_;
const PAIR_TAKEN_PREV = PAIR_TAKEN_PREV_;
const MARKETING = MARKETING_;
const CONSENTING = CONSENTING_;
const LINE_KIND = LINE_KIND_;
// The records' field offsets (the state accessors take offsets, not names: number-state.ts's NUM32).
const NUM8 = NUM8_;
const NUM16 = NUM16_;
const NUM32 = NUM32_;
const PAIR8 = PAIR8_;
const PAIR16 = PAIR16_;
const PAIR32 = PAIR32_;
/** The national numbering plan's E.164 prefix: its callees keep `timeZone`'s clock. */
const NATIONAL_PREFIX = '+86';

/**
 * Counts call `e` from `caller` (record `slot`, windows already at `t`'s number) to `callee`; returns `OBSERVED_*` bits.
 * `tag`, `backTag`: the tags of the pair caller→callee and of its reverse (PairCache's pairTag), computed once.
 */
export function observeCall(
  cx: EngineContext,
  slot: number,
  caller: number,
  callee: number,
  e: CallEvent,
  t: number,
  tag: number,
  backTag: number,
): number {
  const cfg = cx.config;
  const st = cx.state;
  const ctr = st.counters;
  const pairs = cx.pairs;
  const sec = Math.floor(t / 1000);
  ctr.touch(slot, t);

  const p = pairs.getOrCreateTagged(caller, callee, tag, sec);
  const isNew = pairs.created;
  const sinceLast = isNew ? Infinity : sec - pairs.lastSeen(p);
  // The callee counts as new in the hour's (the day's) callees at its first call an hour (a day) after the last one.
  const newThisHour = isNew || sinceLast >= 3600;
  const newToday = isNew || sinceLast >= 86400;
  // Has the callee ever called the caller? Once known, cached in this pair's
  // flags, which saves the reverse lookup (a cache miss) on later calls.
  // A pair that has talked is acquainted already: skip the lookup unless the
  // caller is a marketing line or has consents (whose consent question it also answers).
  const kind = st.get8(slot, NUM8.kind) & LINE_KIND;
  const marketing = (kind & MARKETING) !== 0;
  const talked = pairs.get8(p, PAIR8.talks) >= cfg.acquaintanceTalks;
  let pflags = pairs.get8(p, PAIR8.flags);
  let calledBack = (pflags & PAIR_CALLED_BACK) !== 0;
  if (!calledBack && (!talked || kind !== 0)) {
    const back = pairs.findTagged(callee, caller, backTag);
    if (back >= 0 && (pairs.get8(back, PAIR8.flags) & PAIR_ATTEMPTED) !== 0) {
      if (isNew) {
        countCallback(cx, callee, t);
        // That touched the callee's windows, which resets where the next adds land: back to the caller's.
        ctr.touch(slot, t);
      }
      calledBack = true;
      pflags |= PAIR_CALLED_BACK;
      pairs.set8(p, PAIR8.flags, pflags);
    }
  }
  // Consent makes a call legitimate whoever places it (a 95 line or a sales rep's mobile).
  const consented = kind !== 0 && cx.consents.has(caller, callee, t);
  const stranger = !calledBack && !talked && !consented;

  ctr.add(slot, CALLS);
  if (newThisHour) ctr.addIn(slot, H1, NEW_CALLEES);
  if (newToday) ctr.addIn(slot, H24, NEW_CALLEES);

  let interesting = marketing;
  const outcome = e.outcome;
  const talkSec = outcome === 'ANSWERED' ? (e.endTime - (e.answerTime ?? e.endTime)) / 1000 : 0;
  if (outcome === 'ANSWERED') {
    ctr.add(slot, ANSWERED);
    pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) | PAIR_ANSWERED);
    if (talkSec < cfg.rules.shortCalls.maxTalkSec) ctr.add(slot, SHORT_TALK);
  } else if (outcome === 'REJECTED') {
    ctr.add(slot, REJECTED);
  }

  let perCallee = 0;
  if (stranger) {
    ctr.add(slot, STRANGER_CALLS);
    // Engagement: answered and kept on the line past the short-call cut (a
    // callee who hangs up on a pitch within seconds has not engaged), once
    // per stranger: rates are per callee, so retries do not dilute them.
    if (outcome === 'ANSWERED' && talkSec >= cfg.rules.shortCalls.maxTalkSec && (pflags & PAIR_ENGAGED) === 0) {
      perCallee |= OBSERVED_FIRST_ENGAGED;
      ctr.add(slot, STRANGER_ANSWERED);
      if (talkSec >= cfg.acquaintanceTalkSec) ctr.add(slot, STRANGER_TALKED);
      pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) | PAIR_ENGAGED);
    }
    // Picked up at all, however short the talk, once per stranger and day (the pair's answered flag as it was before
    // this call, forgotten when the call counts the stranger among the day's new ones again): whether strangers
    // answer the number, apart from whether they stay on the line. A courier's regular recipient, new again every
    // day, picks up again every day.
    if (outcome === 'ANSWERED' && (newToday || (pflags & PAIR_ANSWERED) === 0)) ctr.addIn(slot, H24, STRANGER_PICKED_UP_24H);
    if (newThisHour) ctr.addIn(slot, H1, NEW_STRANGERS);
    if (newToday) {
      perCallee |= OBSERVED_NEW_STRANGER;
      ctr.addIn(slot, H24, NEW_STRANGERS);
      if (outcome !== 'ANSWERED') pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) & ~PAIR_ANSWERED);
    }
    if (outcome === 'CANCELLED' && e.endTime - t <= cfg.rules.ringOnce.maxRingMs) ctr.add(slot, RING_ONCE);
    // The night is the callee's: `timeZone` is the clock of the national plan's callees (+86); one abroad lives
    // on another clock, not known here, so its calls are not judged for quiet hours at all.
    const q = cfg.rules.quietHours;
    if (e.callee.startsWith(NATIONAL_PREFIX) && inHours(cx.clock.hour(t), q.startHour, q.endHour)) ctr.add(slot, QUIET_STRANGER);
  }
  // A return call to someone who called the line is no marketing to a stranger, unless that person has revoked a
  // consent it gave the line: the revocation is its explicit word on the line's calls, whoever called first. The same
  // word binds any number that registers consents (a sales rep's mobile), acquainted with the person or not, unless
  // the person has called it (no marketing line: a customer's own inquiry is answered like anybody's call).
  if (!consented && kind !== 0) {
    if (marketing) {
      if (!calledBack || cx.consents.revoked(caller, callee, t)) ctr.add(slot, NO_CONSENT);
    } else if ((kind & CONSENTING) !== 0 && !calledBack && cx.consents.revoked(caller, callee, t)) {
      ctr.add(slot, NO_CONSENT);
      interesting = true;
    }
  }

  const last = st.lastCallee(slot);
  const gap = callee - last;
  // Scanning a number range: runs of consecutive strangers (a consented
  // customer list called in order is not scanning), each counted once an
  // hour: redialling a few neighbouring lines (a hospital's or company's
  // numbers, busy) is not scanning a range.
  if (stranger && newThisHour && last !== 0 && gap !== 0 && Math.abs(gap) <= cfg.rules.sequentialDialing.maxGap) {
    ctr.addIn(slot, H1, SEQUENTIAL);
    interesting = true;
  }
  st.setLastCallee(slot, callee);

  // Attempts after an explicit rejection by a callee to whom the caller was a stranger.
  const rr = cfg.rules.rejectionRepeat;
  const rejectedAt = pairs.get32(p, PAIR32.rejectedAt);
  // A refusal that began at a busy line is its "not now": it runs a day from its first rejection (not renewed),
  // and only the line's rejecting the caller again counts there, from the `busyLineRefusals`-th time.
  const busyRefusal = (pflags & PAIR_REJECTED_BUSY) !== 0;
  const memorySec = (busyRefusal ? rr.busyLineRefusalWindowMs : rr.memoryMs) / 1000;
  // Only attempts after the rejection in event time relate to it: one made
  // before it but delivered after it (within the lateness) is no repeat.
  const afterRejection = rejectedAt !== 0 && sec > rejectedAt;
  const refusalOpen = rejectedAt !== 0 && sec - rejectedAt <= memorySec;
  // An attempt the callee took up for a real conversation (acquaintanceTalkSec)
  // is no repeat against its will: it ends the refusal (below) instead. A
  // shorter pick-up (to tell the caller off) still counts.
  const engagedAnswer = outcome === 'ANSWERED' && talkSec >= cfg.acquaintanceTalkSec;
  const refused = afterRejection && refusalOpen && !engagedAnswer && (pflags & PAIR_REJECTED_AS_STRANGER) !== 0 && !calledBack && !talked;
  const rejected = outcome === 'REJECTED';
  // Whether the line is busy now, asked once and only where it decides something: a repeat within an ordinary
  // refusal, and a stranger's rejection that may begin a refusal (openRefusal).
  const busyNow = (refused && !busyRefusal) || (rejected && stranger && !(refusalOpen && busyRefusal)) ? busyLine(cx, callee, sec) : false;
  if (refused && (busyRefusal ? rejected : !busyNow)) {
    const n = pairs.get16(p, PAIR16.afterReject) + 1;
    pairs.set16(p, PAIR16.afterReject, n);
    if (!busyRefusal) {
      countRepeats(cx, slot, callee, n, 1, sec);
      interesting = true;
    } else if (n >= rr.busyLineRefusals) {
      // At the crossing the rejections before it count too, so the day's repeats agree with the run's length.
      countRepeats(cx, slot, callee, n, n === rr.busyLineRefusals ? n : 1, sec);
      interesting = true;
    }
  }
  if (outcome === 'ANSWERED' && afterRejection) {
    // The callee picked up: the refusal is over; a new one starts a new count.
    closeRefusal(cx.pairs, p);
  } else if (rejected) {
    openRefusal(cx.pairs, p, sec, stranger, rejectedAt, refusalOpen, busyRefusal, busyNow);
  }

  // Call bombing: attempts at one stranger within the bombing window. The pair's window starts at its first
  // attempt after the previous window ended; the previous window's attempts are kept with the gap between the two,
  // and a run is read as the sliding-window estimate: cur + prev × the share of the previous window still within
  // one window of this attempt, rounded down (as the number's counters are read). So eight attempts within an hour
  // count whether or not they cross a window's end, which the window alone missed. An attempt too late even for
  // the previous window counts for nothing. Each window also keeps whether the callee took (answered) every one of
  // its attempts (PAIR_TAKEN_*): a run with no untaken attempt is no bombing (a monitoring centre auto-answering a
  // telemetry SIM's reports every few minutes), however short the calls; the previous window's untaken attempt
  // counts while that window still adds an attempt to the run. A queue (a service line, a short code, an
  // allowlisted number: isQueue) that many redial while it is busy is no victim either.
  const bombSec = cfg.rules.callBombing.windowMs / 1000;
  let curStart = pairs.get32(p, PAIR32.bombStart);
  let cur = pairs.get8(p, PAIR8.bombCur);
  let prev = pairs.get8(p, PAIR8.bombPrev);
  let bombGap = pairs.get16(p, PAIR16.bombGap);
  let bflags = pairs.get8(p, PAIR8.flags);
  if (sec >= curStart + bombSec) {
    bombGap = sec - (curStart + bombSec);
    prev = bombGap < bombSec ? cur : 0;
    cur = 0;
    curStart = sec;
    // The new window has no attempt yet, none untaken; the previous one keeps its answer while it is kept.
    bflags = (bflags & ~PAIR_TAKEN_PREV) | PAIR_TAKEN_CUR | (prev === 0 || (bflags & PAIR_TAKEN_CUR) !== 0 ? PAIR_TAKEN_PREV : 0);
    pairs.set32(p, PAIR32.bombStart, curStart);
    pairs.set8(p, PAIR8.bombPrev, prev);
    pairs.set16(p, PAIR16.bombGap, bombGap);
  }
  const inCurrent = sec >= curStart;
  const counted = inCurrent || curStart - bombGap - sec <= bombSec;
  if (inCurrent) pairs.set8(p, PAIR8.bombCur, ++cur);
  else if (counted) pairs.set8(p, PAIR8.bombPrev, ++prev);
  if (outcome !== 'ANSWERED' && counted) bflags &= inCurrent ? ~PAIR_TAKEN_CUR : ~PAIR_TAKEN_PREV;
  pairs.set8(p, PAIR8.flags, bflags);
  const prevPart = prev * Math.max(0, 1 - (bombGap + Math.max(0, sec - curStart)) / bombSec);
  const bombs = Math.floor(cur + prevPart);
  const untaken = (bflags & PAIR_TAKEN_CUR) === 0 || ((bflags & PAIR_TAKEN_PREV) === 0 && prevPart >= 1);
  if (stranger && counted && bombs >= 3 && untaken && !isQueue(cx, callee, e.callee)) {
    noteRun(st, slot, BOMBING_RUN, bombs, callee, sec, bombSec, cfg.rules.callBombing.attempts);
    interesting = true;
  }

  // Swarm bombing: the strangers who ring this callee again and again, whatever their numbers. A stranger joins a
  // callee's swarm at its `attemptsEach`-th attempt in the pair's current bombing window.
  const sw = cfg.rules.swarmBombing;
  if (stranger && inCurrent) {
    const engagedNow = outcome === 'ANSWERED' && talkSec >= cfg.rules.shortCalls.maxTalkSec;
    if (cur >= sw.attemptsEach) {
      if (observeSwarm(cx, slot, caller, callee, e.callee, sec, cur, engagedNow, (pflags & PAIR_ENGAGED) !== 0)) interesting = true;
    } else if (engagedNow) {
      observeEngagedFirstTry(cx, caller, callee, sec);
    }
  }

  // Contact knowledge, after this call has been judged.
  recordContact(cx, p, e, sec);

  let seen = interesting ? OBSERVED_INTERESTING : 0;
  if (stranger) seen |= OBSERVED_STRANGER | perCallee;
  if (outcome === 'ANSWERED') seen |= talkSec >= cfg.rules.shortCalls.maxTalkSec ? OBSERVED_ENGAGED | OBSERVED_ANSWERED : OBSERVED_ANSWERED;
  return seen;
}

/**
 * The contact call `e` (at second `sec`) makes on its pair `p`: the caller has attempted the callee (so the callee
 * calling back is no stranger's call), and a real conversation counts towards the two being acquainted; enough of
 * them close any earlier refusal.
 */
function recordContact(cx: EngineContext, p: number, e: CallEvent, sec: number): void {
  const pairs = cx.pairs;
  if (e.outcome === 'ANSWERED' && e.answerTime !== null && (e.endTime - e.answerTime) / 1000 >= cx.config.acquaintanceTalkSec) {
    const talks = pairs.get8(p, PAIR8.talks) + 1;
    pairs.set8(p, PAIR8.talks, talks);
    if (talks >= cx.config.acquaintanceTalks) closeRefusal(pairs, p);
  }
  pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) | PAIR_ATTEMPTED);
  if (sec > pairs.lastSeen(p)) pairs.setLastSeen(p, sec);
}

/**
 * A call of an allowlisted number: nothing is counted for it or judged, but the contact it makes is kept, so that
 * the people it calls are not strangers when they call it back (a hospital's patients returning its calls).
 */
export function observeContact(cx: EngineContext, caller: number, callee: number, e: CallEvent, t: number, tag: number): void {
  const sec = Math.floor(t / 1000);
  recordContact(cx, cx.pairs.getOrCreateTagged(caller, callee, tag, sec), e, sec);
}

/** `number` called someone who now calls it back for the first time: engagement, like an answer. */
function countCallback(cx: EngineContext, number: number, t: number): void {
  const slot = cx.index.get(number);
  if (slot < 0) return;
  const ctr = cx.state.counters;
  ctr.touch(slot, t, false); // a count of people: not an event of the number's own day (its span)
  ctr.add(slot, CALLBACKS);
}

/**
 * A rejection of the pair `p` at second `sec`. It begins a refusal when none is open, or when an ordinary one is open
 * and the line is busy now (`busy`; its count so far, attempts of any kind, is not a count of rejections); the
 * refusal is a busy line's when the line is busy now. An ordinary refusal's memory runs from its latest rejection; a busy line's
 * from its first.
 */
function openRefusal(pairs: PairCache, p: number, sec: number, stranger: boolean, rejectedAt: number, open: boolean, busyRefusal: boolean, busy: boolean): void {
  if (!stranger) {
    if (!open) pairs.set16(p, PAIR16.afterReject, 0);
    if (sec > rejectedAt) pairs.set32(p, PAIR32.rejectedAt, sec);
    return;
  }
  if (open && busyRefusal) return;
  if (open && !busy) {
    if (sec > rejectedAt) pairs.set32(p, PAIR32.rejectedAt, sec);
    pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) | PAIR_REJECTED_AS_STRANGER);
    return;
  }
  pairs.set16(p, PAIR16.afterReject, 0);
  pairs.set32(p, PAIR32.rejectedAt, sec);
  const flags = (pairs.get8(p, PAIR8.flags) | PAIR_REJECTED_AS_STRANGER) & ~PAIR_REJECTED_BUSY;
  pairs.set8(p, PAIR8.flags, busy ? flags | PAIR_REJECTED_BUSY : flags);
}

/**
 * Counts `added` attempts after a refusal for the number at `slot`, whose run at `callee` is now `n` long. The
 * number's largest run is kept as evidence for the refusal memory (`memoryMs`), a busy line's run too.
 */
function countRepeats(cx: EngineContext, slot: number, callee: number, n: number, added: number, sec: number): void {
  const rr = cx.config.rules.rejectionRepeat;
  cx.state.counters.add(slot, REJECTION_REPEATS, added);
  noteRun(cx.state, slot, REFUSAL_RUN, n, callee, sec, rr.memoryMs / 1000, rr.repeats);
}

/** The number-record fields of one kind of run at one callee: its largest, when, and whose. */
interface RunFields {
  max: U8Field;
  at: U32Field;
  callee: U8Field;
}
const REFUSAL_RUN: RunFields = { max: NUM8.rrMax, at: NUM32.rrAt, callee: NUM8.rrCallee };
const BOMBING_RUN: RunFields = { max: NUM8.bombMax, at: NUM32.bombAt, callee: NUM8.bombCallee };

/**
 * A run `run` long at `callee` (refusal or bombing, `f`): kept as the number's largest with its callee when at least
 * as large as the largest, or when that has aged out (`lifeSec`; a smaller run elsewhere does not renew an old
 * maximum, which would keep evidence past its memory). When the largest and this run, at another callee, both reach
 * the rule's `grade`, two callees suffered it (the rules then read bombing and refusal as two behaviours even when
 * both largest runs are one callee's; signals-fill): for refusals, marked until the other callee's run ages out
 * (`sharedRefusalsUntil`, by day: the old holder's when this run replaces it, else this one's); for bombing, whose
 * window is an hour, until the largest run ages out (SHARED_BOMBING). A holder not known (0: restored from a
 * version-4 snapshot) is no other callee.
 */
function noteRun(st: NumberState, slot: number, f: RunFields, run: number, callee: number, sec: number, lifeSec: number, grade: number): void {
  const fp = NumberState.calleeFingerprint(callee);
  const at = st.get32(slot, f.at);
  const live = sec - at <= lifeSec;
  const max = live ? st.get8(slot, f.max) : 0;
  const holder = st.get8(slot, f.callee);
  const shared = live && run >= grade && max >= grade && holder !== 0 && fp !== holder;
  if (f === REFUSAL_RUN) {
    if (shared) {
      const until = Math.floor(((run >= max ? at : sec) + lifeSec) / 86_400);
      if (until > st.get16(slot, NUM16.sharedRefusalsUntil)) st.set16(slot, NUM16.sharedRefusalsUntil, until);
    }
  } else {
    const kind = st.get8(slot, NUM8.kind);
    const marked = shared ? kind | SHARED_BOMBING : live ? kind : kind & ~SHARED_BOMBING;
    if (marked !== kind) st.set8(slot, NUM8.kind, marked);
  }
  if (run >= max) {
    st.set8(slot, f.max, run);
    st.set32(slot, f.at, sec);
    st.set8(slot, f.callee, fp);
  }
}

/** The two are acquainted now: an earlier refusal no longer makes later calls harassment. */
function closeRefusal(pairs: PairCache, p: number): void {
  pairs.set32(p, PAIR32.rejectedAt, 0);
  pairs.set16(p, PAIR16.afterReject, 0);
  pairs.set8(p, PAIR8.flags, pairs.get8(p, PAIR8.flags) & ~(PAIR_REJECTED_AS_STRANGER | PAIR_REJECTED_BUSY));
}
